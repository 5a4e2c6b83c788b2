"""Statistical manifolds against geomstats 2.8.0 (same process, same inputs).

1. Fisher–Rao distance for Beta, Gamma and Dirichlet(3) on fixed seeded pairs
   (parameters uniform on [1, 4]): time per pair (pairs one at a time) and for a batch
   of 100 pairs (infogeo: one vectorized solve), with the relative error of each
   library against a tight reference: infogeo's Newton-shooting log (not the
   collocation solver that ``dist`` uses) at ``log_tol = 1e-12`` and DOP853
   ``rtol = atol = 1e-13``, its distance measured as the Fisher length of the
   resulting geodesic (40-point Gauss–Legendre along an independent DOP853
   integration driven by autograd Christoffel symbols) after checking it ends at q.
   geomstats solves pairs one after another, so its batch time is measured on
   ``GS_BATCH`` of the 100 pairs and scaled (``--full`` runs all 100).
2. ``exp`` for Beta and Gamma against a DOP853 ``rtol = atol = 1e-13`` integration of
   the geodesic equation with autograd Christoffel symbols (independent of the
   closed-form connection).
3. The Fisher metric of a family given only by its log-density
   (``ig.ParametricFamily``) against geomstats' ``FisherRaoMetric`` (scipy
   ``quad_vec`` of ∂p∂pᵀ/p): Gamma on (0, ∞) in geomstats' (κ, γ = κ/rate)
   coordinates and the Normal on (−∞, ∞), accuracy against the closed forms (each
   matrix relative to its largest entry). Two rows each: one point at a time (mean
   of 3 points taken in turn, each timed once) and the time per point for a batch of 100
   seeded points (infogeo: one call; geomstats loops over the points, measured on
   ``GS_BATCH`` of them unless ``--full``).
4. Closed-form Fisher metric and distance on 100,000 Normal points.
5. The Fisher metric of vector-valued families given only by their log-density
   (``("simplex", k)`` and ``("vector", d)`` supports, deterministic cubature): time
   and error against the closed forms of ``ig.Dirichlet`` / ``ig.MultivariateNormal``,
   beside Monte Carlo (``("sampled", 10⁵)``) on the same log-density. No peer: geomstats'
   ``FisherRaoMetric`` integrates over an interval only.

Run: ``python benchmarks/run.py statistics`` (``--full`` for the full geomstats batch).
"""

from __future__ import annotations

import os
import sys
import time
import warnings

os.environ.setdefault("GEOMSTATS_BACKEND", "autograd")  # FisherRaoMetric differentiates

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import gammaln
from scipy.special import polygamma

import infogeo as ig
from infogeo.geometry.geodesic_equation import integrate_geodesic
from infogeo.geometry.manifold import RiemannianManifold
from infogeo.geometry.shooting import solve_log

GS_BATCH = 10
N_PAIRS = 100
N_SINGLE = 3


class _Autograd(RiemannianManifold):
    """The family's metric with nothing else: Christoffel symbols by autograd."""

    def __init__(self, family):
        super().__init__(family.dim, family.bounds)
        self.family = family

    def metric(self, p):
        return self.family._metric(p)


def timed(f, *args, repeat=1):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f(*args)
        best = min(best, time.perf_counter() - t0)
    return out, best


# ---------------------------------------------------------------- coordinates
def gamma_to_gs(theta):  # (shape, rate) -> geomstats (kappa, gamma = shape / rate)
    return np.stack([theta[..., 0], theta[..., 0] / theta[..., 1]], -1)


def gamma_from_gs(point):
    return np.stack([point[..., 0], point[..., 0] / point[..., 1]], -1)


def gamma_vec_to_gs(theta, v):
    a, b = theta[..., 0], theta[..., 1]
    return np.stack([v[..., 0], v[..., 0] / b - a * v[..., 1] / b**2], -1)


