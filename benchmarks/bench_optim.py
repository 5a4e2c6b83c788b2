"""Maximum likelihood by natural gradient vs plain gradient descent, BFGS and pymanopt.

For Gamma(shape 0.5, rate 2), Beta(0.5, 3) and Dirichlet(0.3, 1, 5), n = 1000 seeded
samples, every solver starts from θ₀ = (1, …, 1) and is stopped from outside, by the same
test, the first time the Euclidean gradient of the mean negative log-likelihood satisfies
‖∇L‖∞ ≤ 1e-8:

* infogeo natural gradient (``ig.NaturalGradientDescent``, default options: Fisher
  scoring, step 1 with Armijo backtracking, box retraction);
* infogeo plain gradient descent with the same Armijo rule (``ig.minimize`` on the
  Euclidean metric; steps leaving the domain are halved);
* scipy BFGS (``scipy.optimize.minimize(method="BFGS")``, ``fun = +inf`` outside the
  domain);
* pymanopt 2.2.1 ``SteepestDescent`` (its adaptive backtracking) on a pymanopt manifold
  carrying the same Fisher metric and the same retraction.

The reference optimum is Newton's method on the autograd Hessian of L, iterated to
‖∇L‖∞ < 1e-13 (independent of infogeo's Fisher matrices). Reported: iterations,
function and gradient evaluations, median wall time over repeats, and the relative
error ‖θ − θ*‖∞ / ‖θ*‖∞.
"""

from __future__ import annotations

import time

import autograd
import numpy as np
import scipy.optimize

import infogeo as ig

N = 1000
SEED = 20261125
TOL = 1e-8
REPEATS = 5
GD_MAX_ITER = 20_000
#: pymanopt converges in about 20 iterations when it does; where its line search stalls
#: at the rounding level of the cost (Beta, numpy 2.3 / scipy 1.17) it would run on
PYMANOPT_MAX_ITER = 10_000


class Converged(Exception):
    """Raised inside a peer's gradient call once the stopping test holds."""

    def __init__(self, x):
        super().__init__("converged")
        self.x = np.array(x, dtype=float)


def problems():
    from infogeo.statistics import Beta, Dirichlet, Gamma

    return [
        ("Gamma(0.5, 2)", Gamma(), np.array([0.5, 2.0])),
        ("Beta(0.5, 3)", Beta(), np.array([0.5, 3.0])),
        ("Dirichlet(0.3, 1, 5)", Dirichlet(3), np.array([0.3, 1.0, 5.0])),
    ]


def reference_optimum(family, data, theta_true):
    """Newton's method with the autograd Hessian of L (step halved to stay in the domain)."""
    fun = lambda t: family.nll(t, data)  # noqa: E731
    grad, hess = autograd.grad(fun), autograd.hessian(fun)
    x = np.array(theta_true, dtype=float)
    for _ in range(100):
        g = grad(x)
        if np.max(np.abs(g)) < 1e-13:
            return x
        step = np.linalg.solve(hess(x), g)
        t = 1.0
        while not family.belongs(x - t * step) or fun(x - t * step) > fun(x) + 1e-15:
            t *= 0.5
        x = x - t * step
    raise RuntimeError("reference Newton iteration did not converge")


class Counted:
    """fun and grad with evaluation counters."""

    def __init__(self, family, data):
        self.family, self.data = family, data
        self.nfev = self.njev = 0

    def fun(self, x):
        self.nfev += 1
        return self.family.nll(x, self.data)

    def grad(self, x):
        self.njev += 1
        return self.family.nll_grad(x, self.data)


def _stop_when_small(r):
    return bool(np.max(np.abs(r.jac)) <= TOL)


def run_natural(family, data, x0):
    res = ig.NaturalGradientDescent(
        family, data, gtol=1e-300, max_iter=1000, callback=_stop_when_small
    ).minimize(x0=x0)
    return res.x, res.nit, res.nfev, res.njev


class _EuclideanOnDomain(ig.Euclidean):
    """The Euclidean metric on the family's parameter domain: plain gradient descent."""

    def __init__(self, family):
        super().__init__(family.dim)
        self.family = family

    def belongs(self, p):
        return self.family.belongs(p)

    def check_point(self, p, name="p"):
        return self.family.check_point(p, name)


def run_plain(family, data, x0):
    res = ig.minimize(
        lambda t: family.nll(t, data),
        x0,
        _EuclideanOnDomain(family),
        grad=lambda t: family.nll_grad(t, data),
        gtol=1e-300,
        max_iter=GD_MAX_ITER,
        callback=_stop_when_small,
    )
    return res.x, res.nit, res.nfev, res.njev


def run_bfgs(family, data, x0):
    c = Counted(family, data)

    def fun(x):
        return c.fun(x) if family.belongs(x) else np.inf

    def grad(x):
        return c.grad(x) if family.belongs(x) else np.full(family.dim, np.nan)

    def callback(intermediate_result):
        if np.max(np.abs(family.nll_grad(intermediate_result.x, data))) <= TOL:
            raise StopIteration

    with np.errstate(invalid="ignore"):
        res = scipy.optimize.minimize(
            fun,
            x0,
            jac=grad,
            method="BFGS",
            callback=callback,
            options={"gtol": 1e-300, "maxiter": 10_000},
        )
    return res.x, res.nit, c.nfev, c.njev


