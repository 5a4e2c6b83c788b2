"""Divergence evaluation on batches of 10⁴ pairs: infogeo against pyBregMan / scipy.

infogeo evaluates KL (the family's closed form), the Bregman divergence of ψ and the
Amari α-divergence (α = 0.5, through the skew Jensen gap of ψ) on a batch of 10⁴ pairs
in one call. Peers in the same process on the same pairs:

* pyBregMan (``BregmanDivergence`` in natural coordinates, ``SkewBurbeaRaoDivergence``
  converted to the α-divergence) for the univariate and bivariate normal, when the
  package can be imported (it pins numpy < 2, so it is not part of any extra; install it
  with ``pip install --no-deps pyBregMan`` to include it). It takes one pair per call,
  so it is timed on the first ``SUBSET`` pairs and reported per pair;
* ``scipy.integrate.quad`` of the defining integrals for Gamma and Beta (pyBregMan has
  no such families), also per pair on a subset.

Total variation (``F.total_variation``: crossing points of the densities and their
distribution functions) against ``scipy.integrate.quad`` of ½|p₁ − p₂| (Normal, Gamma,
Beta) and the exact sum over 0…1000 (Poisson), one pair per call on the subset.

Columns: microseconds per pair, the ratio peer / infogeo, and the largest relative
difference between the two on the subset.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.integrate as si

import infogeo as ig

PAIRS = 10_000
SUBSET = 200


def _timed(fun, *args):
    t = time.perf_counter()
    out = fun(*args)
    return time.perf_counter() - t, out


def _pybregman():
    try:
        from bregman.application.distribution.exponential_family.gaussian.gaussian import (
            GaussianManifold,
        )
        from bregman.base import LAMBDA_COORDS, DualCoords, Point
        from bregman.dissimilarity.bregman import BregmanDivergence, SkewBurbeaRaoDivergence
    except Exception:  # not installed, or incompatible
        return None
    return (
        GaussianManifold,
        LAMBDA_COORDS,
        DualCoords,
        Point,
        BregmanDivergence,
        SkewBurbeaRaoDivergence,
    )


def _pbm_points(F, theta, Point, LAMBDA):
    if isinstance(F, ig.Normal):
        return [Point(LAMBDA, np.array([m, s * s])) for m, s in theta]
    mean, cov = F.unpack(theta)
    return [Point(LAMBDA, np.concatenate([m, c.ravel()])) for m, c in zip(mean, cov)]


def _peer_pybregman(F, t1, t2, pbm):
    Manifold, LAMBDA, DualCoords, Point, Bregman, SkewBR = pbm
    M = Manifold(1 if isinstance(F, ig.Normal) else F.d)
    p1, p2 = _pbm_points(F, t1, Point, LAMBDA), _pbm_points(F, t2, Point, LAMBDA)
    breg = Bregman(M, dcoords=DualCoords.THETA)
    a = 0.25  # Amari α = 0.5 ↔ skew (1 − α)/2
    sbr = SkewBR(M, a)

    def kl():
        return np.array([breg(q, p) for p, q in zip(p1, p2)])

    def alpha():
        j = np.array([a * (1 - a) * sbr(p, q) for p, q in zip(p1, p2)])
        return 4 / (1 - 0.25) * -np.expm1(-j)

    return {"kl": kl, "alpha": alpha}


def _log_density(F):
    """The log-density as a plain scipy.special expression (fast scalar calls)."""
    from scipy.special import betaln, gammaln, xlogy

    if isinstance(F, ig.Normal):
        return lambda x, t: -0.5 * ((x - t[0]) / t[1]) ** 2 - np.log(t[1]) - 0.5 * np.log(2 * np.pi)
    if isinstance(F, ig.Gamma):
        return lambda x, t: t[0] * np.log(t[1]) - gammaln(t[0]) + xlogy(t[0] - 1, x) - t[1] * x
    return lambda x, t: xlogy(t[0] - 1, x) + xlogy(t[1] - 1, 1 - x) - betaln(t[0], t[1])


def _peer_quad(F, t1, t2):
    lo, hi = F.support[1], F.support[2]
    lp = _log_density(F)

    def integral(f):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return si.quad(f, lo, hi, limit=200, epsabs=0, epsrel=1e-10)[0]

    def kl():
        return np.array(
            [
                integral(lambda x, a=a, b=b: np.exp(lp(x, a)) * (lp(x, a) - lp(x, b)))
                for a, b in zip(t1, t2)
            ]
        )

    def alpha():
        rho = np.array(
            [
                integral(lambda x, a=a, b=b: np.exp(0.25 * lp(x, a) + 0.75 * lp(x, b)))
                for a, b in zip(t1, t2)
            ]
        )
        return 4 / (1 - 0.25) * (1 - rho)

    return {"kl": kl, "alpha": alpha}


def _peer_tv(F, t1, t2):
    """½∫|p₁ − p₂| by quad over the support (or the exact sum for Poisson), per pair."""
    if isinstance(F, ig.Poisson):
        from scipy.stats import poisson

        x = np.arange(1001)
        return lambda: np.array(
            [
                0.5 * np.sum(np.abs(poisson.pmf(x, a[0]) - poisson.pmf(x, b[0])))
                for a, b in zip(t1, t2)
            ]
        )
    lo, hi = F.support[1], F.support[2]
    lp = _log_density(F)

    def run():
        out = []
        for a, b in zip(t1, t2):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                val = si.quad(
                    lambda x, a=a, b=b: abs(np.exp(lp(x, a)) - np.exp(lp(x, b))),
                    lo,
                    hi,
                    limit=200,
                    epsabs=0,
                    epsrel=1e-10,
                )[0]
            out.append(0.5 * val)
        return np.array(out)

    return run


def main() -> None:
    rng = np.random.default_rng(0)
    pbm = _pybregman()
    print(
        f"pyBregMan: {'available' if pbm is not None else 'not importable, its rows are skipped'}"
    )
    print(
        f"{'family':>24} {'kind':>9} {'infogeo µs/pair':>16} {'peer':>12} {'peer µs/pair':>13} "
        f"{'ratio':>8} {'max rel diff':>12}"
    )
    cases = [
        (ig.Normal(), "pyBregMan"),
        (ig.MultivariateNormal(2), "pyBregMan"),
        (ig.Gamma(), "scipy quad"),
        (ig.Beta(), "scipy quad"),
    ]
    for F, peer_name in cases:
        t1, t2 = F.random_point(PAIRS, rng=rng), F.random_point(PAIRS, rng=rng)
        if peer_name == "pyBregMan":
            if pbm is None:
                continue
            peers = _peer_pybregman(F, t1[:SUBSET], t2[:SUBSET], pbm)
        else:
            peers = _peer_quad(F, t1[:SUBSET], t2[:SUBSET])
        ours = {
            "kl": F.kl,
            "bregman": F.bregman,
            "alpha": lambda a, b, F=F: F.divergence(a, b, "alpha", alpha=0.5),
        }
        for kind, fun in ours.items():
            peer = peers.get("kl" if kind == "bregman" else kind)
            _row(F, kind, _timed(fun, t1, t2), peer_name, _timed(peer))
    for F in (ig.Normal(), ig.Gamma(), ig.Beta(), ig.Poisson()):
        t1, t2 = F.random_point(PAIRS, rng=rng), F.random_point(PAIRS, rng=rng)
        ours = _timed(F.total_variation, t1, t2)
        peer_name = "exact sum" if isinstance(F, ig.Poisson) else "scipy quad"
        _row(F, "tv", ours, peer_name, _timed(_peer_tv(F, t1[:SUBSET], t2[:SUBSET])))


def _row(F, kind, ours, peer_name, theirs) -> None:
    """One table row: µs per pair of infogeo (``PAIRS`` pairs) and of the peer
    (``SUBSET`` pairs), their ratio and the largest relative difference."""
    (t_ig, val), (t_p, ref) = ours, theirs
    us_ig, us_p = 1e6 * t_ig / PAIRS, 1e6 * t_p / SUBSET
    diff = np.max(np.abs(val[:SUBSET] - ref) / np.maximum(np.abs(ref), 1e-300))
    print(
        f"{F!r:>24} {kind:>9} {us_ig:16.3f} {peer_name:>12} {us_p:13.1f} "
        f"{us_p / us_ig:8.0f} {diff:12.1e}",
        flush=True,
    )


if __name__ == "__main__":
    main()
