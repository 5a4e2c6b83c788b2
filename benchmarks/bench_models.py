"""Predictive models: natural gradient against IRLS, L-BFGS-B and gradient descent.

1. Logistic regression, n = 100,000, d = 20, column scales 1 … 1000 (seeded):
   infogeo natural gradient (``ig.NaturalGradientDescent`` on
   ``ig.models.logistic_regression``) against statsmodels ``Logit`` (Newton / IRLS),
   scipy L-BFGS-B and plain gradient descent (step 1/L, iterations capped) —
   iterations, median wall time, distance to a reference optimum (statsmodels Newton
   run to ``tol = 1e-14``).
2. Softmax regression, n = 50,000, K = 21 classes (K − 1 = 20 free columns),
   d = 500 features: d·(K − 1) = 10,000 weights, matrix-free natural gradient
   (Fisher-vector products + CG, preconditioned by K-FAC by default), peak traced memory, and
   time per iteration / per Fisher-vector product as d doubles (125, 250, 500).

Run: ``.venv/bin/python benchmarks/run.py models`` (about 1–2 minutes).
"""

from __future__ import annotations

import itertools
import statistics as stats
import time
import tracemalloc

import numpy as np
import scipy.optimize
import scipy.special
import statsmodels.api as sm

import infogeo as ig

REPEATS = 5
GD_CAP = 1000
LBFGS_CAP = 500


def _median_time(fn, repeats=REPEATS):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return stats.median(times), out


def logistic_problem(n=100_000, d=20, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.logspace(0, 3, d)
    X = rng.standard_normal((n, d)) * scales
    X[:, 0] = 1.0  # intercept column (scale 1)
    w_true = rng.standard_normal(d) / scales
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X @ w_true))).astype(float)
    return X, y


def bench_logistic():
    X, y = logistic_problem()
    n, d = X.shape
    ref = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-14, maxiter=200).params
    model = ig.models.logistic_regression(X, y)

    def dist(w):
        return float(np.max(np.abs(w - ref)) / np.max(np.abs(ref)))

    rows = []
    # infogeo natural gradient (Armijo from step 1 = Fisher scoring) and statsmodels
    # IRLS / Newton at its default tolerance, run alternately so that both see the
    # same machine load
    times_ng, times_sm = [], []
    for _ in range(REPEATS):
        t, res = _median_time(
            lambda: ig.NaturalGradientDescent(model, gtol=1e-10).minimize(), repeats=1
        )
        times_ng.append(t)
        t, r = _median_time(
            lambda: sm.Logit(y, X).fit(disp=0, method="newton", maxiter=200), repeats=1
        )
        times_sm.append(t)
    t_ng, t_sm, nit_ng = stats.median(times_ng), stats.median(times_sm), res.nit
    rows.append(("infogeo natural gradient (gtol=1e-10)", res.nit, t_ng, dist(res.x), res.success))
    its = r.mle_retvals["iterations"]
    rows.append(
        (
            "statsmodels Logit newton (tol=1e-8)",
            its,
            t_sm,
            dist(r.params),
            r.mle_retvals["converged"],
        )
    )

    # scipy L-BFGS-B on the same objective, value and gradient in one pass
    XT = np.ascontiguousarray(X.T)

    def fun_and_grad(w):
        z = X @ w
        p = scipy.special.expit(z)
        return np.mean(np.logaddexp(0.0, z) - y * z), XT @ (p - y) / n

    def lbfgs():
        return scipy.optimize.minimize(
            fun_and_grad,
            np.zeros(d),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": LBFGS_CAP, "gtol": 1e-12, "ftol": 1e-16},
        )

    t, r = _median_time(lbfgs, repeats=1)
    rows.append((f"scipy L-BFGS-B (capped at {LBFGS_CAP})", r.nit, t, dist(r.x), r.success))

    # plain gradient descent, step 1/L with L = λmax(XᵀX)/(4n) (Lipschitz constant)
    L = np.linalg.eigvalsh(X.T @ X / (4 * n))[-1]

    def gd():
        w = np.zeros(d)
        for _ in range(GD_CAP):
            w = w - fun_and_grad(w)[1] / L
        return w

    t, w_gd = _median_time(gd, repeats=1)
    rows.append((f"gradient descent 1/L (capped at {GD_CAP})", GD_CAP, t, dist(w_gd), False))

    print(f"\n1. logistic regression n={n}, d={d}, column scales 1..1000 (seeded)")
    print("   reference: statsmodels Newton tol=1e-14; distance = max|w - ref| / max|ref|")
    print(f"   {'method':42s} {'iters':>6s} {'median s':>9s} {'rel. dist':>10s} {'conv':>5s}")
    for name, it, tm, dd, ok in rows:
        print(f"   {name:42s} {it:6d} {tm:9.3f} {dd:10.2e} {ok!s:>5s}")
    print(f"   wall time infogeo / statsmodels: {t_ng / t_sm:.2f}x")
    print(
        f"   gradient-descent / natural-gradient iterations: >= {GD_CAP / nit_ng:.0f}x "
        "(GD had not converged at its cap)"
    )


