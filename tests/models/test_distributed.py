"""A natural-gradient fit on a real ``dask.distributed`` cluster (two worker processes
on the loopback interface, started and shut down by the test itself)."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


def test_logistic_regression_fits_on_a_local_cluster():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        # the data are generated chunk by chunk on the workers, never on the client
        rng = da.random.default_rng(20261203)
        n, d, chunk = 120_000, 4, 30_000
        X = rng.standard_normal((n, d), chunks=(chunk, d))
        w_true = np.array([0.8, -1.2, 0.4, 0.0])
        y = (rng.random(n, chunks=chunk) < 1.0 / (1.0 + da.exp(-(X @ w_true) - 0.3))) * 1.0
        model = ig.models.logistic_regression(X, y, intercept=True)
        res = ig.NaturalGradientDescent(model, gtol=1e-12).minimize()
        assert res.success, res.message
        assert model.data.passes <= res.nfev + 1
        X_mem, y_mem = client.compute([X, y], sync=True)  # the same rows, in memory
    ref = ig.NaturalGradientDescent(
        ig.models.logistic_regression(X_mem, y_mem, intercept=True), gtol=1e-12
    ).minimize()
    np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.x[1:], w_true, atol=0.05)  # and it is the right model
