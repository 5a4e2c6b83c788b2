"""Generic ``ig.MetricManifold`` distance against the dimension (autograd metrics).

Two metrics written with ``autograd.numpy`` so that they also evaluate a batch of
points (coordinates last, ``p[..., i]``), which ``MetricManifold`` detects and uses:

* ``hyperbolic``: the upper half-space ``G = I / x_n²`` (closed-form distance
  ``arccosh(1 + ‖p − q‖² / (2 p_n q_n))`` as the accuracy reference);
* ``skew``: ``G = diag(exp(0.3 sin p)) + 0.06 cos(p_i − p_j)``, non-conformal with every
  entry depending on the point (accuracy: batched against single calls only).

For dim = 2, 5, 10, 15: ``N_SINGLE`` pairs one per call (mean time and spread =
slowest / fastest), a batch of ``N_BATCH`` pairs in one call (time per pair), peak
memory (tracemalloc) of one single-pair call, and the same distance by the previous
route in the same process — dense Christoffel symbols and their derivatives by autograd
(``n(n+1)/2 · (n+1)`` backward passes and ``n⁴`` numbers per node) contracted at each
node — on one pair, for dim ≤ 5 (≤ 10 with ``--full``; issue 15 measured 2–44 s per
pair at dim 10).

Run: ``python benchmarks/bench_scaling.py metric``.
"""

from __future__ import annotations

import sys

import autograd.numpy as anp
import numpy as np

import infogeo as ig
from infogeo.geometry.manifold import dense_geodesic_jacobians

try:
    from ._scaling_measure import time_pairs, timed
except ImportError:
    from _scaling_measure import time_pairs, timed

DIMS = (2, 5, 10, 15)
N_BATCH = 10
#: the same pairs as the batch, one per call
N_SINGLE = N_BATCH
DENSE_MAX_DIM = 5
DENSE_MAX_DIM_FULL = 10


def hyperbolic(p):
    return anp.eye(p.shape[-1]) / p[..., -1, None, None] ** 2


def skew(p):
    n = p.shape[-1]
    diag = anp.exp(0.3 * anp.sin(p))[..., None, :] * anp.eye(n)
    return diag + 0.06 * anp.cos(p[..., :, None] - p[..., None, :])


def hyperbolic_distance(p, q):
    return np.arccosh(1 + np.sum((p - q) ** 2, -1) / (2 * p[..., -1] * q[..., -1]))


class DenseRoute(ig.MetricManifold):
    """The route before ``geodesic_jacobians``: dense ``Γ`` and ``∂Γ`` per node."""

    def geodesic_acceleration(self, p, v):
        return -np.einsum("...kij,...i,...j->...k", self.christoffel(p), v, v)

    def geodesic_jacobians(self, p, v):
        return dense_geodesic_jacobians(*self.christoffel_and_derivative(p), v)


def make(name: str, n: int, cls=ig.MetricManifold):
    if name == "hyperbolic":
        return cls(hyperbolic, n, bounds=[None] * (n - 1) + [(0, None)])
    return cls(skew, n)


def pairs(name: str, n: int, m: int):
    rng = np.random.default_rng(100 * n + len(name))
    if name == "hyperbolic":
        P = np.concatenate([rng.uniform(-1, 1, (m, n - 1)), rng.uniform(0.5, 2, (m, 1))], 1)
        Q = np.concatenate([rng.uniform(-1, 1, (m, n - 1)), rng.uniform(0.5, 2, (m, 1))], 1)
        return P, Q
    return rng.uniform(0.5, 2.0, (m, n)), rng.uniform(0.5, 2.0, (m, n))


def row(name: str, n: int, dense_max: int):
    M = make(name, n)
    P, Q = pairs(name, n, N_BATCH)
    m = time_pairs(M.dist, P, Q, N_SINGLE)
    err = float("nan")
    if name == "hyperbolic":
        err = float(np.max(np.abs(m.batch / hyperbolic_distance(P, Q) - 1)))
    t_dense = None
    if n <= dense_max:
        _, t_dense = timed(make(name, n, DenseRoute).dist, P[0], Q[0])
    return (
        m.mean,
        m.spread,
        m.per_pair_batched,
        m.batch_vs_single,
        err,
        m.peak_mib,
        t_dense,
        m.times[0],
    )


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    dense_max = DENSE_MAX_DIM_FULL if "--full" in argv else DENSE_MAX_DIM
    print(
        f"MetricManifold dist; single = mean of {N_SINGLE} one-pair calls (spread = slowest/"
        f"fastest), batch = {N_BATCH} pairs in one call; dense = previous route, first pair"
    )
    head = (
        "metric",
        "dim",
        "single s",
        "spread",
        "batch s/pair",
        "batch-single",
        "rel err",
        "peak MiB",
        "dense s",
        "speed-up",
    )
    print("{:<11} {:>4} {:>10} {:>7} {:>13} {:>13} {:>9} {:>9} {:>10} {:>9}".format(*head))
    for name in ("hyperbolic", "skew"):
        for n in DIMS:
            t1, spread, tb, bs, err, mem, t_dense, t_first = row(name, n, dense_max)
            dense = (
                f"{'not run':>10} {'':>9}"
                if t_dense is None
                else f"{t_dense:>10.3e} {t_dense / t_first:>8.1f}x"
            )
            print(
                f"{name:<11} {n:>4} {t1:>10.3e} {spread:>6.1f}x {tb:>13.3e} {bs:>13.1e} "
                f"{err:>9.1e} {mem:>9.1f} {dense}",
                flush=True,
            )
    print("rel err: batched distances against the closed form (hyperbolic only).")


if __name__ == "__main__":
    main()
