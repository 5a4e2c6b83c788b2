"""The documentation's code runs, and the API reference covers every public name.

* every ```python block of every page under docs/ runs (blocks of one page share a
  namespace, in order, as a reader would type them);
* every name in ``infogeo.__all__`` has a ``::: infogeo.<name>`` block in docs/api/, and
  every such block names an object that exists;
* the README keeps its two commands, and its quick start (at most 15 lines) runs as
  written, in a fresh interpreter.
"""

from __future__ import annotations

import importlib
import os
import pathlib
import re
import subprocess
import sys

import pytest

import infogeo

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
API_ENTRY = re.compile(r"^::: (\S+)", re.M)

PAGES = sorted(p for p in DOCS.rglob("*.md") if BLOCK.search(p.read_text()))


def python_blocks(path: pathlib.Path) -> list[str]:
    return BLOCK.findall(path.read_text())


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_doc_snippets_run(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for i, code in enumerate(python_blocks(page)):
        try:
            exec(compile(code, f"{page.relative_to(ROOT)}[block {i}]", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(
                f"{page.relative_to(ROOT)} block {i} failed: {type(exc).__name__}: {exc}\n{code}"
            ) from exc


def api_entries() -> list[str]:
    names = []
    for page in sorted((DOCS / "api").glob("*.md")):
        names += API_ENTRY.findall(page.read_text())
    return names


def resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_api_reference_covers_every_public_name():
    documented = set(api_entries())
    missing = [n for n in infogeo.__all__ if f"infogeo.{n}" not in documented]
    assert not missing, f"public names without an API entry in docs/api/: {missing}"


def test_api_reference_entries_exist():
    for dotted in api_entries():
        obj = resolve(dotted)
        assert obj.__doc__, f"{dotted} has no docstring"


def test_api_pages_are_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in (DOCS / "api").glob("*.md"):
        assert f"api/{page.name}" in nav, f"docs/api/{page.name} is not in mkdocs.yml's nav"


def test_readme_commands_and_quick_start():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make demo\b", readme, re.M)
    assert re.search(r"^make test\b", readme, re.M)
    blocks = BLOCK.findall(readme)
    assert blocks, "README has no python quick start"
    quick = blocks[0]
    assert len(quick.strip().splitlines()) <= 15
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-c", quick], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "the quick start prints nothing"