# ---------------------------------------------------------------- references
def reference_dist(family, p, q):
    """Tight solve, then the Fisher length of the geodesic by independent quadrature."""
    family.log_tol, family.ode_rtol, family.ode_atol = 1e-12, 1e-13, 1e-13
    try:
        # Newton shooting, not the collocation solver that family.dist uses
        v = solve_log(family, p, q, collocation=False)
    finally:
        del family.log_tol, family.ode_rtol, family.ode_atol
    ref = _Autograd(family)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    t = np.concatenate([0.5 * (nodes + 1), [1.0]])
    pts, vel = integrate_geodesic(ref, p, v, t, rtol=1e-13, atol=1e-13)
    end_err = np.max(np.abs(pts[..., -1, :] - q) / np.abs(q))
    assert end_err < 1e-10, f"reference geodesic misses q by {end_err:.2e}"
    speed = np.sqrt(np.einsum("...ni,...nij,...nj->...n", vel, family.fisher(pts), vel))
    return 0.5 * np.sum(weights * speed[..., :-1], axis=-1)


def bench_distances(full: bool) -> list[tuple]:
    from geomstats.information_geometry.beta import BetaDistributions
    from geomstats.information_geometry.dirichlet import DirichletDistributions
    from geomstats.information_geometry.gamma import GammaDistributions

    cases = [
        ("Beta", ig.Beta(), BetaDistributions(), lambda x: x),
        ("Gamma", ig.Gamma(), GammaDistributions(), gamma_to_gs),
        ("Dirichlet(3)", ig.Dirichlet(3), DirichletDistributions(3), lambda x: x),
    ]
    rows = []
    for name, fam, gs_space, to_gs in cases:
        rng = np.random.default_rng(2026)
        P = rng.uniform(1.0, 4.0, (N_PAIRS, fam.dim))
        Q = rng.uniform(1.0, 4.0, (N_PAIRS, fam.dim))
        ref = reference_dist(fam, P, Q)
        # one pair at a time
        t_ig = t_gs = 0.0
        err_ig1 = err_gs1 = 0.0
        for i in range(N_SINGLE):
            d, dt = timed(fam.dist, P[i], Q[i])
            t_ig += dt / N_SINGLE
            err_ig1 = max(err_ig1, abs(d / ref[i] - 1))
            d, dt = timed(gs_space.metric.dist, to_gs(P[i]), to_gs(Q[i]))
            t_gs += dt / N_SINGLE
            err_gs1 = max(err_gs1, abs(float(d) / ref[i] - 1))
        # batch
        d_ig, tb_ig = timed(fam.dist, P, Q)
        m = N_PAIRS if full else GS_BATCH
        d_gs, tb_gs = timed(gs_space.metric.dist, to_gs(P[:m]), to_gs(Q[:m]))
        tb_gs *= N_PAIRS / m
        err_ig = float(np.max(np.abs(d_ig / ref - 1)))
        err_gs = float(np.max(np.abs(np.asarray(d_gs) / ref[:m] - 1)))
        rows.append((name, "1 pair", t_gs, t_ig, max(err_gs1, 0), err_ig1))
        rows.append((name, f"{N_PAIRS} pairs", tb_gs, tb_ig, err_gs, err_ig))
    return rows


def bench_exp() -> list[tuple]:
    from geomstats.information_geometry.beta import BetaDistributions
    from geomstats.information_geometry.gamma import GammaDistributions

    rows = []
    rng = np.random.default_rng(7)
    for name, fam, gs_space in (
        ("Beta", ig.Beta(), BetaDistributions()),
        ("Gamma", ig.Gamma(), GammaDistributions()),
    ):
        P = rng.uniform(1.0, 4.0, (5, 2))
        V = 0.5 * rng.standard_normal((5, 2))
        V *= 1.0 / fam.norm(P, V)[:, None]  # unit Fisher speed
        ref = integrate_geodesic(_Autograd(fam), P, V, np.array([1.0]), rtol=1e-13, atol=1e-13)
        ref = ref[0][:, 0]
        out, t_ig = timed(fam.exp, P, V)
        err_ig = float(np.max(np.abs(out - ref) / np.abs(ref)))
        if name == "Gamma":
            gs_out, t_gs = timed(gs_space.metric.exp, gamma_vec_to_gs(P, V), gamma_to_gs(P))
            gs_out = gamma_from_gs(np.asarray(gs_out))
        else:
            gs_out, t_gs = timed(gs_space.metric.exp, V, P)
        err_gs = float(np.max(np.abs(np.asarray(gs_out) - ref) / np.abs(ref)))
        rows.append((name, "exp, 5 points", t_gs, t_ig, err_gs, err_ig))
    return rows


