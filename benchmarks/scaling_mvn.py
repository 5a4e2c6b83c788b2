"""MultivariateNormal(d) Fisher–Rao distance: time per pair and peak memory against d.

Three kinds of pairs at d = 2, 3, 5, 7, 10, 15, 20:

* equal means: reference ``√(½ Σ log² λ)`` from ``scipy.linalg.eigh(Σ₂, Σ₁)``
  (a generalized symmetric eigensolver, independent of infogeo's Cholesky whitening);
  peer: geomstats ``CenteredNormalDistributions`` (Fisher metric = ½ affine-invariant
  SPD metric) in the same process;
* equal covariances: reference ``ig.Normal().dist`` between ``N(0, 1)`` and
  ``N(m, 1)``, ``m`` the Mahalanobis distance;
* general pairs: no closed form; reference the Gauss–Legendre length (30 nodes,
  fourth-order differences) of the returned geodesic evaluated in closed form, and the
  certified bracket [Calvo–Oller, min(√Jeffreys, two-leg paths)].

* far pairs (general, means 10³–10⁴ standard deviations apart, covariance spread up
  to 10⁴, distances 20–35): same references.

The previous generic solver (collocation / shooting on the dense Christoffel symbols,
``RiemannianManifold.log``) is timed on the general pairs at d ≤ 5 only (at d = 10 it
needs minutes and 9 GiB).

geomstats has no Fisher–Rao distance for general multivariate normals: its
``GeneralNormalDistributions`` carries the product metric Euclidean × SPD, not the
Fisher metric, so it is not a peer for the general case.
Peer column: geomstats for equal means, the previous generic solver for general
pairs at d ≤ 5. Peak memory by ``tracemalloc`` (numpy allocations included). Times are wall-clock on
whatever machine runs this; compare ratios within one run.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import scipy.linalg

import infogeo as ig

DIMS = (2, 3, 5, 7, 10, 15, 20)
KINDS = ("equal means", "equal covariances", "general", "far")
PAIRS = 3


def _pairs(d, kind, rng):
    out = []
    for _ in range(PAIRS):
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        A = rng.standard_normal((d, d))
        S1 = A @ A.T / d + 0.5 * np.eye(d)
        L = np.linalg.cholesky(S1)
        S2 = L @ ((Q * np.exp(rng.uniform(-1.5, 1.5, d))) @ Q.T) @ L.T
        m1 = rng.standard_normal(d)
        m2 = m1 + 2.0 * L @ rng.standard_normal(d)
        if kind == "far":
            S2 = L @ ((Q * np.exp(rng.uniform(-4.6, 4.6, d))) @ Q.T) @ L.T
            m2 = m1 + 10 ** rng.uniform(3, 4) * L @ rng.standard_normal(d) / np.sqrt(d)
        if kind == "equal means":
            m2 = m1
        elif kind == "equal covariances":
            S2 = S1
        out.append(((m1, S1), (m2, S2)))
    return out


def _reference(M, kind, p, q, pair, dist):
    (m1, S1), (m2, S2) = pair
    if kind == "equal means":
        lam = scipy.linalg.eigh(S2, S1, eigvals_only=True)
        return abs(dist - np.sqrt(0.5 * np.sum(np.log(lam) ** 2))) / dist
    if kind == "equal covariances":
        maha = np.sqrt((m2 - m1) @ np.linalg.solve(S1, m2 - m1))
        ref = float(ig.Normal().dist([0.0, 1.0], [maha, 1.0]))
        return abs(dist - ref) / ref
    g = M.geodesic(p, q)

    def gamma(t):  # closed-form exp(p, t v), also a little outside [0, 1]
        return M.geodesic_points(g.start, g.velocity, t)

    nodes, w = np.polynomial.legendre.leggauss(30)
    t = 0.25 + 0.25 * nodes  # two halves keep the stencil inside [0, 1]
    h = 1e-3 / max(1.0, dist / 4.0)  # the stencil's error grows like (d·h)⁴
    length = 0.0
    for shift in (0.0, 0.5):
        tt = t + shift
        vel = -gamma(tt + 2 * h) + 8 * gamma(tt + h) - 8 * gamma(tt - h) + gamma(tt - 2 * h)
        vel /= 12 * h
        length += 0.25 * np.sum(w * M.norm(gamma(tt), vel))
    return abs(dist - length) / dist


def _geomstats_centered(d):
    try:
        from geomstats.information_geometry.normal import CenteredNormalDistributions
    except Exception:  # optional peer
        return None
    space = CenteredNormalDistributions(sample_dim=d)
    return lambda S1, S2: float(space.metric.dist(S1, S2))


def main(kinds=KINDS) -> None:
    rng = np.random.default_rng(0)
    print(
        f"{'kind':<18}{'d':>3}{'ms/pair':>10}{'max ms':>9}{'peak MiB':>10}"
        f"{'max rel err':>13}{'in bracket':>12}{'peer ms':>10}{'peer rel diff':>15}"
    )
    for kind in kinds:
        for d in DIMS:
            M = ig.MultivariateNormal(d)
            pairs = _pairs(d, kind, rng)
            times, errs, inside = [], [], []
            for pair in pairs:  # time: best of 3 calls, no tracing
                p, q = M.pack(*pair[0]), M.pack(*pair[1])
                best = np.inf
                for _ in range(3):
                    t0 = time.perf_counter()
                    M.dist(p, q)
                    best = min(best, time.perf_counter() - t0)
                times.append(best)
            tracemalloc.start()  # memory: one traced pass, which also gives the bracket
            for pair in pairs:
                p, q = M.pack(*pair[0]), M.pack(*pair[1])
                dist, br = M.dist(p, q, bounds=True)
                dist = float(dist)
                inside.append(bool(br.lower * (1 - 1e-12) <= dist <= br.upper * (1 + 1e-12)))
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            for pair in pairs:
                p, q = M.pack(*pair[0]), M.pack(*pair[1])
                errs.append(_reference(M, kind, p, q, pair, float(M.dist(p, q))))
            gs_ms = gs_diff = "—"
            gs = _geomstats_centered(d) if kind == "equal means" else None
            if kind == "general" and d <= 5:  # the previous generic solver, as a peer
                from infogeo.geometry.manifold import RiemannianManifold

                t0 = time.perf_counter()
                vals = []
                for pair in pairs:
                    p, q = M.pack(*pair[0]), M.pack(*pair[1])
                    vals.append(float(M.norm(p, RiemannianManifold.log(M, p, q))))
                gs_ms = f"{1e3 * (time.perf_counter() - t0) / len(pairs):.1f}"
                ours = [float(M.dist(M.pack(*a), M.pack(*b))) for a, b in pairs]
                gs_diff = f"{max(abs(a - b) / a for a, b in zip(ours, vals)):.1e}"
            if gs is not None:
                vals, best = [], []
                for pair in pairs:
                    ts = []
                    for _ in range(3):
                        t0 = time.perf_counter()
                        val = gs(pair[0][1], pair[1][1])
                        ts.append(time.perf_counter() - t0)
                    vals.append(val)
                    best.append(min(ts))
                gs_ms = f"{1e3 * np.mean(best):.2f}"
                ours = [float(M.dist(M.pack(*a), M.pack(*b))) for a, b in pairs]
                gs_diff = f"{max(abs(a - b) / a for a, b in zip(ours, vals)):.1e}"
            print(
                f"{kind:<18}{d:>3}{1e3 * np.mean(times):>10.2f}{1e3 * np.max(times):>9.2f}"
                f"{peak:>10.2f}{max(errs):>13.1e}{f'{sum(inside)}/{len(inside)}':>12}"
                f"{gs_ms:>10}{gs_diff:>15}",
                flush=True,
            )


if __name__ == "__main__":
    main()
