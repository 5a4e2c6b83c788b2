"""Chunked models: the same manifold as in memory, computed as a map-reduce over chunks.

The reference is always the in-memory model on the same rows (its own closed-form
nll, gradient and metric), and the fitted optimum of the in-memory natural gradient.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import infogeo as ig
from infogeo.models import ChunkedModel, Chunks

da = pytest.importorskip("dask.array")


def _split(X, y, sizes):
    edges = np.cumsum([0, *sizes])
    return [(X[a:b], y[a:b]) for a, b in itertools.pairwise(edges)]


def _sources(X, y):
    """The same data as every kind of chunked source (uneven chunks on purpose)."""
    n = len(y)
    sizes = [n // 3, n // 4, n - n // 3 - n // 4]
    return {
        "dask": (da.from_array(X, chunks=(n // 3, X.shape[1])), da.from_array(y, chunks=n // 5)),
        "array": (Chunks(X, y, chunk_size=n // 3 + 7), None),
        "list": (_split(X, y, sizes), None),
        "function": (lambda: iter(_split(X, y, sizes)), None),
    }


@pytest.mark.parametrize("kind", ["dask", "array", "list", "function"])
def test_logistic_pieces_equal_the_in_memory_model(logistic_data, kind):
    X, y = logistic_data
    memory = ig.models.logistic_regression(X, y)
    Xs, ys = _sources(X, y)[kind]
    chunked = ig.models.logistic_regression(Xs, ys)
    assert isinstance(chunked, ChunkedModel) and chunked.dim == memory.dim
    w = np.array([0.3, -0.2, 0.5, 0.1])
    assert chunked.nll(w) == pytest.approx(memory.nll(w), rel=1e-13)
    np.testing.assert_allclose(chunked.nll_grad(w), memory.nll_grad(w), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chunked.metric(w), memory.metric(w), rtol=1e-12, atol=1e-15)
    v = np.array([1.0, 2.0, -1.0, 0.5])
    np.testing.assert_allclose(
        chunked.fisher_vector_product(w, v), memory.fisher_vector_product(w, v), rtol=1e-12
    )
    assert chunked.data.passes == 1  # nll, gradient and metric at one w: one pass


@pytest.mark.parametrize(
    "build",
    [
        lambda X, y, **o: ig.models.poisson_regression(X, y, **o),
        lambda X, y, **o: ig.models.linear_regression(X, y, sigma=0.7, **o),
        lambda X, y, **o: ig.models.linear_regression(X, y, **o),
        lambda X, y, **o: ig.models.logistic_regression(X, (y > 1) * 1.0, l2=0.1, **o),
    ],
    ids=["poisson", "linear-known-sigma", "linear-sigma", "logistic-l2"],
)
def test_fit_reaches_the_in_memory_optimum(poisson_data, build):
    X, y = poisson_data
    memory = build(X, y)
    chunked = build(da.from_array(X, chunks=(70, 3)), da.from_array(y, chunks=70))
    ref = ig.NaturalGradientDescent(memory, gtol=1e-12).minimize()
    res = ig.NaturalGradientDescent(chunked, gtol=1e-12).minimize()
    assert ref.success and res.success
    np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-10)
    assert res.fun == pytest.approx(ref.fun, rel=1e-12)
    # one pass per natural-gradient step (each trial point is read once)
    assert chunked.data.passes <= res.nfev + 1


def test_softmax_needs_n_classes_and_matches_memory(softmax_data):
    X, y = softmax_data
    dX, dy = da.from_array(X, chunks=(100, 3)), da.from_array(y.astype(float), chunks=100)
    with pytest.raises(ValueError, match="n_classes is required"):
        ig.models.softmax_regression(dX, dy)
    memory = ig.models.softmax_regression(X, y, n_classes=3)
    chunked = ig.models.softmax_regression(dX, dy, n_classes=3)
    ref = ig.NaturalGradientDescent(memory, gtol=1e-11).minimize()
    res = ig.NaturalGradientDescent(chunked, gtol=1e-11).minimize()
    np.testing.assert_allclose(res.x, ref.x, atol=1e-9)


def test_memmap_source_reads_slices(tmp_path, logistic_data):
    X, y = logistic_data
    path = tmp_path / "X.dat"
    mm = np.memmap(path, dtype=float, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    X_disk = np.memmap(path, dtype=float, mode="r", shape=X.shape)
    model = ig.models.logistic_regression(X_disk, y, chunk_size=64)
    assert model.data.n_chunks == -(-len(y) // 64)
    ref = ig.NaturalGradientDescent(ig.models.logistic_regression(X, y), gtol=1e-12).minimize()
    res = ig.NaturalGradientDescent(model, gtol=1e-12).minimize()
    np.testing.assert_allclose(res.x, ref.x, atol=1e-10)


def test_separated_classes_are_refused_on_the_whole_data():
    X = np.linspace(-2, 2, 40)[:, None]
    y = (X[:, 0] > 0).astype(float)
    model = ig.models.logistic_regression(da.from_array(X, chunks=(10, 1)), da.from_array(y, 10))
    with pytest.raises(ig.ConvergenceError, match="separated"):
        ig.NaturalGradientDescent(model, max_iter=50).minimize()
    # every chunk alone is separable here, but with l2 the optimum is finite
    penalized = ig.models.logistic_regression(X, y, l2=0.1, chunk_size=10)
    assert ig.NaturalGradientDescent(penalized, gtol=1e-10).minimize().success


def test_bad_sources_are_named():
    X, y = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(TypeError, match="one-shot iterator"):
        ig.models.logistic_regression(iter([(X, y)]))
    with pytest.raises(ValueError, match="9 entries"):
        Chunks(X, y[:9])
    with pytest.raises(TypeError, match="both be Dask arrays"):
        Chunks(da.from_array(X), y)
    with pytest.raises(TypeError, match=r"chunk 0 must be a pair"):
        ig.models.logistic_regression([X]).nll(np.zeros(2))
    with pytest.raises(ValueError, match="y must be None"):
        ig.models.logistic_regression(Chunks(X, y), y)
    with pytest.raises(ValueError, match="labels 0 or 1"):
        ig.models.logistic_regression([(X, y + 3)]).nll(np.zeros(2))


class TestDaskGeometry:
    """Batched geometry on Dask arrays equals the numpy kernels chunk by chunk."""

    def test_distances_logs_exps_and_kl(self):
        rng = np.random.default_rng(3)
        G = ig.Gamma()
        a, b = G.random_point(60, rng=rng), G.random_point(60, rng=rng)
        A, B = da.from_array(a, chunks=(25, 2)), da.from_array(b, chunks=(20, 2))
        out = G.dist(A, B)
        assert isinstance(out, da.Array) and out.shape == (60,)
        np.testing.assert_allclose(out.compute(), G.dist(a, b), rtol=1e-12)
        np.testing.assert_allclose(G.kl(A, b[0]).compute(), G.kl(a, b[0]), rtol=1e-13)
        N = ig.Normal()
        p, v = N.random_point(50, rng=rng), rng.normal(size=(50, 2)) * 0.3
        P, V = da.from_array(p, chunks=(16, 2)), da.from_array(v, chunks=(16, 2))
        np.testing.assert_allclose(N.exp(P, V).compute(), N.exp(p, v), rtol=1e-13)
        np.testing.assert_allclose(N.log(P, p[::-1]).compute(), N.log(p, p[::-1]), rtol=1e-12)
        assert N.exp(P, V).chunks == ((16, 16, 16, 2), (2,))

    def test_numpy_inputs_stay_numpy(self):
        N = ig.Normal()
        assert isinstance(N.dist([0.0, 1.0], [1.0, 2.0]), (float, np.floating, np.ndarray))

    def test_pairwise_distances_by_row_blocks(self):
        G = ig.Gamma()
        pts = G.random_point(23, rng=4)
        rows = da.from_array(pts, chunks=(7, 2))
        within = ig.pairwise_dist(G, rows)
        assert isinstance(within, da.Array) and within.chunks[0] == (7, 7, 7, 2)
        np.testing.assert_allclose(within.compute(), ig.pairwise_dist(G, pts), rtol=1e-12)
        across = ig.pairwise_dist(G, rows, pts[:4])
        np.testing.assert_allclose(across.compute(), ig.pairwise_dist(G, pts, pts[:4]), rtol=1e-12)
        with pytest.raises(ValueError, match="condensed"):
            ig.pairwise_dist(G, rows, condensed=True)
