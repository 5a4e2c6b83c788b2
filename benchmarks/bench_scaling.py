"""Growth with dimension: time and peak memory against d, k, dim, n and width.

Each section lives in its own module beside this one (``scaling_<topic>.py``, each with
a ``main()`` that prints its table with the peers run in the same process); this
script runs them in order. ``python benchmarks/run.py scaling`` runs all sections;
``python benchmarks/bench_scaling.py mvn dirichlet`` runs the named ones.
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
#: Section modules in the order they print; a missing one is reported, not skipped.
SECTIONS = ("mvn", "dirichlet", "metric", "fit", "nn")


def _section(name: str):
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(f"scaling_{name}")


def main(names: list[str] | None = None) -> None:
    available = [n for n in SECTIONS if (HERE / f"scaling_{n}.py").exists()]
    for name in names or available:
        print(f"\n--- scaling: {name} ---", flush=True)
        _section(name).main()


if __name__ == "__main__":
    main(sys.argv[1:] or None)
