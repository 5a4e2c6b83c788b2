"""The solvers' hot path (:mod:`infogeo.optim._ops`): unchecked twins of the manifold
methods must give the same runs as the public, checked methods.

The reference run of each case uses a copy of the manifold whose class re-defines the
twins (delegating to the originals), so that the solvers fall back to the public
methods, argument checks and ``check_point`` included; both runs must agree bit for bit
(iterates, counts, history). Each case also asserts which path the solver took, so the
comparison cannot pass by running the same path twice.
"""

from __future__ import annotations

import copy
import os

import autograd.numpy as anp
import numpy as np
import pytest

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig
from infogeo.optim._ops import ManifoldOps, unchecked_twin
from infogeo.optim.result import History

METHODS = ["gd", "cg", "lbfgs", "trust-region", "momentum", "adam"]
TWINS = ("retract", "riemannian_gradient", "vector_transport", "inner")


def checked_copy(manifold):
    """``manifold`` with a class whose twins (and ``_contains_point``) delegate to the
    originals: the solvers then see no twin and call the public methods."""
    base = type(manifold)
    names = [f"_unchecked_{n}" for n in TWINS] + ["_contains_point"]

    def delegate(name):
        def method(self, *args, **kwargs):
            return getattr(super(cls, self), name)(*args, **kwargs)

        method.__name__ = name
        return method

    cls = type(f"Checked{base.__name__}", (base,), {n: delegate(n) for n in names})
    out = copy.copy(manifold)
    out.__class__ = cls
    return out


def _sphere():
    from geomstats.geometry.hypersphere import Hypersphere

    rng = np.random.default_rng(0)
    B = rng.standard_normal((12, 12))
    A = B @ B.T / 12
    x0 = rng.standard_normal(12)
    x0 /= np.linalg.norm(x0)

    def fun_grad(x):  # one call for value and gradient (grad=True), except for CG
        Ax = A @ x
        return -float(x @ Ax), -2.0 * Ax

    return ig.from_geomstats(Hypersphere(11)), fun_grad, x0, {"hessp": lambda x, v: -2 * A @ v}


def _spd():
    from geomstats.geometry.spd_matrices import SPDMatrices

    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 3))
    Q = W @ W.T / 3 + 0.5 * np.eye(3)

    def fun(p):  # ½‖P − Q‖²_F: gradient P − Q
        D = anp.reshape(p, (3, 3)) - Q
        return 0.5 * anp.sum(D * D)

    return ig.from_geomstats(SPDMatrices(3)), fun, np.eye(3).ravel(), {}


def _gamma():
    fam = ig.Gamma()
    data = fam.sample(np.array([2.0, 3.0]), size=200, rng=3)
    return fam, lambda t: fam.nll(t, data), np.array([1.0, 1.0]), {}


def _bounded_metric():
    # a chart with box bounds: the base class's retraction, transport and box test
    M = ig.MetricManifold(
        lambda p: anp.eye(2) / p[..., 1, None, None] ** 2, 2, bounds=[(None, None), (0, None)]
    )
    target = np.array([0.3, 2.0])
    return M, lambda p: anp.sum((p - target) ** 2), np.array([1.0, 0.5]), {}


CASES = {"sphere": _sphere, "spd": _spd, "gamma": _gamma, "bounded": _bounded_metric}


def _run(manifold, fun, x0, method, extra):
    opts = {"max_iter": 60, "gtol": 1e-10, **(extra if method == "trust-region" else {})}
    if method in ("momentum", "adam"):
        opts["step_size"] = 0.05
    grad = None
    if isinstance(fun(x0), tuple):  # fun returns (value, gradient)
        grad = True
        if method == "cg":  # CG's probes want values alone
            fun, grad = (lambda x, f=fun: f(x)[0]), (lambda x, f=fun: f(x)[1])
    return ig.minimize(fun, x0, manifold, grad=grad, method=method, **opts)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", list(CASES))
def test_unchecked_twins_give_the_checked_run(case, method):
    manifold, fun, x0, extra = CASES[case]()
    checked = checked_copy(manifold)
    # the two runs take different paths: twins for the original, public methods for the copy
    fast_ops, slow_ops = ManifoldOps(manifold, "retract"), ManifoldOps(checked, "retract")
    assert fast_ops.update == manifold._unchecked_retract
    assert slow_ops.update == checked.retract
    assert fast_ops._contains is not None and slow_ops._contains is None

    fast = _run(manifold, fun, x0, method, extra)
    slow = _run(checked, fun, x0, method, extra)
    assert fast.nit > 1
    assert fast.x.tobytes() == slow.x.tobytes()
    assert (fast.nit, fast.nfev, fast.njev, fast.status) == (
        slow.nit,
        slow.nfev,
        slow.njev,
        slow.status,
    )
    assert fast.fun == slow.fun
    for name, values in fast.history.items():
        assert values.tobytes() == slow.history[name].tobytes(), name


