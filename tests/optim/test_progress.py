"""One tqdm bar per run, complete when the run ends: in a terminal (tqdm's text bar,
captured from stderr) and in a notebook (tqdm.notebook's widget)."""

import re

import numpy as np
import pytest

import infogeo as ig
from infogeo.statistics import Bernoulli, Categorical, Gamma, MultivariateNormal, Normal, Poisson

pytest.importorskip("tqdm")


def bars(err: str) -> list[str]:
    """The final state of every bar left on the terminal: tqdm redraws a bar with
    carriage returns and ends it with a newline when it is closed (``leave=True``)."""
    return [line.split("\r")[-1].strip() for line in err.split("\n") if line.strip()]


FAMILIES = [
    (Normal(), [0.0, 1.0]),  # the start (moments) is the MLE: 0 iterations
    (Poisson(), [3.0]),  # likewise
    (Gamma(), [2.0, 1.0]),
    (Bernoulli(), [0.3]),
    (Categorical(3), [0.2, 0.3]),
    (MultivariateNormal(2), MultivariateNormal(2).pack([0.0, 0.0], np.eye(2))),
]


@pytest.mark.parametrize(("family", "theta"), FAMILIES, ids=lambda v: type(v).__name__)
def test_fit_shows_one_bar_that_completes(family, theta, capsys):
    data = family.sample(np.asarray(theta, float), size=200, rng=1)
    res = ig.fit(family, data, progress=True)
    shown = bars(capsys.readouterr().err)
    assert res.success and len(shown) == 1, shown
    n = res.nit
    if n:
        assert re.search(rf"100%.*\b{n}/{n}\b", shown[0]), shown[0]
    else:  # stopped at the start: nothing left to run, no "0/500"
        assert "0it" in shown[0] and "/500" not in shown[0]
    assert f"grad_norm={res.grad_norm:.3g}" in shown[0]


def test_each_solver_and_model_shows_one_complete_bar(capsys):
    rng = np.random.default_rng(0)
    M, d = Normal(), rng.normal(size=100)
    for method in ["gd", "cg", "lbfgs", "trust-region", "momentum"]:
        res = ig.minimize(lambda t: M.nll(t, d), [1.0, 2.0], M, method=method, progress=True)
        shown = bars(capsys.readouterr().err)
        assert len(shown) == 1 and f"{res.nit}/{res.nit}" in shown[0], (method, shown)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(float)
    res = ig.NaturalGradientDescent(ig.models.logistic_regression(X, y), progress=True).minimize()
    shown = bars(capsys.readouterr().err)
    assert len(shown) == 1 and f"{res.nit}/{res.nit}" in shown[0]


def test_a_failed_run_closes_its_bar_at_the_iterations_run(capsys):
    M, d = Normal(), np.random.default_rng(0).normal(size=50)
    res = ig.minimize(lambda t: M.nll(t, d), [1.0, 2.0], M, max_iter=2, gtol=1e-300, progress=True)
    shown = bars(capsys.readouterr().err)
    assert not res.success and len(shown) == 1 and "2/2" in shown[0]


def test_notebook_widget_is_complete(monkeypatch, capsys):
    """tqdm.notebook fixes the widget's maximum when it is built: a fit that stops after
    2 iterations used to leave the widget at 2/500 (0/500 for a start at the MLE)."""
    pytest.importorskip("ipywidgets")
    from tqdm.notebook import tqdm as notebook_tqdm

    made = []

    def notebook_bar(total, fun=None, grad_norm=None):
        bar = notebook_tqdm(total=total, desc="minimize", unit="it")
        made.append(bar)
        return bar

    monkeypatch.setattr("infogeo.optim.loop.progress_bar", notebook_bar)
    d = Gamma().sample([2.0, 1.0], size=100, rng=0)
    res = ig.fit(Gamma(), d, progress=True)
    (bar,) = made
    widget = bar.container.children[1]
    assert res.nit > 0 and bar.total == bar.n == res.nit
    assert widget.max == widget.value == res.nit and widget.bar_style == "success"
