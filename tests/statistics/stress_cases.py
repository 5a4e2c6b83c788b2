"""The geodesic stress harness shared by ``tests/statistics/test_stress.py`` (a few
pairs per family) and ``benchmarks/bench_stress.py`` (a few hundred).

For each family, random pairs with coordinates drawn log-uniformly over the scales
1e-6 … 1e6 and separations up to about 12 in log-coordinates (distances up to 50),
solved one pair per call with a time budget; per family it reports the fraction
solved, the fraction that failed fast (a clear error within the budget), the worst
relative error against an independent reference and the worst time per pair.

References
----------
* closed forms where they exist (the Poincaré half-plane, the Normal family whose
  numerical solver is run through the base class);
* multivariate normal: the distance of the exact float64 pair recomputed in 50-digit
  arithmetic (:func:`mvn_dist_mp`, mpmath: whitening, the Eriksen exponential by
  ``expm`` and Newton's method from the library's ``log``), plus the Calvo–Oller /
  √Jeffreys bracket;
* Gamma: Clairaut's integrals evaluated independently of the library's route
  (:func:`gamma_dist_quad`: adaptive QUADPACK in another substitution, ``ψ′(α) − 1/α``
  from its asymptotic series, Brent's root in the angle), about 1e-12;
* elsewhere the endpoint ``x₁`` of the geodesic integrated independently (DOP853 in
  the original coordinates) from the returned ``v = log_p q``: ``d(p, x₁) = ‖v‖`` on
  these Hadamard manifolds, and ``d(p, ·)`` has gradient ``u = γ̇(1)/‖γ̇(1)‖`` at
  ``x₁``, so with ``r = q − x₁`` the distance error is at most
  ``|⟨u, r⟩| + (1 + 1/d)‖r‖²`` (Hessian bound for curvatures in ``[−1, 0]``). The
  transverse miss (rounding of the initial direction amplified by ``e^{√κ d}``, also
  in the reference's own integration) only enters at second order. Reported divided by
  ``d``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import autograd.numpy as anp
import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import polygamma

import infogeo as ig
from infogeo.geometry.geodesic_equation import integrate_geodesic
from infogeo.geometry.manifold import RiemannianManifold
from infogeo.statistics.families._hyperbolic import halfplane_dist

#: log10 range of the coordinates' scales, and of the separations in log-coordinates.
SCALES = (-6.0, 6.0)
SEPARATIONS = (-3.0, np.log10(12.0))
MAX_DIST = 50.0


@dataclass
class StressCase:
    name: str
    manifold: object
    kinds: tuple  # per coordinate: "pos" (log-uniform scale) or "real" (signed)
    reference: str  # "closed" or "exp"
    closed: object = None  # closed-form distance (P, Q) -> d
    dist: object = None  # the distance under test (default manifold.dist)
    pack: object = None  # maps raw coordinates to the manifold's point (MVN)
    exp_check: object = None  # callable (p, v) -> exp_p(v) for the "exp" reference
    size: object = None  # cheap (P, Q) -> d (or a lower bound) to redraw far pairs
    location_power: float = 1.0  # locations scale like m**power (m: smallest positive)


@dataclass
class StressResult:
    name: str
    n: int
    solved: int = 0
    failed_fast: int = 0
    slow: int = 0
    worst_err: float = 0.0
    worst_time: float = 0.0
    max_dist: float = 0.0
    errors: list = field(default_factory=list)
    worst_pair: tuple = ()

    def row(self) -> tuple:
        return (
            self.name,
            self.n,
            f"{self.solved / self.n:.0%}",
            f"{(self.solved + self.failed_fast) / self.n:.0%}",
            f"{self.worst_err:.1e}",
            f"{self.worst_time:.2f}",
            f"{self.max_dist:.1f}",
        )


HEADER = (
    "family",
    "pairs",
    "solved",
    "solved or failed fast",
    "worst rel. error",
    "worst s/pair",
    "max d",
)


def _gamma_f(alpha: float) -> float:
    """``ψ′(α) − 1/α``: directly below 12, from ``αψ′(α) − 1`` (its series) above."""
    from infogeo.statistics.families.gamma import _a_trigamma_minus_one

    return float(_a_trigamma_minus_one(alpha, polygamma(1, alpha))) / alpha


def _gamma_parts(c: float, a: float, b: float) -> tuple[float, float]:
    """``(Δu, d)`` of the Clairaut integrals over ``α`` in ``[a, b]`` (``α = c² + s²``;
    ``Δu = ∫ 2c√f/√α ds``, ``d = ∫ 2√(fα) ds``), in ``t = log s`` (from the turning
    point ``s = 0``: plainly up to ``s = c``, then in ``log s``)."""
    s0, s1 = np.sqrt(max(a - c * c, 0.0)), np.sqrt(max(b - c * c, 0.0))
    opts = dict(epsabs=0.0, epsrel=1e-13, limit=400)

    def du(s):
        al = c * c + s * s
        return 2 * c * np.sqrt(_gamma_f(al) / al)

    def dd(s):
        al = c * c + s * s
        return 2 * np.sqrt(_gamma_f(al) * al)

    head = (0.0, 0.0)
    if s0 == 0.0:  # from the turning point: [0, c] plainly, the rest in log s
        cut = min(c, s1)
        head = quad(du, 0.0, cut, **opts)[0], quad(dd, 0.0, cut, **opts)[0]
        s0 = cut
    if not s1 > s0:
        return head
    t0, t1 = np.log(s0), np.log(s1)
    return (
        head[0] + quad(lambda t: du(np.exp(t)) * np.exp(t), t0, t1, **opts)[0],
        head[1] + quad(lambda t: dd(np.exp(t)) * np.exp(t), t0, t1, **opts)[0],
    )


def gamma_dist_quad(p, q) -> float:
    """Gamma Fisher–Rao distance from Clairaut's relation ``α u̇ = c`` (``u = log(α/β)``),
    an implementation independent of :mod:`infogeo.statistics.families._gamma_geodesic`:
    adaptive quadrature, Brent's method on the angle ``φ`` at the lower end
    (``c = √a sin φ``; ``φ > π/2`` turns at ``α = c²``)."""
    a1, b1, a2, b2 = float(p[0]), float(p[1]), float(q[0]), float(q[1])
    a, b = min(a1, a2), max(a1, a2)
    target = abs(np.log(a2 / a1) - np.log(b2 / b1))
    if target == 0:
        return _gamma_parts(0.0, a, b)[1]

    def shoot(phi):
        c = np.sqrt(a) * np.sin(phi)
        du, d = _gamma_parts(c, a, b)
        if phi > np.pi / 2:
            du2, d2 = _gamma_parts(c, c * c, a)
            du, d = du + 2 * du2, d + 2 * d2
        return du, d

    k = 1
    while shoot(np.pi * (1 - 0.5**k))[0] < target:
        k += 1
    phi = brentq(lambda x: shoot(x)[0] - target, 0.0, np.pi * (1 - 0.5**k), xtol=1e-16, rtol=1e-15)
    return shoot(phi)[1]


def mvn_dist_mp(M, p, q, v, dps: int = 50) -> float:
    """Fisher–Rao distance of the float64 pair ``p, q`` of ``M = MultivariateNormal(d)``
    in ``dps``-digit arithmetic: whiten by the Cholesky factor of ``Σ_p``, then Newton's
    method with a finite-difference Jacobian on the residual of the Eriksen exponential
    ``exp(A)`` (``mpmath.expm``) in coordinates whitened at the target, started from the
    float64 velocity ``v`` whitened; ``d = √(δᵀδ + ½ tr B²)``."""
    import mpmath as mp

    d = M.d
    with mp.workdps(dps):
        (mu1, S1), (mu2, S2) = M.unpack(p), M.unpack(q)
        Li = mp.inverse(mp.cholesky(mp.matrix(S1.tolist())))
        x = Li * (mp.matrix(mu2.tolist()) - mp.matrix(mu1.tolist()))
        S = Li * mp.matrix(S2.tolist()) * Li.T
        delta = Li * mp.matrix(v[:d].tolist())
        B = Li * mp.matrix(M._cov(v).tolist()) * Li.T
        rows = [(i, j) for i in range(d) for j in range(i + 1)]
        u = [delta[i] for i in range(d)] + [B[i, j] for i, j in rows]
        K = mp.cholesky(S)
        xk = mp.inverse(K) * x

        def residual(u):
            A = mp.zeros(2 * d + 1, 2 * d + 1)
            for i in range(d):
                A[i, d] = A[d, i] = u[i]
                A[d, d + 1 + i] = A[d + 1 + i, d] = -u[i]
            for c, (i, j) in enumerate(rows):
                A[i, j] = A[j, i] = -u[d + c]
                A[d + 1 + i, d + 1 + j] = A[d + 1 + j, d + 1 + i] = u[d + c]
            E = mp.expm(A)
            Dl = mp.matrix([[E[i, j] for j in range(d)] for i in range(d)])
            dl = mp.matrix([E[i, d] for i in range(d)])
            R = K.T * Dl * K  # Σ(1) = Dl⁻¹, μ(1) = Dl⁻¹ dl
            r1 = K.T * dl - R * xk
            return [r1[i] for i in range(d)] + [R[i, j] - (i == j) for i, j in rows]

        h = mp.mpf(10) ** (-dps // 2)
        for _ in range(40):
            f = residual(u)
            if mp.sqrt(sum(fi**2 for fi in f)) < mp.mpf(10) ** (15 - dps):
                break
            J = mp.matrix(len(u), len(u))
            for k in range(len(u)):
                fk = residual([uj + (h if j == k else 0) for j, uj in enumerate(u)])
                for i in range(len(u)):
                    J[i, k] = (fk[i] - f[i]) / h
            step = mp.lu_solve(J, mp.matrix(f))
            u = [u[i] - step[i] for i in range(len(u))]
        else:
            raise ValueError("the 50-digit Newton reference did not converge")
        energy = sum(u[i] ** 2 for i in range(d)) + sum(
            (0.5 if i == j else 1.0) * u[d + c] ** 2 for c, (i, j) in enumerate(rows)
        )
        return float(mp.sqrt(energy))


def halfplane_metric(p):
    return anp.eye(2) / p[1] ** 2


def _normal_logpdf(x, theta):
    mu, sigma = theta[..., 0], theta[..., 1]
    return -0.5 * np.log(2 * np.pi) - anp.log(sigma) - 0.5 * ((x - mu) / sigma) ** 2


def _mvn_points(d):
    """Raw coordinates -> MVN point: mean, then the log-eigenvalues and a rotation."""
    M = ig.MultivariateNormal(d)

    def pack(raw):
        mean = raw[:d]
        scales = raw[d : 2 * d]
        angles = raw[2 * d :]
        # a rotation from the angles (Givens products), eigenvalues = scales
        R = np.eye(d)
        k = 0
        for i in range(d):
            for j in range(i + 1, d):
                c, s = np.cos(angles[k]), np.sin(angles[k])
                G = np.eye(d)
                G[i, i] = G[j, j] = c
                G[i, j], G[j, i] = -s, s
                R = R @ G
                k += 1
        cov = (R * scales) @ R.T
        return M.pack(mean, 0.5 * (cov + cov.T))

    n_angles = d * (d - 1) // 2
    return M, pack, ("real",) * d + ("pos",) * d + ("angle",) * n_angles


def cases(include_mvn: bool = True) -> list[StressCase]:
    normal = ig.Normal()
    half = ig.MetricManifold(halfplane_metric, 2, bounds=[(None, None), (0, None)])
    log_density = ig.ParametricFamily(_normal_logpdf, 2, "real", bounds=[(None, None), (0.0, None)])
    out = [
        StressCase(
            "Normal (numerical solver)",
            normal,
            ("real", "pos"),
            "closed",
            closed=normal.dist,
            dist=lambda p, q, **kw: RiemannianManifold.dist(normal, p, q, **kw),
        ),
        StressCase("Gamma", ig.Gamma(), ("pos", "pos"), "closed", closed=gamma_dist_quad),
        StressCase("Beta", ig.Beta(), ("pos", "pos"), "exp"),
        StressCase("Dirichlet(3)", ig.Dirichlet(3), ("pos",) * 3, "exp"),
        StressCase(
            "half-plane MetricManifold",
            half,
            ("real", "pos"),
            "closed",
            closed=lambda p, q: halfplane_dist(p[..., 0], p[..., 1], q[..., 0], q[..., 1]),
        ),
        StressCase(
            "ParametricFamily (normal log-density)",
            log_density,
            ("real", "pos"),
            "closed",
            closed=normal.dist,
        ),
    ]
    if include_mvn:
        for d in (2, 3):
            M, pack, kinds = _mvn_points(d)
            out.append(
                StressCase(
                    f"MVN({d})",
                    M,
                    kinds,
                    "closed",
                    closed=lambda p, q, M=M: mvn_dist_mp(M, p, q, M.log(p, q, max_time=30)),
                    size=lambda p, q, M=M: M.dist_bounds(p, q).lower,
                    pack=pack,
                    location_power=0.5,
                )
            )
    return out


def sample_pairs(case: StressCase, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs: the positive coordinates of ``p`` log-uniform over ``SCALES``, those
    of ``q`` moved by a log-uniform separation ``s`` (``SEPARATIONS``) along a random
    direction in log-coordinates; real coordinates (locations) at ``± m^k 10^U(−3, 3)``
    and moved by ``m^k sinh(s uᵢ)``, ``m`` the smallest positive coordinate (``k = 1``
    for a scale σ, ``½`` for a variance); angles (MVN eigenvectors) uniform, turned
    by ``s uᵢ``. Pairs whose closed-form distance exceeds ``MAX_DIST`` are redrawn."""
    k = len(case.kinds)
    P, Q = [], []
    while len(P) < n:
        scale = 10.0 ** rng.uniform(*SCALES, size=k)
        direction = rng.standard_normal(k)
        direction /= np.linalg.norm(direction)
        sep = 10.0 ** rng.uniform(*SEPARATIONS)
        p = np.empty(k)
        q = np.empty(k)
        ref_scale = scale[[i for i, t in enumerate(case.kinds) if t == "pos"]].min()
        for i, t in enumerate(case.kinds):
            if t == "pos":
                p[i] = scale[i]
                q[i] = np.clip(scale[i] * np.exp(sep * direction[i]), 1e-6, 1e6)
            elif t == "angle":
                p[i] = rng.uniform(0, np.pi)
                q[i] = p[i] + sep * direction[i]
            else:  # real: locations and offsets in units of the smallest positive scale
                unit = ref_scale**case.location_power
                p[i] = rng.choice([-1, 1]) * unit * 10.0 ** rng.uniform(-3, 3)
                q[i] = p[i] + unit * np.sinh(sep * direction[i])
        if case.pack is not None:
            p, q = case.pack(p), case.pack(q)
        size = case.size or case.closed
        if size is not None and not size(p, q) <= MAX_DIST:
            continue
        P.append(p)
        Q.append(q)
    return np.array(P), np.array(Q)