def test_twin_only_from_the_class_that_defines_the_public_method():
    from geomstats.geometry.hypersphere import Hypersphere

    M = ig.from_geomstats(Hypersphere(2))
    assert unchecked_twin(M, "retract") == M._unchecked_retract

    class OwnRetract(type(M)):
        def retract(self, p, v):  # overrides the public method, not the twin
            return super().retract(p, v)

    sub = OwnRetract(M.space)
    assert unchecked_twin(sub, "retract") == sub.retract
    assert unchecked_twin(sub, "riemannian_gradient") == sub._unchecked_riemannian_gradient

    patched = ig.from_geomstats(Hypersphere(2))
    patched.retract = lambda p, v: p  # a method set on the instance wins
    assert unchecked_twin(patched, "retract") is patched.retract

    class DuckTyped:  # the manifold interface without the base class
        dim = 2

        def retract(self, p, v):
            return p + v

    duck = DuckTyped()
    assert unchecked_twin(duck, "retract") == duck.retract
    assert unchecked_twin(duck, "vector_transport") is None


@pytest.mark.parametrize(
    "make, points",
    [
        (
            lambda: __import__("infogeo").from_geomstats(
                __import__("geomstats.geometry.hypersphere", fromlist=["x"]).Hypersphere(2)
            ),
            [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [1.0, 1e-6, 0.0], [2.0, 0.0, 0.0],
             [np.nan, 0.0, 0.0], [np.inf, 0.0, 0.0], [1e200, 1e200, 0.0]],
        ),
        (ig.Gamma, [[1.0, 2.0], [0.0, 1.0], [-1.0, 1.0], [1.0, np.inf], [np.nan, 1.0]]),
        (
            lambda: ig.MultivariateNormal(2),  # its own constraints: falls back to check_point
            [[0.0, 0.0, 1.0, 0.2, 1.0], [0.0, 0.0, 1.0, 2.0, 1.0], [0.0, np.nan, 1.0, 0.0, 1.0]],
        ),
    ],
)  # fmt: skip
def test_contains_point_is_check_point(make, points):
    M = make()
    for p in np.array(points, dtype=float):
        with np.errstate(all="ignore"):  # 1e200²: as inside a run
            _same_verdict(M, p)


def _same_verdict(M, p):
    """``_contains_point`` and ``ManifoldOps.checked`` agree with ``check_point``."""
    try:
        M.check_point(p)
        expected = True
    except ValueError:
        expected = False
    assert bool(M._contains_point(p)) is expected, p
    assert (ManifoldOps(M, "retract").checked(p) is not None) == expected, p


def test_move_keeps_the_check_of_the_step():
    from geomstats.geometry.hypersphere import Hypersphere

    ops = ManifoldOps(ig.from_geomstats(Hypersphere(2)), "retract")
    x = np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(ops.move(x, np.array([0.0, 1.0, 0.0])), [2**-0.5, 2**-0.5, 0.0])
    with pytest.raises(ValueError, match="non-finite"):
        ops.move(x, np.array([0.0, np.inf, 0.0]))


def test_history_record_is_append():
    a, b = History(), History()
    row = (1.5, 0.25, 0.5, True, 0.0, False)
    a.record(*row)
    b.append(**dict(zip(History.fields, row)))
    assert {k: v.tolist() for k, v in a.as_arrays().items()} == {
        k: v.tolist() for k, v in b.as_arrays().items()
    }


def test_fresh_rule_is_an_independent_copy():
    from infogeo.optim.step_size import ArmijoBacktracking, StepRule

    rule = ArmijoBacktracking(max_length=2.0)
    rule._radius = 5.0  # state of an earlier run
    fresh = rule.fresh()
    assert fresh is not rule and vars(fresh) == vars(rule)
    fresh._radius = 7.0
    assert rule._radius == 5.0

    class WithMemory(StepRule):  # a mutable attribute: deep-copied
        def __init__(self):
            super().__init__()
            self.trials = [1.0]

    rule = WithMemory()
    fresh = rule.fresh()
    fresh.trials.append(0.5)
    assert rule.trials == [1.0]