def pymanopt_fisher_manifold(family):
    """A pymanopt manifold with infogeo's Fisher metric and retraction."""
    from pymanopt.manifolds.manifold import Manifold

    class FisherManifold(Manifold):
        def __init__(self):
            super().__init__(f"Fisher metric of {family!r}", family.dim)

        @property
        def typical_dist(self):
            return 1.0

        def inner_product(self, point, a, b):
            return float(a @ family.fisher(point) @ b)

        def norm(self, point, v):
            return float(np.sqrt(self.inner_product(point, v, v)))

        def projection(self, point, v):
            return v

        to_tangent_space = projection

        def euclidean_to_riemannian_gradient(self, point, egrad):
            return np.linalg.solve(family.fisher(point), egrad)

        def retraction(self, point, v):
            return family.retract(point, v)

        exp = retraction

        def random_point(self):
            return family.random_point()

        def random_tangent_vector(self, point):
            v = np.random.default_rng().standard_normal(family.dim)
            return v / self.norm(point, v)

        def zero_vector(self, point):
            return np.zeros(family.dim)

    return FisherManifold()


def run_pymanopt(family, data, x0):
    import pymanopt

    manifold = pymanopt_fisher_manifold(family)
    c = Counted(family, data)

    @pymanopt.function.numpy(manifold)
    def cost(x):
        return c.fun(x)

    @pymanopt.function.numpy(manifold)
    def egrad(x):
        g = c.grad(x)
        if np.max(np.abs(g)) <= TOL:
            raise Converged(x)
        return g

    problem = pymanopt.Problem(manifold, cost, euclidean_gradient=egrad)
    solver = pymanopt.optimizers.SteepestDescent(
        max_iterations=PYMANOPT_MAX_ITER, min_gradient_norm=0.0, min_step_size=0.0, verbosity=0
    )
    try:
        res = solver.run(problem, initial_point=x0)
        x = res.point  # stopped by pymanopt itself: not converged by our test
    except Converged as done:
        x = done.x
    return x, c.njev - 1, c.nfev, c.njev


SOLVERS = [
    ("natural gradient (infogeo)", run_natural, REPEATS),
    ("plain GD + Armijo (infogeo)", run_plain, 1),
    ("BFGS (scipy)", run_bfgs, REPEATS),
    ("SteepestDescent, Fisher metric (pymanopt)", run_pymanopt, REPEATS),
]


def main() -> None:
    print(f"MLE from n = {N} samples (seed {SEED}), start θ₀ = 1, stop at ‖∇L‖∞ <= {TOL:g}")
    print(f"median wall time over {REPEATS} runs (plain GD: 1 run, at most {GD_MAX_ITER} iter.)")
    header = f"{'problem / solver':<44}{'iter':>8}{'nfev':>8}{'njev':>8}{'time [ms]':>11}"
    header += f"{'× NG time':>10}{'rel. error':>12}{'‖∇L‖∞':>10}"
    for name, family, theta in problems():
        data = family.sample(theta, size=N, rng=SEED)
        x0 = np.ones(family.dim)
        ref = reference_optimum(family, data, theta)
        print(f"\n{name}: θ* = {np.array2string(ref, precision=6)}")
        print(header)
        rows = {}
        for label, run, repeats in SOLVERS:
            start = time.perf_counter()
            x, nit, nfev, njev = run(family, data, x0)
            times = [time.perf_counter() - start]
            gmax = np.max(np.abs(family.nll_grad(x, data)))
            converged = bool(gmax <= TOL)
            for _ in range(repeats - 1 if converged else 0):  # a failed run is not timed again
                start = time.perf_counter()
                run(family, data, x0)
                times.append(time.perf_counter() - start)
            wall = float(np.median(times))
            err = np.max(np.abs(x - ref)) / np.max(np.abs(ref))
            rows[label] = (nit, wall, converged)
            base = rows[SOLVERS[0][0]][1]
            # a solver that did not meet the test gets no ratio: its time is not comparable
            ratio = f"{wall / base:>10.1f}" if converged else f"{'failed':>10}"
            flag = "" if converged else "  (not converged: stopped by the solver itself)"
            print(
                f"  {label:<42}{nit:>8}{nfev:>8}{njev:>8}{1e3 * wall:>11.2f}"
                f"{ratio}{err:>12.1e}{gmax:>10.1e}{flag}"
            )
        print("  -> " + "; ".join(_summary(rows)))


def _summary(rows) -> list[str]:
    """Ratios against natural gradient, only between runs that both converged."""
    ng_it, ng_t, ng_ok = rows[SOLVERS[0][0]]
    out = []
    for label, what, index in [
        (SOLVERS[1][0], "plain GD / natural gradient iterations", 0),
        (SOLVERS[3][0], "pymanopt / natural gradient wall time", 1),
    ]:
        value, ok = rows[label][index], rows[label][2] and ng_ok
        base = ng_it if index == 0 else ng_t
        out.append(f"{what}: {value / base:.1f}x" if ok else f"{what}: failed (not converged)")
    return out


if __name__ == "__main__":
    main()
