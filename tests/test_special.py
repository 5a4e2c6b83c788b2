"""The special-function primitives against scipy's values and finite differences."""

import autograd
import numpy as np
import pytest
import scipy.special as sp

from infogeo._special import digamma, gammaln, polygamma

X = np.array([0.05, 0.3, 1.0, 1.7, 5.0, 40.0])


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(
    "fun, ref",
    [
        (gammaln, sp.gammaln),
        (digamma, sp.digamma),
        (lambda x: polygamma(1, x), lambda x: sp.polygamma(1, x)),
        (lambda x: polygamma(2, x), lambda x: sp.polygamma(2, x)),
    ],
)
def test_derivative_matches_finite_difference(fun, ref):
    grad = autograd.elementwise_grad(fun)(X)
    fd = central_difference(ref, X)
    np.testing.assert_allclose(grad, fd, rtol=1e-6)


def test_second_derivative_of_gammaln_is_trigamma():
    second = autograd.elementwise_grad(autograd.elementwise_grad(gammaln))(X)
    np.testing.assert_allclose(second, sp.polygamma(1, X), rtol=1e-14)


def test_import_infogeo_does_not_import_scipy_stats():
    import subprocess
    import sys

    code = "import sys, infogeo; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
