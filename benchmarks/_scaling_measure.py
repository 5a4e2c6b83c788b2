"""Timing and peak-memory helpers shared by the ``scaling_*.py`` sections."""

from __future__ import annotations

import time
import tracemalloc


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
