"""K-FAC: Kronecker factors against the exact Fisher metric, the damped solve, options."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import infogeo as ig
from infogeo.models import mlp_classifier, softmax_regression
from infogeo.models.kfac import KFAC, Block, KroneckerFactors


@pytest.fixture
def data():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] * X[:, 2] > 0.3)
    return X, y


def _exact_blocks(model, w):
    G = model.metric(w)
    return [G[lo:hi, lo:hi] for lo, _, hi in model.network.slices]  # each layer's [W; b] block


def test_kfac_is_the_exact_block_for_one_example(data):
    # with one example ā is fixed, so E[āāᵀ ⊗ δδᵀ] = āāᵀ ⊗ E[δδᵀ] exactly (any depth)
    X, y = data
    model = mlp_classifier(X, y, hidden=(5, 4), seed=1)
    w = model.initial_point() + 0.2
    for i in (0, 17):
        one = model.subset([i])
        factors = one._kfac_factors(w, None)
        for a, g, exact in zip(factors.A, factors.G, _exact_blocks(one, w)):
            np.testing.assert_allclose(np.kron(a, g), exact, rtol=1e-11, atol=1e-14)


def test_kfac_factors_average_the_per_example_factors(data):
    X, y = data
    model = mlp_classifier(X, y, hidden=(5,), seed=1)
    w = model.initial_point() - 0.1
    full = model._kfac_factors(w, None)
    singles = [model.subset([i])._kfac_factors(w, None) for i in range(model.n_samples)]
    for layer in range(2):
        np.testing.assert_allclose(
            full.A[layer], np.mean([s.A[layer] for s in singles], axis=0), rtol=1e-12
        )
        np.testing.assert_allclose(
            full.G[layer], np.mean([s.G[layer] for s in singles], axis=0), rtol=1e-12
        )
    # the diagonal blocks of the exact metric are the averages of āāᵀ ⊗ Sᵢ; K-FAC
    # replaces them by (mean āāᵀ) ⊗ (mean Sᵢ): close, not equal
    exact = _exact_blocks(model, w)
    approx = full.dense()
    lo, _, hi = model.network.slices[1]
    err = np.linalg.norm(approx[lo:hi, lo:hi] - exact[1]) / np.linalg.norm(exact[1])
    assert 1e-6 < err < 0.5
    # minibatch estimates are the factors of the subset model
    rows = np.array([3, 8, 20])
    sub = model._kfac_factors(w, rows)
    ref = model.subset(rows)._kfac_factors(w, None)
    for a, b in zip(sub.A + sub.G, ref.A + ref.G):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("hidden", [(5,), (6, 4)])
def test_closed_form_factors_equal_backpropagated_ones(data, hidden):
    # reference: every G_l from the K factors cₖ = √pₖ(eₖ − p) backpropagated through
    # the whole network, every A_l from the explicit [a, 1] (the textbook route)
    X, y = data
    model = mlp_classifier(X, y, hidden=hidden, seed=2)
    w = model.initial_point() + 0.3 * np.sin(np.arange(model.dim))
    fp = model.network.forward(w, model.X)
    Z = fp.logits
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    K, n = P.shape[1], model.n_samples
    C = np.sqrt(P)[:, :, None] * (np.eye(K)[None, :, :] - P[:, None, :])
    factors = model._kfac_factors(w, None)
    for layer, delta in enumerate(model.network.backward_deltas(fp, C)):
        flat = delta.reshape(-1, delta.shape[-1])
        np.testing.assert_allclose(factors.G[layer], flat.T @ flat / n, rtol=1e-11, atol=1e-15)
        ab = np.hstack([fp.inputs[layer], np.ones((n, 1))])
        np.testing.assert_allclose(factors.A[layer], ab.T @ ab / n, rtol=1e-12, atol=1e-15)


def test_softmax_kfac_exact_for_one_input_and_equal_probabilities(softmax_data):
    X, y = softmax_data
    model = softmax_regression(X, y)
    # one example: G = xxᵀ ⊗ (diag(p) − ppᵀ) is exactly Kronecker
    w = np.linspace(-0.5, 0.7, model.dim)
    one = model.subset([5])
    np.testing.assert_allclose(one._kfac_factors(w, None).dense(), one.metric(w), rtol=1e-12)
    # at w = 0 every example has the same p, so the whole metric is Kronecker
    w0 = np.zeros(model.dim)
    np.testing.assert_allclose(model._kfac_factors(w0, None).dense(), model.metric(w0), atol=1e-15)
    # elsewhere: an approximation of the full metric
    approx, exact = model._kfac_factors(w, None).dense(), model.metric(w)
    assert 1e-4 < np.linalg.norm(approx - exact) / np.linalg.norm(exact) < 0.5


def test_damped_kronecker_solve_against_dense_solve():
    rng = np.random.default_rng(0)
    blocks, A, G = [], [], []
    start = 0
    for rows, cols in ((4, 3), (2, 5)):
        a = rng.standard_normal((rows, rows + 2))
        g = rng.standard_normal((cols, 1))  # rank one: singular G
        blocks.append(Block(start, rows, cols))
        A.append(a @ a.T)
        G.append(g @ g.T)
        start += rows * cols
    factors = KroneckerFactors(blocks, A, G)
    v = rng.standard_normal(start)
    for gamma in (1e-3, 0.3, 10.0):
        ref = np.linalg.solve(factors.dense() + gamma * np.eye(start), v)
        np.testing.assert_allclose(factors.solve(v, gamma), ref, rtol=1e-8)
    np.testing.assert_allclose(factors.matvec(v), factors.dense() @ v, rtol=1e-12)
    # factored Tikhonov damping: (A + π√γ I) ⊗ (G + √γ/π I) per block, dense reference
    for gamma in (1e-3, 0.3):
        dense = np.zeros((start, start))
        for blk, a, g in zip(blocks, A, G):
            pi = np.sqrt((np.trace(a) / blk.rows) / (np.trace(g) / blk.cols))
            r = np.sqrt(gamma)
            dense[blk.start : blk.stop, blk.start : blk.stop] = np.kron(
                a + pi * r * np.eye(blk.rows), g + r / pi * np.eye(blk.cols)
            )
        ref = np.linalg.solve(dense, v)
        np.testing.assert_allclose(factors.solve(v, gamma, factored=True), ref, rtol=1e-8)
    # relative damping: γ_l = γ_rel (tr A_l / rows)(tr G_l / cols) per block, plus γ
    for gamma, rel in ((0.0, 1e-3), (0.01, 0.5)):
        dense = factors.dense()
        for blk, a, g in zip(blocks, A, G):
            scale = (np.trace(a) / blk.rows) * (np.trace(g) / blk.cols)
            dense[blk.start : blk.stop, blk.start : blk.stop] += (gamma + rel * scale) * np.eye(
                blk.rows * blk.cols
            )
        ref = np.linalg.solve(dense, v)
        np.testing.assert_allclose(factors.solve(v, gamma, relative=rel), ref, rtol=1e-8)
    # the relative damping is scale-free: scaling a block's factors by c scales its
    # solution by 1/c
    scaled = KroneckerFactors(blocks, [1e-9 * a for a in A], G)
    np.testing.assert_allclose(
        scaled.solve(v, 0.0, relative=1e-3), 1e9 * factors.solve(v, 0.0, relative=1e-3),
        rtol=1e-8,
    )  # fmt: skip
    with pytest.raises(ValueError, match="damping"):
        factors.solve(v, 0.0)
    with pytest.raises(ValueError, match="damping"):
        factors.solve(v, 0.0, factored=True)
    with pytest.raises(ValueError, match="do not fit"):
        KroneckerFactors(blocks, A[::-1], G)


def test_rescaled_direction_minimizes_the_exact_quadratic_model(data):
    X, y = data
    model = mlp_classifier(X, y, hidden=(6,), seed=3).with_metric("kfac", damping=1e-3)
    w = model.initial_point()
    lam = 0.05
    G = model.metric(w) + lam * np.eye(model.dim)
    g = model.nll_grad(w)
    d = model.riemannian_gradient(w, g, damping=lam)
    # one direction: d = αΔ with α = gᵀΔ / Δᵀ(G + λ)Δ, so gᵀd = dᵀ(G + λ)d
    assert g @ d == pytest.approx(d @ G @ d, rel=1e-10)
    # after a step the previous step joins: the residual g − (G + λ)d is orthogonal to
    # both Δ and the step δ
    w2 = w - 0.5 * d
    G2 = model.metric(w2) + lam * np.eye(model.dim)
    g2 = model.nll_grad(w2)
    d2 = model.riemannian_gradient(w2, g2, damping=lam)
    delta = model.kfac.factors.solve(g2, lam, relative=model.kfac.damping)
    r = g2 - G2 @ d2
    assert abs(r @ delta) < 1e-9 * abs(g2 @ delta)
    assert abs(r @ (0.5 * d)) < 1e-9 * np.linalg.norm(g2) * np.linalg.norm(0.5 * d)


def test_update_every_and_decay_reuse_and_average_factors(data):
    X, y = data
    model = mlp_classifier(X, y, hidden=(4,)).with_metric("kfac", update_every=3, decay=0.5)
    w = model.initial_point()
    first = None
    for k in range(4):
        wk = w + 0.1 * k
        model.riemannian_gradient(wk, model.nll_grad(wk), damping=1e-2)
        if k == 0:
            first = model.kfac.factors
        if k < 3:
            assert model.kfac.factors is first
    assert model.kfac.updates == 2
    fresh = model._kfac_factors(w + 0.3, None)
    np.testing.assert_allclose(model.kfac.factors.A[1], 0.5 * first.A[1] + 0.5 * fresh.A[1])
    # with_metric gives fresh state
    assert model.with_metric("kfac").kfac.factors is None


def test_kfac_option_validation(data, logistic_data):
    X, y = data
    with pytest.raises(TypeError, match="unknown K-FAC option"):
        mlp_classifier(X, y, solver="kfac", kfac={"dampin": 1e-3})
    with pytest.raises(ValueError, match="decay"):
        KFAC(decay=1.0)
    with pytest.raises(ValueError, match="Kronecker"):
        ig.models.logistic_regression(*logistic_data, solver="kfac")
    with pytest.raises(ValueError, match="metric must be one of"):
        mlp_classifier(X, y).with_metric("fisher")
    with pytest.raises(ValueError, match="preconditioner"):
        mlp_classifier(X, y, preconditioner="ilu")
    with pytest.raises(TypeError, match="predictive model"):
        ig.NaturalGradientDescent(ig.Normal(), np.ones(3), metric="kfac")


def test_natural_gradient_variants_converge_on_softmax(softmax_data):
    X, y = softmax_data
    model = softmax_regression(X, y, l2=1e-3)
    ref = scipy.optimize.minimize(
        lambda w: (model.nll(w), model.nll_grad(w)),
        np.zeros(model.dim),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 0},
    ).x
    for metric, opts in (("kfac", {}), ("fvp", {"preconditioner": "kfac"}), ("exact", {})):
        res = ig.NaturalGradientDescent(
            model, metric=metric, metric_options=opts, gtol=1e-10
        ).minimize()
        assert res.success, (metric, res.message)
        np.testing.assert_allclose(res.x, ref, atol=1e-7)


def test_kfac_natural_gradient_trains_an_mlp(data):
    X, y = data
    model = mlp_classifier(X, y, hidden=(6,), l2=1e-3, seed=0)
    opt = ig.NaturalGradientDescent(model, metric="kfac", max_iter=300, gtol=1e-7)
    res = opt.minimize()
    assert res.success, res.message
    # a stationary point of the penalized loss: the Euclidean gradient vanishes
    assert np.linalg.norm(model.nll_grad(res.x)) < 1e-6
    assert res.fun < 0.6 * model.nll(model.initial_point())
    # a second run starts from fresh factors and repeats the first exactly
    again = opt.minimize()
    np.testing.assert_array_equal(again.x, res.x)
    # the exact metric reaches a stationary point too
    exact = ig.NaturalGradientDescent(
        model, metric="exact", damping=1e-4, max_iter=300, gtol=1e-7
    ).minimize()
    assert np.linalg.norm(model.nll_grad(exact.x)) < 1e-6


def test_minibatch_natural_gradient_with_kfac(data):
    X, y = data
    model = mlp_classifier(X, y, hidden=(4,), l2=1e-2, solver="kfac", kfac={"decay": 0.9})
    res = ig.optim.StochasticNaturalGradient(
        model, batch_size=20, max_epochs=15, damping=1e-2, step_size=0.5
    ).minimize()
    assert res.status in (0, 1), res.message
    assert res.fun < 0.8 * model.nll(model.initial_point())


def test_softmax_cg_preconditioner_choice_and_effect(softmax_data):
    X, y = softmax_data  # d = 3, K' = 2: the K-FAC preconditioner
    model = softmax_regression(X, y, solver="cg", cg_tol=1e-12)
    assert model.preconditioner == "kfac"
    wide = softmax_regression(np.hstack([X] * 30), y, l2=1e-2)  # d = 90 > 40 K'
    assert wide.preconditioner == "jacobi"
    w = np.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.2])
    g = model.nll_grad(w)
    ref = np.linalg.solve(model.metric(w), g)
    for pre in ("kfac", "jacobi", None):
        m = softmax_regression(X, y, solver="cg", cg_tol=1e-12, preconditioner=pre)
        np.testing.assert_allclose(m.riemannian_gradient(w, g), ref, rtol=1e-9)


def test_factors_are_reused_at_the_same_point(data):
    """A rejected step asks again at the same weights with more damping: the factors
    (and their eigendecompositions) are reused, and the damped direction is the one a
    fresh estimate gives."""
    X, y = data
    model = mlp_classifier(X, y, hidden=(4,)).with_metric("kfac", rescale=False)
    w = model.initial_point()
    g = model.nll_grad(w)
    model.riemannian_gradient(w, g, damping=1e-2)
    first = model.kfac.factors
    again = model.riemannian_gradient(w, g, damping=1.0)
    assert model.kfac.factors is first and model.kfac.updates == 1
    fresh = model._kfac_factors(w, None).solve(g, 1.0, relative=model.kfac.damping)
    np.testing.assert_allclose(again, fresh, rtol=1e-12)
    model.riemannian_gradient(w + 0.1, model.nll_grad(w + 0.1), damping=1e-2)
    assert model.kfac.updates == 2


def test_kfac_default_step_rule_has_a_relative_floor(data):
    """K-FAC's default Levenberg–Marquardt rule starts from damping 1e-2 (or the given
    damping) and its floor follows the metric down (``relative_floor``)."""
    from infogeo.optim.natural_gradient import KFAC_RELATIVE_FLOOR
    from infogeo.optim.step_size import LevenbergMarquardt

    X, y = data
    model = mlp_classifier(X, y, hidden=(4,), seed=0)
    rule = ig.NaturalGradientDescent(model, metric="kfac").step_rule
    assert isinstance(rule, LevenbergMarquardt)
    assert rule.damping == 1e-2 and rule.relative_floor == KFAC_RELATIVE_FLOOR
    assert ig.NaturalGradientDescent(model, metric="kfac", damping=0.5).step_rule.damping == 0.5
    with pytest.raises(TypeError, match="damping"):
        ig.NaturalGradientDescent(model, metric="kfac", damping="big")
    explicit = ig.NaturalGradientDescent(model, metric="kfac", line_search="armijo").step_rule
    assert not isinstance(explicit, LevenbergMarquardt)
