"""Natural gradient for neural networks: loss against wall time, against L-BFGS-B and Adam.

Problems (seeded):

* MLP classifiers, n = 5000 inputs x ~ N(0, I₂₀), K = 3 classes from a random teacher
  network (tanh, 16 hidden units): labels *sampled* from the teacher's softmax
  ("noisy", a finite optimum) or its arg-max ("separable", loss → 0 with growing
  weights). Students: one tanh hidden layer of width 16 (387 weights) and 32 (771).
* Softmax regression, 2000 weights: n = 20,000, d = 100, K = 21 (20 free columns),
  ``l2 = 1e-4``, data from ``bench_models.softmax_problem``.

Methods on the same model object (the value and gradient every method uses are the
model's own vectorized ``nll`` / ``nll_grad``, so all pay the same per-gradient cost):
infogeo ``NaturalGradientDescent`` with ``metric="kfac"`` (K-FAC, momentum, adaptive
Levenberg–Marquardt damping), ``metric="fvp"`` (conjugate gradient on Fisher-vector
products, K-FAC preconditioner) and ``metric="exact"`` (dense metric from vectorized
per-example Jacobians); scipy L-BFGS-B; full-batch Adam (the best of three learning
rates, chosen on the same run). Every method runs for the same wall-time budget; the
tables give the loss reached at 0.25, 0.5, 1, 2, 5 and 10 seconds, the time per
iteration and the peak traced memory (``tracemalloc``, a separate short run). Softmax:
time to reach ``‖∇L‖∞ ≤ 1e-6`` (every method stopped the first time it gets there),
natural gradient with default options (inexact Newton-CG), with K-FAC and with CG to a
fixed tolerance, against L-BFGS-B.

BLAS runs single-threaded (threadpoolctl, when installed) so that the shared machine's
load perturbs all methods alike. Run: ``python benchmarks/bench_scaling.py nn`` (about
6 minutes), or one part: ``python benchmarks/scaling_nn.py mlp16`` (parts: passes,
mlp16, mlp32, separable16, softmax).
"""

from __future__ import annotations

import contextlib
import sys
import time
import tracemalloc

import numpy as np
import scipy.optimize

import infogeo as ig

BUDGET = 10.0  # seconds per method and problem
MARKS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
#: parts of ``main`` that can be run alone (``bench_scaling.py nn`` runs them all)
PARTS = ("passes", "mlp16", "mlp32", "separable16", "softmax")
ADAM_RATES = (3e-3, 1e-2, 3e-2)


