"""Second-order forward-mode jets against autograd (reverse mode) and closed forms."""

import autograd
import autograd.numpy as anp
import autograd.scipy.special as asp
import numpy as np
import pytest
import scipy.special as sp
from autograd.scipy.stats import norm

import infogeo as ig
from infogeo._jet import JetUnsupported, value_grad_hessian

X = np.linspace(0.2, 0.9, 5)
THETA = np.array([0.7, 1.3])


def reverse(f, theta):
    """Value, per-output Jacobian and per-output Hessians by autograd."""
    v = f(theta)
    J = autograd.jacobian(f)(theta)
    H = autograd.jacobian(autograd.jacobian(f))(theta)
    return v, J, H


def assert_matches_autograd(f, theta=THETA, rtol=1e-12):
    v, g, h = value_grad_hessian(f, theta)
    v_ref, g_ref, h_ref = reverse(f, theta)
    scale = max(1.0, float(np.max(np.abs(h_ref))))
    np.testing.assert_allclose(v, v_ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(g, g_ref, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(h, h_ref, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(h, np.swapaxes(h, -1, -2), atol=1e-14 * scale)


# u = θ₀ x + θ₁ / 4 takes values in (0.45, 0.96): inside every domain below
UNARY = [
    anp.log,
    anp.exp,
    anp.expm1,
    anp.log1p,
    anp.sqrt,
    anp.reciprocal,
    anp.sin,
    anp.cos,
    anp.tan,
    anp.tanh,
    anp.sinh,
    anp.cosh,
    anp.arctan,
    anp.arcsinh,
    anp.arctanh,
    anp.abs,
    anp.square,
    anp.log2,
    anp.log10,
    asp.gammaln,
    asp.digamma,
    asp.expit,
    asp.logit,
    asp.erf,
    asp.erfc,
]


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: getattr(f, "__name__", str(f)))
def test_unary_rules(fn):
    assert_matches_autograd(lambda t: fn(t[0] * X + t[1] / 4) * t[1])


# autograd warns that max/min of a constant branch does not depend on θ
@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a / b,
        lambda a, b: a**b,
        lambda a, b: a**2.5,
        lambda a, b: 2.0**b,
        lambda a, b: anp.logaddexp(a, b),
        lambda a, b: anp.arctan2(a, b),
        lambda a, b: asp.betaln(a, b),
        lambda a, b: anp.maximum(a, b) + anp.minimum(a, 3 * b),
        lambda a, b: 1.0 / a - b / 2.0 - (3.0 - a) * (b - 1.0),
    ],
)
def test_binary_rules(fn):
    assert_matches_autograd(lambda t: fn(t[0] * X + 0.1, t[1] * X[::-1] + 0.2))


def test_scipy_ufuncs_without_autograd_wrappers():
    # scipy.special functions called directly dispatch to the jet as well; the
    # reference spells each one out (xlogy(a, b) = a log b, log_ndtr = log Φ)
    def with_jets(t):
        a, b = t[0] * X + 0.1, t[1] * X[::-1] + 0.2
        return sp.gammaln(a) + sp.log_ndtr(b - 1.0) + sp.xlogy(a, b) + sp.xlog1py(b, a) * a

    def spelled_out(t):
        a, b = t[0] * X + 0.1, t[1] * X[::-1] + 0.2
        return asp.gammaln(a) + norm.logcdf(b - 1.0) + a * anp.log(b) + b * anp.log1p(a) * a

    v, g, h = value_grad_hessian(with_jets, THETA)
    v_ref, g_ref, h_ref = reverse(spelled_out, THETA)
    np.testing.assert_allclose(v, v_ref, rtol=1e-13)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12)
    np.testing.assert_allclose(h, h_ref, rtol=1e-10, atol=1e-13)


