"""Timing and peak-memory helpers shared by the ``scaling_*.py`` sections."""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass

import numpy as np


def timed(f, *args):
    """``(f(*args), seconds)``, one call."""
    t0 = time.perf_counter()
    out = f(*args)
    return out, time.perf_counter() - t0


def peak_mib(f, *args) -> float:
    """Peak memory allocated during ``f(*args)`` (tracemalloc, which numpy reports to),
    in MiB; run separately from the timings because tracing slows Python down."""
    tracemalloc.start()
    try:
        f(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@dataclass
class PairTimings:
    """One distance function timed on pairs one per call and as one batch."""

    times: list  # seconds of each one-pair call
    single: np.ndarray  # distances from the one-pair calls
    batch: np.ndarray  # distances from the batched call
    batch_seconds: float
    peak_mib: float  # one one-pair call, traced separately

    @property
    def mean(self) -> float:
        return float(np.mean(self.times))

    @property
    def spread(self) -> float:
        """Slowest / fastest one-pair call."""
        return max(self.times) / min(self.times)

    @property
    def per_pair_batched(self) -> float:
        return self.batch_seconds / len(self.batch)

    @property
    def batch_vs_single(self) -> float:
        """Largest relative difference between batched and one-pair distances."""
        return float(np.max(np.abs(self.batch[: len(self.single)] / self.single - 1)))


def time_pairs(dist, P, Q, n_single: int) -> PairTimings:
    """Warm ``dist`` (caches, layouts) on a perturbed first pair, then time the first
    ``n_single`` pairs one per call, all pairs in one call, and trace the peak memory
    of one one-pair call."""
    dist(P[0] * 1.01, Q[0])
    times, single = [], []
    for i in range(n_single):
        d, t = timed(dist, P[i], Q[i])
        times.append(t)
        single.append(float(d))
    batch, t_batch = timed(dist, P, Q)
    return PairTimings(
        times, np.array(single), np.asarray(batch), t_batch, peak_mib(dist, P[0], Q[0])
    )