def _error(case: StressCase, p, q, d, v=None):
    M = case.manifold
    if case.reference == "closed":
        ref = float(case.closed(p, q))
        return abs(d - ref) / max(ref, 1e-300)
    if v is None:
        v = M.log(p, q)
    if case.exp_check:
        x1 = case.exp_check(p, v)
        return float(M.norm(q, x1 - q)) / max(d, 1e-300)
    # first variation of d(p, ·) at x₁ = exp_p(v) (its gradient is the unit velocity u
    # there): |d(p, q) − ‖v‖| ≤ |⟨u, r⟩| + ½ ‖Hess‖ ‖r‖², r = q − x₁, ‖Hess‖ ≤ 1 + 1/d for
    # sectional curvatures in [−1, 0]. The transverse part of r (the solver's rounding
    # amplified by e^{√κ d} along the geodesic) moves the distance at second order only.
    x1, u = (a[..., 0, :] for a in integrate_geodesic(M, p, v, np.array([1.0])))
    r = q - x1
    speed = float(M.norm(x1, u))
    along = abs(float(M.inner(x1, u, r))) / max(speed, 1e-300)
    return (along + (1.0 + 1.0 / d) * float(M.norm(x1, r)) ** 2) / max(d, 1e-300)


def run_case(case: StressCase, n: int, rng, max_time: float = 2.0) -> StressResult:
    """Solve ``n`` pairs one call each with ``max_time``; see the module docstring."""
    P, Q = sample_pairs(case, n, rng)
    res = StressResult(case.name, n)
    dist = case.dist or case.manifold.dist
    for p, q in zip(P, Q):
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if case.reference == "exp":
                    v = case.manifold.log(p, q, max_time=max_time)
                    d = float(case.manifold.norm(p, v))
                else:
                    v = None
                    d = float(dist(p, q, max_time=max_time))
            elapsed = time.perf_counter() - t0
            ok = np.isfinite(d)
        except (ig.ConvergenceError, OverflowError, ValueError) as exc:
            elapsed = time.perf_counter() - t0
            ok = False
            res.errors.append((p, q, f"{type(exc).__name__}: {str(exc)[:160]}"))
        res.worst_time = max(res.worst_time, elapsed)
        if elapsed > max_time + 0.5:
            res.slow += 1
        if not ok:
            if elapsed <= max_time + 0.5:
                res.failed_fast += 1
            continue
        res.solved += 1
        res.max_dist = max(res.max_dist, d)
        if hasattr(case.manifold, "dist_bounds"):  # the certified bracket holds
            # (a gross check against a longer geodesic: the bounds are float64 formulas
            # and lose ~1e-9 themselves when a whitened covariance has cond ~1e17)
            low, up, _ = case.manifold.dist_bounds(p, q)
            if not low * (1 - 1e-7) <= d <= up * (1 + 1e-7):
                res.errors.append((p, q, f"outside the bracket [{low}, {up}]: {d}"))
                res.worst_err = np.inf
                continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                err = _error(case, p, q, d, v)
        except (ValueError, OverflowError) as exc:  # the reference itself failed
            err = np.nan
            res.errors.append((p, q, f"reference failed: {str(exc)[:120]}"))
        if np.isfinite(err) and err > res.worst_err:
            res.worst_err, res.worst_pair = err, (p, q, d)
    return res
