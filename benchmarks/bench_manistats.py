"""Statistics on manifolds: Fréchet means against geomstats, distance matrices.

1. Fréchet mean on the sphere S² (60 points in a cap) and on SPD(3) (affine-invariant
   metric, 30 random matrices): geomstats' ``FrechetMean`` (default settings, and with its
   tolerance tightened to 1e-12 and 1000 iterations) against ``ig.frechet_mean`` on
   ``ig.from_geomstats`` of the same space (so both use geomstats' exp/log; the
   difference is the iteration). Accuracy: the norm of the Riemannian gradient
   ``‖(1/n) Σ log_x pᵢ‖`` at each result, recomputed independently (atan2 log on the
   sphere; ``X^{½} logm(X^{-½} P X^{-½}) X^{½}`` by eigendecompositions on SPD).
2. Distance matrix of 1000 Gamma distributions (499,500 pairs): ``ig.pairwise_dist``
   (Clairaut quadrature route) in one process and with ``n_jobs=2``; per-pair time of the
   generic boundary-value ``Gamma.dist`` (on 200 pairs) and geomstats'
   ``GammaDistributions`` metric (on 10 pairs), extrapolated; agreement of the two
   infogeo routes on the 200 pairs. Also 1000 Normal distributions (closed form).

Run: ``.venv/bin/python benchmarks/run.py manistats``.
"""

from __future__ import annotations

import os
import time

import numpy as np

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")


def _sphere_grad(x, P):
    c = P @ x
    perp = P - c[:, None] * x
    s = np.linalg.norm(perp, axis=1)
    theta = np.arctan2(s, c)
    return np.linalg.norm((perp * (theta / np.where(s > 0, s, 1.0))[:, None]).mean(axis=0))


def _spd_fn(S, fn):
    w, V = np.linalg.eigh(S)
    return (V * fn(w)[..., None, :]) @ np.swapaxes(V, -1, -2)


def _spd_grad(X, P):
    """‖(1/n) Σ log_X Pᵢ‖_X = ‖(1/n) Σ logm(X^{-½} Pᵢ X^{-½})‖_F."""
    isq = _spd_fn(X, lambda w: 1 / np.sqrt(w))
    L = _spd_fn(isq @ P @ isq, np.log)
    return np.linalg.norm(L.mean(axis=0))


def _timed(fn, repeats=3):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def frechet_rows():
    import geomstats.backend as gs  # noqa: F401
    from geomstats.geometry.hypersphere import Hypersphere
    from geomstats.geometry.spd_matrices import SPDMatrices
    from geomstats.learning.frechet_mean import FrechetMean

    import infogeo as ig

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * 0.6 + [0.0, 0.0, 1.0]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    A = rng.normal(size=(30, 3, 3))
    S = A @ np.swapaxes(A, 1, 2) + 0.5 * np.eye(3)
    cases = [
        ("sphere S², 60 points", Hypersphere(2), X, X, _sphere_grad, lambda x: x),
        (
            "SPD(3), 30 matrices",
            SPDMatrices(3),
            S,
            S.reshape(30, 9),
            _spd_grad,
            lambda x: x.reshape(3, 3),
        ),
    ]
    print(f"{'space':24s} {'method':34s} {'time':>9s} {'‖grad‖':>9s}")
    for name, space, pts_gs, pts_ig, grad, shape in cases:
        fm = FrechetMean(space)
        t, est = _timed(lambda fm=fm, pts=pts_gs: fm.fit(pts).estimate_)
        print(
            f"{name:24s} {'geomstats FrechetMean (default)':34s} {t:9.4f} {grad(est, pts_gs):9.1e}"
        )
        tight = FrechetMean(space)
        tight.set(max_iter=1000, epsilon=1e-12)
        t, est = _timed(lambda fm=tight, pts=pts_gs: fm.fit(pts).estimate_)
        print(
            f"{name:24s} {'geomstats (epsilon 1e-12, 1000 it)':34s} {t:9.4f} "
            f"{grad(est, pts_gs):9.1e}"
        )
        M = ig.from_geomstats(space)
        t, res = _timed(lambda M=M, pts=pts_ig: ig.frechet_mean(M, pts))
        print(
            f"{name:24s} {'ig.frechet_mean':34s} {t:9.4f} {grad(shape(res.x), pts_gs):9.1e}"
            f"  ({res.nit} iterations)"
        )


def distance_rows():
    import infogeo as ig

    rng = np.random.default_rng(1)
    n = 1000
    P = np.column_stack(
        [
            np.exp(rng.uniform(np.log(0.5), np.log(20), n)),
            np.exp(rng.uniform(np.log(0.2), np.log(5), n)),
        ]
    )
    G = ig.Gamma()
    pairs = n * (n - 1) // 2
    t1, d1 = _timed(lambda: ig.pairwise_dist(G, P, condensed=True), repeats=1)
    print(
        f"Gamma, {n} distributions ({pairs} pairs), 1 process : {t1:7.1f} s "
        f"({t1 / pairs * 1e6:.1f} µs/pair)"
    )
    t2, d2 = _timed(lambda: ig.pairwise_dist(G, P, condensed=True, n_jobs=2), repeats=1)
    print(f"Gamma, {n} distributions, n_jobs=2              : {t2:7.1f} s")
    assert np.array_equal(d1, d2)
    i, j = np.triu_indices(n, 1)
    sub = rng.choice(pairs, 200, replace=False)

    # the generic route: the base class's boundary-value solver for log (Gamma.dist and
    # Gamma.log themselves go through Clairaut's relation, as pairwise_dist does)
    def generic(p, q):
        return G.norm(p, ig.RiemannianManifold.log(G, p, q))

    tg, dg = _timed(lambda: generic(P[i[sub]], P[j[sub]]), repeats=1)
    err = np.max(np.abs(d1[sub] / dg - 1))
    print(
        f"generic Gamma.dist (boundary-value solver)      : {tg / 200 * 1e6:7.1f} µs/pair "
        f"-> {tg / 200 * pairs:7.0f} s for all pairs; max rel. difference {err:.1e}"
    )
    try:
        from geomstats.information_geometry.gamma import GammaDistributions

        space = GammaDistributions()
        k = 10
        tgs, _ = _timed(lambda: [space.metric.dist(P[i[s]], P[j[s]]) for s in sub[:k]], 1)
        print(
            f"geomstats GammaDistributions dist               : {tgs / k * 1e6:7.0f} µs/pair "
            f"-> {tgs / k * pairs / 3600:7.1f} h for all pairs"
        )
    except Exception as exc:  # pragma: no cover - reported, not fatal
        print(f"geomstats GammaDistributions dist failed: {exc}")
    N = ig.Normal()
    Q = np.column_stack([rng.normal(size=n), np.exp(rng.normal(size=n))])
    tn, _ = _timed(lambda: ig.pairwise_dist(N, Q, condensed=True))
    print(f"Normal, {n} distributions (closed form)         : {tn:7.2f} s")


def main() -> None:
    print("Fréchet means (infogeo through ig.from_geomstats: same exp/log as geomstats)")
    frechet_rows()
    print("\nDistance matrices")
    distance_rows()


if __name__ == "__main__":
    main()
