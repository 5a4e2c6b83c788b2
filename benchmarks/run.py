"""Run the benchmarks: ``python benchmarks/run.py [name ...]``.

Each ``benchmarks/bench_<name>.py`` defines ``main()``, which runs infogeo and a
peer (geomstats, pymanopt, scipy, statsmodels) in this same process on the same
inputs and prints a table of times, ratios and errors. With no names, all run.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def available() -> dict[str, pathlib.Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def run(name: str, path: pathlib.Path) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(f"\n=== {name} ({path.name}) ===", flush=True)
    start = time.perf_counter()
    module.main()
    print(f"--- {name}: {time.perf_counter() - start:.1f} s", flush=True)


def main(argv: list[str]) -> int:
    benches = available()
    names = argv or list(benches)
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}", file=sys.stderr)
        return 2
    for name in names:
        run(name, benches[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
