"""Dirichlet(k) Fisher–Rao distance against k, with geomstats in the same process.

For k = 3, 10, 20, 50, 100, 200 on seeded pairs (concentrations uniform on [1, 4]):

* infogeo, one pair per call: mean time over ``N_SINGLE`` pairs and the spread
  (slowest / fastest);
* infogeo, a batch of ``N_BATCH`` pairs in one call: time per pair, and the largest
  relative difference between batched and single-call distances;
* peak memory (tracemalloc) of one single-pair call;
* geomstats 2.8.0 ``DirichletDistributions(k).metric.dist`` on the first pair where it
  finishes in reasonable time (k ≤ 10; k = 20 with ``--full``, about 140 s), with the
  relative difference between the two libraries.

infogeo solves by Chebyshev collocation with the closed-form O(k) contractions of
``Dirichlet.geodesic_jacobians`` and, from k = 8, a Woodbury solve of the Newton
system (diagonal plus rank two blocks).

Run: ``python benchmarks/bench_scaling.py dirichlet`` (``--full`` adds geomstats at k = 20).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("GEOMSTATS_BACKEND", "autograd")

import numpy as np

import infogeo as ig

try:
    from ._scaling_measure import time_pairs, timed
except ImportError:
    from _scaling_measure import time_pairs, timed

KS = (3, 10, 20, 50, 100, 200)
N_BATCH = 10
#: the same pairs as the batch, one per call
N_SINGLE = N_BATCH
#: largest k at which geomstats is run (one pair): 4 s at k = 10, ~140 s at k = 20,
#: MemoryError at k = 50 (issue 15's measurement on this machine)
GS_MAX_K = 10
GS_MAX_K_FULL = 20


def pairs(k: int, n: int):
    rng = np.random.default_rng(1000 + k)
    return rng.uniform(1.0, 4.0, (n, k)), rng.uniform(1.0, 4.0, (n, k))


def geomstats_dist(k, p, q):
    from geomstats.information_geometry.dirichlet import DirichletDistributions

    return float(DirichletDistributions(k).metric.dist(p, q))


def row(k: int, gs_max_k: int) -> tuple:
    fam = ig.Dirichlet(k)
    P, Q = pairs(k, N_BATCH)
    m = time_pairs(fam.dist, P, Q, N_SINGLE)
    t_gs = err_gs = None
    if k <= gs_max_k:
        d_gs, t_gs = timed(geomstats_dist, k, P[0], Q[0])
        err_gs = abs(d_gs / m.single[0] - 1)
    return (k, m.mean, m.spread, m.per_pair_batched, m.batch_vs_single, m.peak_mib, t_gs, err_gs)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    gs_max_k = GS_MAX_K_FULL if "--full" in argv else GS_MAX_K
    print(
        f"Dirichlet(k) dist, concentrations uniform on [1, 4]; single = mean of {N_SINGLE} "
        f"one-pair calls, batch = {N_BATCH} pairs in one call"
    )
    head = (
        "k",
        "single s",
        "spread",
        "batch s/pair",
        "batch-single",
        "peak MiB",
        "geomstats s",
        "gs speed-up",
        "gs rel diff",
    )
    print("{:>4} {:>10} {:>7} {:>13} {:>13} {:>9} {:>12} {:>12} {:>12}".format(*head))
    for k in KS:
        k, t1, spread, tb, bs, mem, t_gs, err_gs = row(k, gs_max_k)
        if t_gs is None:
            gs = f"{'not run':>12} {'':>12} {'':>12}"
        else:
            gs = f"{t_gs:>12.3e} {t_gs / t1:>11.0f}x {err_gs:>12.1e}"
        print(
            f"{k:>4} {t1:>10.3e} {spread:>6.1f}x {tb:>13.3e} {bs:>13.1e} {mem:>9.1f} {gs}",
            flush=True,
        )
    print(
        f"geomstats not run above k = {gs_max_k}: about 140 s per pair at k = 20 and a "
        "MemoryError at k = 50 (issue 15's measurements on this machine)."
    )


if __name__ == "__main__":
    main()
