"""The fast ψ′, ψ″, ψ‴ used by the Gamma/Beta/Dirichlet connections, against scipy."""

import numpy as np
import pytest
from scipy.special import polygamma

from infogeo.statistics.families._polygamma import (
    _ZETA_BELOW,
    inverse_trigamma_excess,
    polygamma123,
    polygamma_excess,
    trigamma,
)


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


@pytest.mark.parametrize(
    "x, h",
    [(2.965e5, 3.1e-4), (1e-3, 5.0), (0.3, 1e-9), (50.0, 1e-6), (7.0, 3.0), (1e5, 1e5),
     (2.0, 1e-12), (1e-5, 1e-7), (1e-6, 1e6), (9.5, 0.25)],
)  # fmt: skip
def test_polygamma_excess_against_mpmath(x, h):
    """ψ⁽ⁿ⁾(x) − ψ⁽ⁿ⁾(x + h) to full relative precision, also where h ≪ x and the direct
    difference loses log₁₀(x/h) digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    out = polygamma_excess(np.array([x]), np.array([h]))
    for n, tol in ((1, 1e-14), (2, 1e-13), (3, 1e-12)):
        ref = mpmath.psi(n, mpmath.mpf(x)) - mpmath.psi(n, mpmath.mpf(x) + mpmath.mpf(h))
        assert float(abs((out[n - 1][0] - ref) / ref)) < tol


def test_inverse_trigamma_excess_against_mpmath():
    """g(x) = 1/ψ′(x) − x → −½ for large x, where the direct form loses log₁₀ x digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = np.array([1e-6, 0.01, 0.5, 3.0, 9.99, 10.0, 123.0, 1e5, 1e9])
    g = inverse_trigamma_excess(x)
    for xi, gi in zip(x, g):
        ref = 1 / mpmath.psi(1, mpmath.mpf(xi)) - mpmath.mpf(xi)
        assert float(abs((gi - ref) / ref)) < 5e-14


def test_exclusive_sums_do_not_subtract():
    from infogeo.statistics.families._dirichlet_metric import exclusive_sums

    a = np.array([[3.0, 1e-5, 7e15], [1.0, 2.0, 4.0]])
    # the sum of the others, never Σa − aᵢ (which gives 0 for the small entries here)
    expected = [[r[1] + r[2], r[0] + r[2], r[0] + r[1]] for r in a]
    np.testing.assert_array_equal(exclusive_sums(a), expected)
    assert exclusive_sums(a)[0, 2] == 3.0 + 1e-5 != a[0].sum() - a[0, 2]
    # the prefix-and-suffix route of long rows
    long = np.concatenate([np.full(70, 1e-3), [1e16]])
    others = exclusive_sums(long[None, :])[0]
    assert others[-1] == pytest.approx(0.07, rel=1e-14)
    np.testing.assert_allclose(others[:-1], 1e16, rtol=1e-15)


def test_polygamma_excess_computes_only_the_orders_asked_for():
    """At x = 1e-100 (h = 1e-110) Δ₁ ≈ 2h/x³ is finite while Δ₃ overflows: asking for Δ₁
    alone raises no overflow (RuntimeWarnings are errors in this suite)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    (d1,) = polygamma_excess(np.array([1e-100]), np.array([1e-110]), orders=(1,))
    ref = mpmath.psi(1, mpmath.mpf("1e-100")) - mpmath.psi(
        1, mpmath.mpf("1e-100") + mpmath.mpf("1e-110")
    )
    assert float(abs((d1[0] - ref) / ref)) < 1e-13
    both = polygamma_excess(np.array([3.0, 7e4]), np.array([0.5, 2.0]), orders=(2, 3))
    full = polygamma_excess(np.array([3.0, 7e4]), np.array([0.5, 2.0]))
    np.testing.assert_array_equal(both[0], full[1])
    np.testing.assert_array_equal(both[1], full[2])
