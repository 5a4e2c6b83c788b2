"""Run every example script in a subprocess and check what it writes.

Each example is run with a temporary ``--output-dir`` and the Agg backend; the test
checks the PNG files it promises (valid, not blank) and the numbers it prints.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

#: example -> (PNG files it must write, strings its output must contain)
EXPECTED = {
    "flagship": (
        ["natural_gradient.png", "kl_trust_region.png", "normal_geodesics.png"],
        ["plain gradient descent", "natural gradient", "iterations", "final loss"],
    ),
    "beta_geodesics": (["beta_geodesics.png"], ["geodesic", "straight line"]),
    "logistic_regression": (["logistic_regression.png"], ["natural gradient (Fisher)"]),
    "rayleigh_sphere": (["rayleigh_sphere.png"], ["smallest eigenvalue"]),
    "reparametrization": (["reparametrization.png"], ["Fisher–Rao distance"]),
    "halfplane_geodesics": (None, []),
    "dual_geodesics": (
        ["dual_geodesics.png"],
        ["e-geodesic", "m-geodesic", "Pythagoras", "total variation", "alpha_exp"],
    ),
    "gamma_clustering": (
        ["gamma_clustering.png"],
        ["geodesic k-means", "agreement with the generating kinds"],
    ),
    "solvers_comparison": (
        ["solvers_comparison.png"],
        ["trust-region", "lbfgs", "adam", "momentum", "solvers agree to"],
    ),
}


REPARAM_DISTANCES = re.compile(
    r"Fisher–Rao distance\s+\(μ, σ\): ([0-9.]+)\s+\(μ, log σ\): ([0-9.]+)"
)
FLAGSHIP_ROW = re.compile(
    r"(plain gradient descent|natural gradient) .*?\s+(\d+)\s+(\d+)\s+([0-9.]+)"
)


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    """Start every example at once (they are independent), then collect the results:
    name -> (returncode, stdout, stderr, output folder), or None if the script is absent."""
    env = dict(os.environ, MPLBACKEND="Agg", GEOMSTATS_BACKEND="numpy")
    procs = {}
    for name in EXPECTED:
        script = EXAMPLES / f"{name}.py"
        if not script.exists():
            procs[name] = None
            continue
        work = tmp_path_factory.mktemp(name)
        out = work / "out"
        proc = subprocess.Popen(
            [sys.executable, str(script), "--output-dir", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=work,
        )
        procs[name] = (proc, out)
    results = {}
    for name, entry in procs.items():
        if entry is None:
            results[name] = None
            continue
        proc, out = entry
        try:
            stdout, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            stderr += "\n(timed out after 180 s)"
        results[name] = (proc.returncode, stdout, stderr, out)
    return results


def run_example(name: str, example_runs) -> tuple[str, pathlib.Path]:
    result = example_runs[name]
    if result is None:
        pytest.fail(f"examples/{name}.py is missing")
    returncode, stdout, stderr, out = result
    assert returncode == 0, f"{name} failed:\n{stdout}\n{stderr}"
    return stdout, out


def check_png(path: pathlib.Path) -> None:
    import matplotlib.image

    assert path.exists(), f"{path.name} was not written"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert path.stat().st_size > 10_000, f"{path.name} is suspiciously small"
    img = matplotlib.image.imread(path)
    assert min(img.shape[:2]) >= 300
    assert np.std(img[..., :3]) > 0.02, f"{path.name} looks blank"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_example_runs_and_writes_its_plots(name, example_runs):
    stdout, out = run_example(name, example_runs)
    pngs, phrases = EXPECTED[name]
    if pngs is None:  # not ours: whatever PNGs it writes must be real images
        pngs = [p.name for p in out.glob("*.png")]
        assert pngs, f"{name} wrote no PNG to --output-dir"
    for png in pngs:
        check_png(out / png)
    for phrase in phrases:
        assert phrase in stdout, f"{name} output lacks {phrase!r}:\n{stdout}"
    if name == "flagship":
        check_flagship_numbers(stdout)
    if name == "rayleigh_sphere":
        err = float(re.search(r"error ([0-9.e+-]+)", stdout).group(1))
        assert err < 1e-10
    if name == "gamma_clustering":
        agree = float(re.search(r"generating kinds: ([0-9.]+)%", stdout).group(1))
        assert agree >= 95.0, stdout
    if name == "solvers_comparison":
        assert "NOT converged" not in stdout, stdout
        spread = float(re.search(r"solvers agree to ([0-9.e+-]+)", stdout).group(1))
        assert spread < 1e-8
    if name == "reparametrization":
        m = re.search(
            r"Fisher–Rao distance\s+\(μ, σ\): ([0-9.]+)\s+\(μ, log σ\): ([0-9.]+)", stdout
        )
        assert m is not None, stdout
        assert float(m.group(1)) == pytest.approx(float(m.group(2)), rel=1e-8)


def check_flagship_numbers(stdout: str) -> None:
    rows, errors = {}, {}
    for line in stdout.splitlines():
        m = re.match(
            r"(plain gradient descent|natural gradient) .*?\s+(\d+)\s+(\d+)\s+([0-9.]+)"
            r"\s+([0-9.e+-]+)",
            line,
        )
        if m:
            rows[m.group(1)] = (int(m.group(2)), float(m.group(4)))
            errors[m.group(1)] = float(m.group(5))
    assert set(rows) == {"plain gradient descent", "natural gradient"}, stdout
    (plain_it, plain_loss), (nat_it, nat_loss) = (
        rows["plain gradient descent"],
        rows["natural gradient"],
    )
    assert nat_it < plain_it
    assert plain_loss == pytest.approx(nat_loss, abs=1e-8)
    # |θ − θ̂| against the MLE from scipy's root finder (not a run's own result)
    assert errors["natural gradient"] < 1e-9
    assert errors["plain gradient descent"] < 1e-5
