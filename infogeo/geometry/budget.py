"""Wall-clock budgets of the geodesic solvers (``max_time``)."""

from __future__ import annotations

import math
import time

__all__ = ["Budget", "OutOfTime", "resolve_max_time"]


class OutOfTime(Exception):
    """Raised inside a solver (e.g. from an ODE right-hand side) when its budget ran out."""


class Budget:
    """A deadline ``max_time`` seconds from now (``None`` or ``inf``: no deadline)."""

    def __init__(self, max_time: float | None):
        self.max_time = math.inf if max_time is None else float(max_time)
        self.start = time.monotonic()
        self.end = self.start + self.max_time
        self.ran_out = False

    def expired(self) -> bool:
        if time.monotonic() >= self.end:
            self.ran_out = True
        return self.ran_out

    def check(self) -> None:
        """Raise :class:`OutOfTime` once the deadline has passed."""
        if self.expired():
            raise OutOfTime(f"the time budget max_time={self.max_time:g} s ran out")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


def resolve_max_time(manifold, max_time, n_pairs: int) -> float:
    """The budget of one call: ``max_time`` if given, else
    ``manifold.max_time + manifold.max_time_per_pair · (n_pairs − 1)``."""
    if max_time is None:
        base = float(getattr(manifold, "max_time", 5.0))
        per = float(getattr(manifold, "max_time_per_pair", 0.0))
        return base + per * max(n_pairs - 1, 0)
    max_time = float(max_time)
    if not max_time > 0:
        raise ValueError(f"max_time must be a positive number of seconds, got {max_time}")
    return max_time
