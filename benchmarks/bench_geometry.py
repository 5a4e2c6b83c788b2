"""Geometry core: numerical ``dist`` on the Poincaré half-plane against the closed form.

The half-plane metric ``G = I / y²`` is given to ``ig.MetricManifold`` (batched,
coordinates last), so ``dist`` runs the full numerical path: Christoffel symbols and
their derivatives by autograd, Newton shooting with Jacobi fields, the whole batch as
one ODE system. The reference is ``arccosh(1 + ‖p − q‖² / (2 y_p y_q))`` on the same
seeded pairs (x uniform on [−2, 2], y uniform on [0.2, 3]).

Run: ``python benchmarks/run.py geometry`` (``--quick`` skips the 10,000-pair row).
"""

from __future__ import annotations

import sys
import time

import autograd.numpy as anp
import numpy as np

import infogeo as ig


def halfplane_metric(p):
    return anp.eye(2) / p[..., 1, None, None] ** 2


def closed_form(p, q):
    return np.arccosh(1 + np.sum((p - q) ** 2, -1) / (2 * p[..., 1] * q[..., 1]))


def random_pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)

    def pts():
        return np.stack([rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)], -1)

    return pts(), pts()


def main(sizes=(1, 100, 10_000)) -> None:
    H = ig.MetricManifold(halfplane_metric, 2, bounds=[(None, None), (0, None)])
    rows = []
    for n in sizes:
        P, Q = random_pairs(n, seed=n)
        t0 = time.perf_counter()
        d_num = H.dist(P, Q)
        t_num = time.perf_counter() - t0
        reps = max(1, 100_000 // n)
        t0 = time.perf_counter()
        for _ in range(reps):
            d_ref = closed_form(P, Q)
        t_ref = (time.perf_counter() - t0) / reps
        err = float(np.max(np.abs(d_num - d_ref) / d_ref))
        rows.append((n, t_num / n, t_ref / n, t_num / t_ref, err))
    header = ("pairs", "numerical s/pair", "closed s/pair", "ratio", "max rel err")
    print("{:>7} {:>17} {:>14} {:>9} {:>12}".format(*header))
    for n, tn, tr, ratio, err in rows:
        print(f"{n:>7} {tn:>17.3e} {tr:>14.3e} {ratio:>9.2e} {err:>12.2e}")


if __name__ == "__main__":
    main((1, 100) if "--quick" in sys.argv else (1, 100, 10_000))
