"""Every optimization run in the docs pages owned by the optimizer reaches its own
tolerance, except the runs that are there to show a failure."""

import contextlib
import io
import os
import pathlib
import re

import pytest

from infogeo.optim.riemannian_gradient_descent import RiemannianGradientDescent

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

#: page -> statuses of runs shown on purpose as failures (divergence demo, fixed KL steps)
EXPECTED_FAILURES = {
    "optimizer.md": [5],
    "guide/natural-gradient.md": [1],
    "interop.md": [],
}


@pytest.mark.parametrize("page", sorted(EXPECTED_FAILURES))
def test_documented_runs_converge(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    results = []
    original = RiemannianGradientDescent._minimize

    def recording(self, *args, **kwargs):
        res = original(self, *args, **kwargs)
        results.append(res)
        return res

    monkeypatch.setattr(RiemannianGradientDescent, "_minimize", recording)
    namespace = {"__name__": "docs"}
    with contextlib.redirect_stdout(io.StringIO()):
        for code in BLOCK.findall((DOCS / page).read_text()):
            exec(compile(code, page, "exec"), namespace)
    assert results, f"{page} runs no optimizer"
    failures = sorted(r.status for r in results if not r.success)
    assert failures == EXPECTED_FAILURES[page], [r.message for r in results if not r.success]
