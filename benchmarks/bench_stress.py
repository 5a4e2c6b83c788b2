"""Geodesic stress benchmark (issue 10): a few hundred random pairs per family over
scales 1e-6 … 1e6 and distances up to 50, one ``dist``/``log`` call per pair with
``max_time = 1.8`` s (the budget is checked between solver steps, so a pair that fails
ends within 2 s).

For each family it prints the fraction of pairs solved, the fraction solved or
failed fast (a ``ConvergenceError``/``OverflowError``/``ValueError`` within the
budget), the worst relative error against an independent reference (closed form,
or the end point of the geodesic integrated independently, measured in the metric
at q), the worst wall time per pair and the largest distance met. The harness is
``tests/statistics/stress_cases.py`` (the test suite runs a few pairs of it).

``python benchmarks/run.py stress`` (``--pairs N``, default 200; ``--family NAME``
to run one row).
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.statistics.stress_cases import HEADER, cases, run_case  # noqa: E402

MAX_TIME = 1.8


def _arg(argv, name, default):
    if name in argv:
        return argv[argv.index(name) + 1]
    return default


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    n = int(_arg(argv, "--pairs", 200))
    only = _arg(argv, "--family", None)
    print(f"{n} pairs per family, max_time = {MAX_TIME:g} s per pair")
    fmt = "{:<38} {:>5} {:>7} {:>10} {:>10} {:>8} {:>6} {:>7}"
    print(fmt.format(*HEADER, "total s"))
    for case in cases():
        if only and only not in case.name:
            continue
        t0 = time.perf_counter()
        res = run_case(case, n, np.random.default_rng(10), max_time=MAX_TIME)
        print(fmt.format(*res.row(), f"{time.perf_counter() - t0:.0f}"), flush=True)
        # wrong answers (outside the bracket, reference failures) before clean failures
        shown = sorted(res.errors, key=lambda e: "ConvergenceError" in e[2])
        for p, q, msg in shown[:3]:
            print(
                f"    e.g. p = {np.array2string(p, precision=3)}, "
                f"q = {np.array2string(q, precision=3)}: {msg[:110]}"
            )


if __name__ == "__main__":
    main()