def bench_fisher_from_log_density(full: bool) -> list[tuple]:
    import geomstats.backend as gs
    from geomstats.information_geometry.fisher_rao_metric import FisherRaoMetric
    from geomstats.information_geometry.gamma import GammaDistributions
    from geomstats.information_geometry.normal import NormalDistributions

    rows = []
    rng = np.random.default_rng(11)

    # Gamma in geomstats' (kappa, gamma) coordinates, support (0, ∞)
    def gamma_log_prob(x, t):
        k, g = t[0], t[1]
        return k * anp.log(k / g) - gammaln(k) + (k - 1) * anp.log(x) - k * x / g

    def gamma_closed(p):
        k, g = p[..., 0], p[..., 1]
        out = np.zeros((*p.shape[:-1], 2, 2))
        out[..., 0, 0] = polygamma(1, k) - 1 / k
        out[..., 1, 1] = k / g**2
        return out

    pts = np.array([[1.5, 2.0], [3.0, 0.7], [0.8, 5.0]])
    batch = np.stack([rng.uniform(0.5, 4.0, N_PAIRS), rng.uniform(0.5, 5.0, N_PAIRS)], -1)
    fam = ig.ParametricFamily(gamma_log_prob, 2, "positive", bounds=[(0, None), (0, None)])
    frm = FisherRaoMetric(GammaDistributions(equip=False), support=(0, np.inf))
    rows += _fisher_rows("Gamma (0, ∞)", fam, frm, pts, batch, gamma_closed, gs, full)

    # Normal on (−∞, ∞), coordinates (mean, std)
    def normal_log_prob(x, t):
        return -0.5 * np.log(2 * np.pi) - anp.log(t[1]) - 0.5 * ((x - t[0]) / t[1]) ** 2

    pts = np.array([[0.5, 1.3], [-2.0, 0.4], [3.0, 2.0]])
    batch = np.stack([rng.uniform(-3.0, 3.0, N_PAIRS), rng.uniform(0.3, 3.0, N_PAIRS)], -1)
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])
    frm = FisherRaoMetric(NormalDistributions(1, equip=False), support=(-np.inf, np.inf))
    rows += _fisher_rows("Normal (−∞, ∞)", fam, frm, pts, batch, ig.Normal().fisher, gs, full)
    return rows


def _rel_errs(F, ref):
    """Relative error of each matrix against its own largest entry."""
    return np.max(np.abs(F - ref), axis=(-2, -1)) / np.max(np.abs(ref), axis=(-2, -1))


