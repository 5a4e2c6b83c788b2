"""The fast ψ′, ψ″, ψ‴ used by the Gamma/Beta/Dirichlet connections, against scipy."""

import numpy as np
from scipy.special import polygamma

from infogeo.statistics.families._polygamma import _ZETA_BELOW, polygamma123, trigamma


def test_polygamma123_matches_scipy():
    x = np.concatenate([np.geomspace(1e-4, 1e5, 3000), np.linspace(0.5, 12.0, 500)])
    for n, value in enumerate(polygamma123(x), start=1):
        np.testing.assert_allclose(value, polygamma(n, x), rtol=1e-14)


def test_polygamma123_shapes():
    x = np.full((2, 3), 2.5)
    for value in polygamma123(x):
        assert value.shape == (2, 3)
    assert np.shape(polygamma123(np.float64(30.0))[0]) == ()


def test_small_arrays_take_the_zeta_route_and_match_mpmath():
    # fewer than _ZETA_BELOW values use scipy's Hurwitz zeta; mpmath is independent
    mpmath = __import__("pytest").importorskip("mpmath")
    x = np.array([1e-4, 0.37, 3.0, 47.5, 2e5])
    assert x.size < _ZETA_BELOW
    for n, value in enumerate(polygamma123(x), start=1):
        expected = [float(mpmath.psi(n, mpmath.mpf(float(xi)))) for xi in x]
        np.testing.assert_allclose(value, expected, rtol=1e-13)
    np.testing.assert_allclose(trigamma(x), polygamma123(x)[0], rtol=0)


def test_zeta_and_recurrence_routes_agree():
    x = np.geomspace(1e-3, 1e4, 4 * _ZETA_BELOW)
    batch = polygamma123(x)  # the recurrence
    single = [polygamma123(x[i : i + 1]) for i in range(x.size)]  # zeta, one by one
    for n in range(3):
        np.testing.assert_allclose(batch[n], np.concatenate([s[n] for s in single]), rtol=1e-14)