def test_closed_form_normal_log_density():
    # ∇²_θ log N(x | μ, σ) in (μ, σ): [[−1/σ², −2(x−μ)/σ³], [·, 1/σ² − 3(x−μ)²/σ⁴]]
    mu, sigma = 0.3, 1.7
    x = np.linspace(-3.0, 3.0, 7)

    def lp(t):
        return -0.5 * np.log(2 * np.pi) - anp.log(t[1]) - 0.5 * ((x - t[0]) / t[1]) ** 2

    _, _, h = value_grad_hessian(lp, np.array([mu, sigma]))
    z = x - mu
    expected = np.empty((x.size, 2, 2))
    expected[:, 0, 0] = -1 / sigma**2
    expected[:, 0, 1] = expected[:, 1, 0] = -2 * z / sigma**3
    expected[:, 1, 1] = 1 / sigma**2 - 3 * z**2 / sigma**4
    np.testing.assert_allclose(h, expected, rtol=1e-13, atol=1e-15)


def test_array_functions_and_indexing():
    A = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])

    def f(t):
        u = anp.concatenate([t, t**2])  # (4,)
        m = anp.reshape(u, (2, 2))
        s = anp.sum(m, axis=0) + anp.mean(m.T, axis=1) + anp.squeeze(anp.expand_dims(t, 0))
        w = anp.where(X > 0.5, anp.sum(t * X[:, None] ** [1, 2], axis=-1), t[..., 0] * X)
        out = anp.dot(A, s) @ np.ones(3) + anp.sum(w) + (t @ A.T)[1]
        return out * X + anp.log(t[..., -1])

    assert_matches_autograd(f)


def test_tiled_parameters_give_each_node_its_own_derivatives():
    # one parameter vector per node, in the (dim, n) layout: node m depends on column m
    thetas = np.stack([np.linspace(0.5, 1.5, X.size), np.linspace(1.0, 2.0, X.size)])

    def lp(x, t):
        return t[0] * anp.log(t[1]) - asp.gammaln(t[0]) + (t[0] - 1) * anp.log(x) - t[1] * x

    _, g, h = value_grad_hessian(lambda T: lp(X, T), thetas, axis=0)
    for m in range(X.size):
        _, g_ref, h_ref = reverse(lambda t, m=m: lp(X[m : m + 1], t), thetas[:, m])
        np.testing.assert_allclose(g[m], g_ref[0], rtol=1e-13)
        np.testing.assert_allclose(h[m], h_ref[0], rtol=1e-13)


@pytest.mark.parametrize(
    "f",
    [
        lambda t: anp.stack([t[0], t[1]]) * X[:2],  # autograd's stack builds an array
        lambda t: np.sort(t),
        lambda t: float(t[0]) * X,
        lambda t: sp.polygamma(2, t[0] * X),
        lambda t: np.cumsum(t),
    ],
)
def test_operations_without_a_rule_refuse(f):
    with pytest.raises(JetUnsupported):
        value_grad_hessian(f, THETA)


def test_parametric_family_falls_back_to_autograd():
    # anp.stack has no jet rule: the family uses autograd, with the same metric
    def log_prob(x, t):
        s = anp.stack([t[0], t[1]])
        return -0.5 * np.log(2 * np.pi) - anp.log(s[1]) - 0.5 * ((x - s[0]) / s[1]) ** 2

    fam = ig.ParametricFamily(log_prob, 2, "real", bounds=[(None, None), (0, None)])
    theta = np.array([0.4, 1.7])
    np.testing.assert_allclose(fam.fisher(theta), ig.Normal().fisher(theta), atol=1e-12)
    assert fam._jets is False


def test_parametric_family_uses_jets_and_checks_them():
    def log_prob(x, t):
        return -0.5 * np.log(2 * np.pi) - anp.log(t[1]) - 0.5 * ((x - t[0]) / t[1]) ** 2

    fam = ig.ParametricFamily(log_prob, 2, "real", bounds=[(None, None), (0, None)])
    theta = np.array([[0.4, 1.7], [-3.0, 0.2]])
    np.testing.assert_allclose(fam.fisher(theta), ig.Normal().fisher(theta), atol=1e-12)
    assert fam._jets is True