def _gs_metric(frm, x, gs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return timed(frm.metric_matrix, gs.array(x))


def _fisher_rows(name, fam, frm, pts, batch, closed, gs, full):
    """Single points (each timed alone, averaged) and a batch of ``N_PAIRS`` points
    (infogeo: one call; geomstats loops, on ``GS_BATCH`` of them unless ``full``)."""
    t_ig = t_gs = 0.0
    err_ig = err_gs = 0.0
    nan_gs = False
    fam.fisher(pts[0])  # layout probe and warm start
    for x in pts:
        F, dt = timed(fam.fisher, x)
        t_ig += dt / len(pts)
        err_ig = max(err_ig, float(_rel_errs(F, closed(x))))
        Fg, dt = _gs_metric(frm, x, gs)
        t_gs += dt / len(pts)
        Fg = np.asarray(Fg, dtype=float)
        if not np.all(np.isfinite(Fg)):
            nan_gs = True
        else:
            err_gs = max(err_gs, float(_rel_errs(Fg, closed(x))))
    rows = [(name, "metric, 1 point", t_gs, t_ig, np.nan if nan_gs else err_gs, err_ig)]
    # batch: per-point times
    F, tb_ig = timed(fam.fisher, batch)
    eb_ig = float(np.max(_rel_errs(F, closed(batch))))
    m = N_PAIRS if full else GS_BATCH
    tb_gs, eb_gs, nan_gs = 0.0, 0.0, False
    for x in batch[:m]:
        Fg, dt = _gs_metric(frm, x, gs)
        tb_gs += dt
        Fg = np.asarray(Fg, dtype=float)
        if not np.all(np.isfinite(Fg)):
            nan_gs = True
        else:
            eb_gs = max(eb_gs, float(_rel_errs(Fg, closed(x))))
    rows.append(
        (
            name,
            f"metric/pt, {N_PAIRS} pts",
            tb_gs / m,
            tb_ig / N_PAIRS,
            np.nan if nan_gs else eb_gs,
            eb_ig,
        )
    )
    return rows


def bench_normal_closed_form() -> list[tuple]:
    from geomstats.information_geometry.normal import NormalDistributions

    n = 100_000
    rng = np.random.default_rng(3)
    P = np.stack([rng.normal(0, 2, n), rng.uniform(0.2, 3, n)], -1)
    Q = np.stack([rng.normal(0, 2, n), rng.uniform(0.2, 3, n)], -1)
    space = NormalDistributions(1)
    fam = ig.Normal()
    G, t_ig = timed(fam.fisher, P, repeat=3)
    Gg, t_gs = timed(space.metric.metric_matrix, P, repeat=3)
    err = float(
        np.max(
            np.abs(G - np.asarray(Gg)) / np.abs(np.asarray(Gg)).max(axis=(-1, -2))[:, None, None]
        )
    )
    rows = [("Normal", "metric, 1e5 points", t_gs, t_ig, 0.0, err)]
    D, t_ig = timed(fam.dist, P, Q, repeat=3)
    Dg, t_gs = timed(space.metric.dist, P, Q, repeat=3)
    # closed form √2 arccosh(1 + ((Δμ)²/2 + (Δσ)²)/(2σ₁σ₂)) in extended precision
    Pl, Ql = P.astype(np.longdouble), Q.astype(np.longdouble)
    arg = 1 + ((Pl[:, 0] - Ql[:, 0]) ** 2 / 2 + (Pl[:, 1] - Ql[:, 1]) ** 2) / (
        2 * Pl[:, 1] * Ql[:, 1]
    )
    ref = np.sqrt(np.longdouble(2)) * np.arccosh(arg)
    err_ig = float(np.max(np.abs(D - ref) / ref))
    err_gs = float(np.max(np.abs(np.asarray(Dg) - ref) / ref))
    rows.append(("Normal", "dist, 1e5 pairs", t_gs, t_ig, err_gs, err_ig))
    return rows


def bench_vector_log_densities() -> None:
    """Section 5: its own table (no peer to take a ratio against)."""
    from autograd.scipy.special import gammaln as agammaln

    def dirichlet(x, a):
        return (
            agammaln(anp.sum(a, -1))
            - anp.sum(agammaln(a), -1)
            + anp.sum((a - 1.0) * anp.log(x), -1)
        )

    def mvn(d):
        rows, cols = np.tril_indices(d)
        basis = np.zeros((rows.size, d, d))
        basis[np.arange(rows.size), rows, cols] = 1.0
        basis[np.arange(rows.size), cols, rows] = 1.0

        def log_prob(x, t):
            S = anp.einsum("...c,cab->...ab", t[..., d:], basis) + np.zeros((x.shape[0], d, d))
            diff = x - t[..., :d]
            quad = anp.sum(diff * anp.linalg.solve(S, diff[..., None])[..., 0], -1)
            return -0.5 * (d * np.log(2 * np.pi) + anp.log(anp.linalg.det(S)) + quad)

        return log_prob

    cases = []
    for alpha in ([0.4, 0.7, 2.5], [3.0, 2.0, 5.0], [0.4, 0.7, 2.5, 3.0]):
        k = len(alpha)
        closed = ig.Dirichlet(k)
        cases.append(
            (
                f"Dirichlet{tuple(alpha)}",
                dirichlet,
                ("simplex", k),
                closed,
                np.array(alpha),
                lambda t, size, rng: rng.dirichlet(t, size),
            )
        )
    closed = ig.MultivariateNormal(2)
    theta = closed.pack([50.0, -3.0], [[1e-2, 0.95], [0.95, 1e2]])
    cases.append(
        (
            "MVN(2), rho 0.95",
            mvn(2),
            ("vector", 2),
            closed,
            theta,
            lambda t, size, rng: rng.multivariate_normal(*closed.unpack(t), size),
        )
    )
    print(
        "\nFisher metric from a vector-valued log-density (no peer; Monte Carlo for "
        "context). Errors of both forms, -E[Hessian] (the metric) and E[s s^T]: a "
        "Hessian that does not depend on x (Dirichlet) makes the first exact under any "
        "normalized weights"
    )
    print(
        f"{'family':<30} {'cubature s':>10} {'-E[H] err':>9} {'E[ss] err':>9} "
        f"{'MC 1e5 s':>9} {'-E[H] err':>9} {'E[ss] err':>9}"
    )
    for name, log_prob, support, closed, theta, sample in cases:
        expected = closed.fisher(theta)
        big = np.max(np.abs(expected))
        out = []
        for sup in (support, ("sampled", 100_000)):
            fam = ig.ParametricFamily(log_prob, closed.dim, sup, sample=sample)
            fam._violations = closed._violations
            fam.fisher(theta)  # layout probe and jet check
            fam._cubature_start = None  # cold start, as a first call
            F, t = timed(fam.fisher, theta)
            Fo = fam.fisher_outer(theta)
            out += [t, np.max(np.abs(F - expected)) / big, np.max(np.abs(Fo - expected)) / big]
        print(
            f"{name:<30} {out[0]:>10.3e} {out[1]:>9.1e} {out[2]:>9.1e} "
            f"{out[3]:>9.3e} {out[4]:>9.1e} {out[5]:>9.1e}"
        )


def print_table(rows) -> None:
    header = ("family", "task", "geomstats s", "infogeo s", "speed-up", "gs rel err", "ig rel err")
    print("{:<15} {:<18} {:>12} {:>11} {:>9} {:>11} {:>11}".format(*header))
    for name, task, t_gs, t_ig, e_gs, e_ig in rows:
        e_gs_s = "NaN" if np.isnan(e_gs) else f"{e_gs:.1e}"
        print(
            f"{name:<15} {task:<18} {t_gs:>12.3e} {t_ig:>11.3e} {t_gs / t_ig:>8.1f}x "
            f"{e_gs_s:>11} {e_ig:>11.1e}"
        )


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    full = "--full" in argv
    import geomstats.backend as gs

    print(f"geomstats backend: {gs.__name__.split('.')[-1] if hasattr(gs, '__name__') else '?'}")
    rows = []
    rows += bench_distances(full)
    rows += bench_exp()
    rows += bench_fisher_from_log_density(full)
    rows += bench_normal_closed_form()
    if not full:
        print(
            f"(geomstats' {N_PAIRS}-pair times are scaled from {GS_BATCH} pairs: it solves "
            "pairs one after another; --full runs all)"
        )
    print_table(rows)
    bench_vector_log_densities()


if __name__ == "__main__":
    main()