def softmax_problem(n, d, K, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, K)) * (1.5 / np.sqrt(d))
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    u = rng.random((n, 1))
    y = np.minimum((P.cumsum(axis=1) < u).sum(axis=1), K - 1)
    return X, y


def bench_softmax():
    n, K = 50_000, 21
    print(f"\n2. softmax regression n={n}, K={K} (K-1 = 20 free columns), l2=1e-4, solver='cg'")
    print(
        f"   {'d':>5s} {'weights':>8s} {'NG iters':>9s} {'CG/iter':>8s} {'s/iter':>8s} "
        f"{'peak MiB':>9s} {'grad norm':>10s} {'conv':>5s}"
    )
    ops = {}
    for d in (125, 250, 500):
        full = d == 500  # run to convergence at the headline size, 2 iterations below it
        tracemalloc.start()
        X, y = softmax_problem(n, d, K)
        model = ig.models.softmax_regression(X, y, l2=1e-4, solver="cg", cg_tol=1e-8)
        cg_counts = []

        def record(_, model=model, cg_counts=cg_counts):
            cg_counts.append(model.last_cg_iterations)

        res = ig.NaturalGradientDescent(
            model, gtol=1e-7, max_iter=30 if full else 2, callback=record
        ).minimize()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_iter = res.wall_time / max(res.nit, 1)
        cg = np.mean(cg_counts) if cg_counts else float("nan")
        print(
            f"   {d:5d} {model.dim:8d} {res.nit:9d} {cg:8.1f} {per_iter:8.2f} "
            f"{peak / 2**20:9.0f} {res.grad_norm:10.1e} {res.success!s:>5s}"
        )
        ops[d] = (model._fvp_operator(res.x), np.ones(model.dim))
        dim = model.dim
        del X, y, model
    # time one Fisher-vector product per size, sizes interleaved (same machine load)
    times = {d: [] for d in ops}
    for _ in range(7):
        for d, (op, v) in ops.items():
            t0 = time.perf_counter()
            op(v)
            times[d].append(time.perf_counter() - t0)
    med = {d: stats.median(t) for d, t in times.items()}
    sizes = list(med)
    growth = ", ".join(f"d {a}->{b}: x{med[b] / med[a]:.2f}" for a, b in itertools.pairwise(sizes))
    print(
        "   seconds per Fisher-vector product (median of 7, interleaved): "
        + ", ".join(f"d={d}: {t:.4f}" for d, t in med.items())
    )
    print(f"   growth as d doubles: {growth}")
    print(
        f"   a dense metric at d=500 would be {dim**2 * 8 / 2**30:.2f} GiB, and its closed-form "
        f"build needs an (n, d, K-1) array of {n * 500 * 20 * 8 / 2**30:.1f} GiB"
    )


def main():
    bench_logistic()
    bench_softmax()


if __name__ == "__main__":
    main()