def mlp_problem(n=5000, d=20, hidden=16, K=3, noisy=True, seed=2):
    """Inputs ``N(0, I_d)``; labels from a random tanh teacher network."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W1 = rng.standard_normal((d, hidden)) * (2.0 / np.sqrt(d))
    W2 = rng.standard_normal((hidden, K)) * 2.0
    Z = np.tanh(X @ W1) @ W2
    if not noisy:
        return X, Z.argmax(axis=1)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = np.minimum((P.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1), K - 1)
    return X, y


class _Budget(Exception):
    pass


def _trace_ngd(model, budget, metric, **options):
    trace = []
    start = time.perf_counter()

    def callback(res):
        trace.append((time.perf_counter() - start, res.fun))
        return bool(time.perf_counter() - start > budget)

    res = ig.NaturalGradientDescent(
        model, metric=metric, max_iter=10**6, gtol=1e-12, callback=callback, **options
    ).minimize()
    return trace, res.nit


def _trace_lbfgs(model, budget):
    trace = []
    start = time.perf_counter()
    nit = 0

    def callback(w):
        nonlocal nit
        nit += 1
        trace.append((time.perf_counter() - start, model.nll(w)))  # cached: no new pass
        if time.perf_counter() - start > budget:
            raise _Budget

    with contextlib.suppress(_Budget):
        scipy.optimize.minimize(
            lambda w: (model.nll(w), model.nll_grad(w)),
            model.initial_point(),
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={"maxiter": 10**6, "gtol": 1e-12, "ftol": 0.0},
        )
    return trace, nit


def _trace_adam(model, budget, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    w = model.initial_point()
    m, v = np.zeros_like(w), np.zeros_like(w)
    trace = []
    start = time.perf_counter()
    k = 0
    while time.perf_counter() - start <= budget:
        f, g = model.nll(w), model.nll_grad(w)
        k += 1
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w = w - lr * (m / (1 - beta1**k)) / (np.sqrt(v / (1 - beta2**k)) + eps)
        trace.append((time.perf_counter() - start, f))
    return trace, k


def _loss_at(trace, t):
    best = np.nan
    for tt, f in trace:
        if tt <= t:
            best = f
    return best


def _peak_mib(run):
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _mlp_methods(width):
    kfac = {"metric": "kfac"}
    return {
        "NGD K-FAC": lambda m, b: _trace_ngd(m, b, **kfac),
        "NGD K-FAC, factors every 5, batch 1000": lambda m, b: _trace_ngd(
            m, b, metric="kfac", metric_options={"update_every": 5, "batch_size": 1000}
        ),
        "NGD fvp (CG, K-FAC precond., tol 1e-2)": lambda m, b: _trace_ngd(
            m,
            b,
            metric="fvp",
            metric_options={"preconditioner": "kfac"},
            line_search="levenberg-marquardt",
            damping=1e-2,
        ),
        "NGD exact (dense metric)": lambda m, b: _trace_ngd(
            m, b, metric="exact", line_search="levenberg-marquardt", damping=1e-2
        ),
        "scipy L-BFGS-B": _trace_lbfgs,
    }


def bench_mlp(width, noisy, budget=BUDGET):
    X, y = mlp_problem(noisy=noisy)
    kind = "noisy labels" if noisy else "separable labels"
    print(f"\nMLP n={len(y)}, d=20, K=3, hidden={width} ({kind}); budget {budget:g} s per method")
    rows = []
    for name, run in _mlp_methods(width).items():
        model = ig.models.mlp_classifier(X, y, hidden=(width,), cg_tol=1e-2)
        trace, nit = run(model, budget)
        peak = _peak_mib(lambda run=run, X=X, y=y: run(_fresh(X, y, width), 0.3))
        rows.append((name, trace, nit, peak))
    best = None
    for lr in ADAM_RATES:
        model = ig.models.mlp_classifier(X, y, hidden=(width,))
        trace, nit = _trace_adam(model, budget, lr)
        if best is None or trace[-1][1] < best[1][-1][1]:
            best = (f"Adam full batch (lr {lr:g}, best of {len(ADAM_RATES)})", trace, nit)
    peak = _peak_mib(lambda: _trace_adam(_fresh(X, y, width), 0.3, 1e-2))
    rows.append((*best, peak))
    _print_rows(rows, _fresh(X, y, width).dim)
    return rows


def _fresh(X, y, width):
    return ig.models.mlp_classifier(X, y, hidden=(width,), cg_tol=1e-2)


def _print_rows(rows, dim):
    head = " ".join(f"{'t=' + format(t, 'g') + 's':>9s}" for t in MARKS)
    print(f"   weights {dim}; loss reached at equal wall time")
    print(f"   {'method':44s} {head} {'iters':>6s} {'ms/iter':>8s} {'peak MiB':>9s}")
    for name, trace, nit, peak in rows:
        losses = " ".join(f"{_loss_at(trace, t):9.3g}" for t in MARKS)
        per_iter = 1e3 * trace[-1][0] / max(nit, 1) if trace else float("nan")
        print(f"   {name:44s} {losses} {nit:6d} {per_iter:8.1f} {peak:9.1f}")


def bench_passes(width, repeats=3):
    """Seconds per call of the building blocks: the previous generic autograd paths
    (``PredictiveModel``'s forward-mode dense metric and ``make_jvp``/``make_vjp``
    products, autograd gradient) against the vectorized hand-written passes."""
    import autograd

    from infogeo.models.fisher_vector import dense_pullback_metric, pullback_fvp

    X, y = mlp_problem(noisy=True)
    model = ig.models.mlp_classifier(X, y, hidden=(width,))
    w = model.initial_point() + 0.01
    v = np.ones(model.dim)

    def best(fn):
        times = []
        for _ in range(repeats):
            model._cache = None  # no reuse of a cached forward pass
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    rows = [
        (
            "gradient",
            best(lambda: autograd.grad(model._nll)(w)),
            best(lambda: model.nll_grad(w + 0.0)),
        ),
        (
            "Fisher-vector product (operator + 1 product)",
            best(lambda: pullback_fvp(model._outputs, model._apply_output_metric, w)(v)),
            best(lambda: model._fvp_operator(w + 0.0)(v)),
        ),
        (
            "dense metric",
            best(lambda: dense_pullback_metric(model._outputs, model._output_metric, w)),
            best(lambda: model._metric_single(w)),
        ),
        (
            "K-FAC factors + eigendecompositions",
            float("nan"),
            best(lambda: model._kfac_factors(w + 0.0, None)),
        ),
    ]
    print(
        f"\nMLP building blocks, hidden={width} ({model.dim} weights), n={len(y)}; "
        f"best of {repeats}"
    )
    print(f"   {'operation':46s} {'autograd s':>11s} {'vectorized s':>13s} {'speed-up':>9s}")
    for name, old, new in rows:
        print(f"   {name:46s} {old:11.4f} {new:13.4f} {old / new:9.1f}")


def bench_softmax(n=20_000, d=100, K=21, tol=1e-6, repeats=3):
    from bench_models import softmax_problem

    X, y = softmax_problem(n, d, K)
    print(
        f"\nsoftmax regression n={n}, d={d}, K={K}: {d * (K - 1)} weights, l2=1e-4; "
        f"time to ||grad||_inf <= {tol:g} (median of {repeats}, runs interleaved)"
    )

    def lbfgs():
        model = ig.models.softmax_regression(X, y, l2=1e-4)
        r = scipy.optimize.minimize(
            lambda w: (model.nll(w), model.nll_grad(w)),
            model.initial_point(),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 10**5, "gtol": tol, "ftol": 0.0},
        )
        return r.nit, r.fun, float(np.abs(r.jac).max())

    def ngd(metric, **kw):
        def run():
            model = ig.models.softmax_regression(X, y, l2=1e-4, cg_tol=1e-3)
            r = ig.NaturalGradientDescent(
                model,
                metric=metric,
                callback=lambda res: bool(np.abs(res.jac).max() <= tol),
                **kw,
            ).minimize()
            return r.nit, r.fun, float(np.abs(r.jac).max())

        return run

    def ngd_default():
        model = ig.models.softmax_regression(X, y, l2=1e-4)  # no solver options at all
        r = ig.NaturalGradientDescent(
            model, callback=lambda res: bool(np.abs(res.jac).max() <= tol)
        ).minimize()
        return r.nit, r.fun, float(np.abs(r.jac).max())

    methods = {
        "NGD, default options (inexact Newton-CG)": ngd_default,
        "NGD K-FAC": ngd("kfac"),
        "NGD fvp (CG, K-FAC precond., tol 1e-3)": ngd(
            "fvp", metric_options={"preconditioner": "kfac"}
        ),
        "scipy L-BFGS-B": lbfgs,
    }
    times = {name: [] for name in methods}
    out = {}
    for _ in range(repeats):
        for name, run in methods.items():
            t0 = time.perf_counter()
            out[name] = run()
            times[name].append(time.perf_counter() - t0)
    ref = float(np.median(times["scipy L-BFGS-B"]))
    print(
        f"   {'method':44s} {'iters':>6s} {'median s':>9s} {'x L-BFGS':>9s} "
        f"{'loss':>18s} {'grad inf':>9s}"
    )
    for name in methods:
        nit, fun, gmax = out[name]
        t = float(np.median(times[name]))
        print(f"   {name:44s} {nit:6d} {t:9.2f} {t / ref:9.2f} {fun:18.12f} {gmax:9.1e}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parts = [a for a in argv if a in PARTS] or list(PARTS)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        threadpool_limits = None
    limit = threadpool_limits(1) if threadpool_limits is not None else contextlib.nullcontext()
    with limit:
        if "passes" in parts:
            for width in (16, 32):
                bench_passes(width)
        for width in (16, 32):
            if f"mlp{width}" in parts:
                bench_mlp(width, noisy=True)
        if "separable16" in parts:
            bench_mlp(16, noisy=False)
        if "softmax" in parts:
            bench_softmax()


if __name__ == "__main__":
    main()
