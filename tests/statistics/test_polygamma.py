"""The fast ψ′, ψ″, ψ‴ used by the Gamma/Beta/Dirichlet connections, against scipy."""

import numpy as np
from scipy.special import polygamma

from infogeo.statistics.families._polygamma import polygamma123


def test_polygamma123_matches_scipy():
    x = np.concatenate([np.geomspace(1e-4, 1e5, 3000), np.linspace(0.5, 12.0, 500)])
    for n, value in enumerate(polygamma123(x), start=1):
        np.testing.assert_allclose(value, polygamma(n, x), rtol=1e-14)


def test_polygamma123_shapes():
    x = np.full((2, 3), 2.5)
    for value in polygamma123(x):
        assert value.shape == (2, 3)
    assert np.shape(polygamma123(np.float64(30.0))[0]) == ()
