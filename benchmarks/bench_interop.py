"""Import time of infogeo vs geomstats, and the cost of going through the adapter.

1. ``import infogeo`` and ``import geomstats`` (numpy backend), each timed in a fresh
   subprocess (median of several runs), plus ``import infogeo`` followed by a first
   ``ig.from_geomstats`` call (which imports geomstats lazily).
2. The same geomstats operations called directly and through ``ig.from_geomstats``
   (distances on the sphere and on SPD matrices, a Riemannian gradient), in this
   process on the same inputs: the adapter's overhead as a ratio.

Run: ``.venv/bin/python benchmarks/run.py interop``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np

REPEATS = 7

IMPORTS = {
    "import infogeo": "import infogeo",
    "import geomstats (numpy backend)": "import geomstats, geomstats.backend",
    "import infogeo + first from_geomstats": (
        "import infogeo as ig\n"
        "from geomstats.geometry.hypersphere import Hypersphere\n"
        "ig.from_geomstats(Hypersphere(2))"
    ),
    "import numpy + scipy (baseline)": "import numpy, scipy.integrate, scipy.special",
}


def time_import(code: str) -> tuple[float, float]:
    """Median wall and CPU (process) time of running ``code`` in a fresh interpreter.

    CPU time is the steadier figure on a shared machine; both exclude interpreter start-up.
    """
    env = dict(os.environ, GEOMSTATS_BACKEND="numpy")
    script = (
        "import time\n_t = time.perf_counter(); _c = time.process_time()\n"
        + code
        + "\nprint(time.perf_counter() - _t, time.process_time() - _c)\n"
    )
    walls, cpus = [], []
    for _ in range(REPEATS):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        wall, cpu = map(float, out.stdout.strip().splitlines()[-1].split())
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def best_time(fn, number: int = 20, repeat: int = 5) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def overhead_rows():
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    from geomstats.geometry.hypersphere import Hypersphere
    from geomstats.geometry.spd_matrices import SPDMatrices

    import infogeo as ig

    rng = np.random.default_rng(0)
    rows = []

    sphere = Hypersphere(99)
    S = ig.from_geomstats(sphere)
    p, q = S.random_point(rng=rng), S.random_point(500, rng=rng)
    rows.append(
        (
            "sphere S^99 dist, 500 pairs",
            best_time(lambda: sphere.metric.dist(p, q)),
            best_time(lambda: S.dist(p, q)),
            float(np.max(np.abs(S.dist(p, q) - np.arccos(np.clip(q @ p, -1, 1))))),
        )
    )

    spd = SPDMatrices(5)
    P = ig.from_geomstats(spd)
    A = spd.random_point(200)
    B = spd.random_point(200)
    a, b = P.from_geomstats_point(A), P.from_geomstats_point(B)
    rows.append(
        (
            "SPD(5) affine dist, 200 pairs",
            best_time(lambda: spd.metric.dist(A, B), number=5),
            best_time(lambda: P.dist(a, b), number=5),
            float(np.max(np.abs(P.dist(a, b) - spd.metric.dist(A, B)))),
        )
    )

    E = rng.standard_normal((200, 5, 5))
    e = P.from_geomstats_point(E)

    def geomstats_rgrad():
        # geomstats' own route: raise the covector with the metric, then symmetrize
        return spd.to_tangent(A @ E @ A, A)

    rows.append(
        (
            "SPD(5) Riemannian gradient, 200 points",
            best_time(geomstats_rgrad),
            best_time(lambda: P.riemannian_gradient(a, e)),
            float(np.max(np.abs(P.to_geomstats(P.riemannian_gradient(a, e)) - geomstats_rgrad()))),
        )
    )
    return rows


def main() -> None:
    print(f"Import times (median of {REPEATS} fresh interpreters)")
    print(f"{'what':42s} {'wall s':>8s} {'CPU s':>8s}")
    results = {}
    for label, code in IMPORTS.items():
        results[label] = time_import(code)
        print(f"{label:42s} {results[label][0]:8.3f} {results[label][1]:8.3f}")
    gs_wall, gs_cpu = results["import geomstats (numpy backend)"]
    ig_wall, ig_cpu = results["import infogeo"]
    print(
        f"geomstats / infogeo import time: {gs_wall / ig_wall:.2f}x wall, "
        f"{gs_cpu / ig_cpu:.2f}x CPU"
    )

    print("\nAdapter overhead (same inputs, same process; best of 5)")
    header = ("operation", "geomstats s", "infogeo s", "ratio", "max diff")
    print(f"{header[0]:40s} {header[1]:>12s} {header[2]:>12s} {header[3]:>7s} {header[4]:>9s}")
    for label, t_gs, t_ig, err in overhead_rows():
        print(f"{label:40s} {t_gs:12.2e} {t_ig:12.2e} {t_ig / t_gs:7.2f} {err:9.1e}")


if __name__ == "__main__":
    main()
