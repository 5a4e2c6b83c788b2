"""Tests of infogeo.interop.geomstats: geomstats spaces as infogeo manifolds.

Expected values come from closed forms (great-circle distance, the affine-invariant
SPD distance by eigendecomposition, the Poincaré-ball distance), from numpy's
eigensolver, and from a fixed-point Karcher-mean iteration written here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig
from infogeo.interop import from_geomstats

gs_hypersphere = pytest.importorskip("geomstats.geometry.hypersphere")
from geomstats.geometry.hyperboloid import Hyperboloid  # noqa: E402
from geomstats.geometry.hypersphere import Hypersphere  # noqa: E402
from geomstats.geometry.poincare_ball import PoincareBall  # noqa: E402
from geomstats.geometry.spd_matrices import SPDMatrices  # noqa: E402
from geomstats.information_geometry.categorical import CategoricalDistributions  # noqa: E402
from geomstats.information_geometry.multinomial import MultinomialDistributions  # noqa: E402


# ------------------------------------------------------------------ helpers
def sym_fn(S, fn):
    """Apply ``fn`` to the eigenvalues of the symmetric matrix ``S``."""
    w, V = np.linalg.eigh(S)
    return (V * fn(w)) @ V.T


def random_spd(rng, n, size=None):
    shape = () if size is None else (size,)
    A = rng.standard_normal((*shape, n, n))
    return A @ np.swapaxes(A, -1, -2) / n + 0.5 * np.eye(n)


def spd_affine_dist(P, Q):
    """``‖log(P^{-1/2} Q P^{-1/2})‖_F``."""
    Pm = sym_fn(P, lambda w: w**-0.5)
    return np.linalg.norm(sym_fn(Pm @ Q @ Pm, np.log))


def spaces():
    return {
        "sphere": Hypersphere(4),
        "spd": SPDMatrices(3),
        "ball": PoincareBall(3),
        "hyperboloid": Hyperboloid(2),
        "categorical": CategoricalDistributions(3),
        "multinomial": MultinomialDistributions(3, 5),
    }


# ------------------------------------------------------------------ laziness
def test_import_infogeo_does_not_import_geomstats():
    code = "import sys, infogeo; print('geomstats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_from_geomstats_is_public():
    assert ig.from_geomstats is from_geomstats


# ------------------------------------------------------------------ layout
def test_layout_and_kinds():
    S = from_geomstats(Hypersphere(4))
    assert (S.dim, S.intrinsic_dim, S.point_shape, S.kind) == (5, 4, (5,), "sphere")
    P = from_geomstats(SPDMatrices(3))
    assert (P.dim, P.intrinsic_dim, P.point_shape, P.kind) == (9, 6, (3, 3), "spd-affine")
    assert P.coordinate_names[:2] == ("P[0,0]", "P[0,1]")
    assert from_geomstats(PoincareBall(3)).kind == "open"
    assert from_geomstats(CategoricalDistributions(3)).kind == "simplex"
    assert from_geomstats(Hyperboloid(2)).kind == "embedded"
    X = random_spd(np.random.default_rng(0), 3, 4)
    assert np.array_equal(P.to_geomstats(P.from_geomstats_point(X)), X)


@pytest.mark.parametrize("name", list(spaces()))
def test_random_points_belong_and_are_reproducible(name):
    M = from_geomstats(spaces()[name])
    a = M.random_point((2, 3), rng=7)
    b = M.random_point((2, 3), rng=7)
    assert a.shape == (2, 3, M.dim)
    np.testing.assert_array_equal(a, b)
    assert M.belongs(a).all()
    assert M.random_point(rng=1).shape == (M.dim,)


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("name", list(spaces()))
def test_riemannian_gradient_is_the_riesz_representer(name):
    """``v`` is tangent and ``⟨v, u⟩_p = ∇f · u`` for every tangent ``u``."""
    M = from_geomstats(spaces()[name])
    rng = np.random.default_rng(3)
    p = M.random_point(4, rng=rng)
    g = rng.standard_normal((4, M.dim))
    v = M.riemannian_gradient(p, g)
    np.testing.assert_allclose(M.to_tangent(p, v), v, atol=1e-12)
    for _ in range(3):
        u = M.to_tangent(p, rng.standard_normal((4, M.dim)))
        np.testing.assert_allclose(M.inner(p, v, u), np.sum(g * u, axis=-1), rtol=1e-10, atol=1e-12)
    # the closed-form paths agree with the general basis formula
    np.testing.assert_allclose(M._projected_gradient(p, g), v, rtol=1e-10, atol=1e-12)
    # and with damping the general formula is used: (G̃ + λI) on the tangent space
    vd = M.riemannian_gradient(p, g, damping=0.5)
    np.testing.assert_allclose(M._projected_gradient(p, g, 0.5), vd, rtol=1e-10, atol=1e-12)


def test_sphere_gradient_of_rayleigh_quotient_closed_form():
    M = from_geomstats(Hypersphere(5))
    rng = np.random.default_rng(0)
    B = rng.standard_normal((6, 6))
    A = B + B.T
    x = M.random_point(rng=rng)
    v = M.riemannian_gradient(x, 2 * A @ x)
    np.testing.assert_allclose(v, 2 * (A @ x - (x @ A @ x) * x), atol=1e-12)


def test_spd_gradient_is_P_sym_grad_P():
    M = from_geomstats(SPDMatrices(4))
    rng = np.random.default_rng(1)
    P = random_spd(rng, 4)
    E = rng.standard_normal((4, 4))
    v = M.riemannian_gradient(M.from_geomstats_point(P), M.from_geomstats_point(E))
    np.testing.assert_allclose(M.to_geomstats(v), P @ (E + E.T) / 2 @ P, atol=1e-12)


def test_open_set_gradient_is_metric_solve():
    M = from_geomstats(PoincareBall(2))
    p = np.array([0.3, -0.2])
    g = np.array([1.0, 2.0])
    lam = 2.0 / (1.0 - p @ p)  # conformal factor: G = λ² I
    np.testing.assert_allclose(M.riemannian_gradient(p, g), g / lam**2, rtol=1e-12)


def test_gradient_bad_damping():
    M = from_geomstats(Hypersphere(2))
    with pytest.raises(ValueError, match="damping"):
        M.riemannian_gradient([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], damping=-1.0)


# ------------------------------------------------------------------ exp/log/dist
def test_sphere_distance_and_geodesic_closed_form():
    M = from_geomstats(Hypersphere(3))
    rng = np.random.default_rng(2)
    p, q = M.random_point(rng=rng), M.random_point(rng=rng)
    expected = np.arccos(np.clip(p @ q, -1, 1))
    np.testing.assert_allclose(M.dist(p, q), expected, rtol=1e-12)
    geo = M.geodesic(p, q)
    np.testing.assert_allclose(geo.length, expected, rtol=1e-12)
    mid = geo(0.5)
    np.testing.assert_allclose(mid, (p + q) / np.linalg.norm(p + q), atol=1e-12)
    np.testing.assert_allclose(geo(np.linspace(0, 1, 5))[-1], q, atol=1e-12)


def test_spd_distance_closed_form_and_exp_log():
    M = from_geomstats(SPDMatrices(3))
    rng = np.random.default_rng(4)
    P, Q = random_spd(rng, 3), random_spd(rng, 3)
    p, q = M.from_geomstats_point(P), M.from_geomstats_point(Q)
    np.testing.assert_allclose(M.dist(p, q), spd_affine_dist(P, Q), rtol=1e-10)
    v = M.log(p, q)
    np.testing.assert_allclose(M.exp(p, v), q, atol=1e-10)
    np.testing.assert_allclose(M.norm(p, v), spd_affine_dist(P, Q), rtol=1e-10)


def test_poincare_ball_distance_closed_form():
    M = from_geomstats(PoincareBall(2))
    p, q = np.array([0.1, 0.5]), np.array([-0.4, 0.2])
    d = np.arccosh(1 + 2 * np.sum((p - q) ** 2) / ((1 - p @ p) * (1 - q @ q)))
    np.testing.assert_allclose(M.dist(p, q), d, rtol=1e-12)


def test_batched_dist_broadcasts():
    M = from_geomstats(Hypersphere(2))
    p = M.random_point(rng=0)
    q = M.random_point((2, 3), rng=1)
    d = M.dist(p, q)
    assert d.shape == (2, 3)
    np.testing.assert_allclose(d, np.arccos(np.clip(q @ p, -1, 1)), rtol=1e-12)


# ------------------------------------------------------------------ retractions
@pytest.mark.parametrize("name,order", [("sphere", 3), ("spd", 3)])
def test_retraction_agrees_with_exp_to_its_order(name, order):
    M = from_geomstats(spaces()[name])
    rng = np.random.default_rng(5)
    p = M.random_point(rng=rng)
    v = M.to_tangent(p, rng.standard_normal(M.dim))
    errs = [np.linalg.norm(M.retract(p, t * v) - M.exp(p, t * v)) for t in (1e-2, 5e-3)]
    assert M.belongs(M.retract(p, 3.0 * v))
    # both are second-order retractions: |R(tv) − exp(tv)| = O(t³)
    assert errs[0] / errs[1] == pytest.approx(2.0**order, rel=0.15)


def test_sphere_retraction_velocity_is_the_curve_derivative():
    """``d/dt R_p(t v)`` in closed form (the solvers' line-search slope) against a
    central difference of the retraction; ``None`` where there is no closed form."""
    M = from_geomstats(spaces()["sphere"])
    rng = np.random.default_rng(11)
    p = M.random_point(rng=rng)
    v = M.to_tangent(p, rng.standard_normal(M.dim))
    for t in (0.0, 0.3, 2.5):
        y = M.retract(p, t * v)
        h = 1e-5
        fd = (M.retract(p, (t + h) * v) - M.retract(p, (t - h) * v)) / (2 * h)
        np.testing.assert_allclose(M._retraction_velocity(p, v, t, y), fd, atol=1e-9)
    assert from_geomstats(spaces()["spd"])._retraction_velocity(p, v, 0.1, p) is None


def test_cg_on_the_sphere_uses_the_closed_form_slope():
    """CG's strong Wolfe search on the sphere takes its slopes from the closed-form
    retraction velocity: the same run as with difference quotients of the retraction
    (two more retractions per slope), with far fewer retractions, converging to the
    dominant eigenvector (``numpy.linalg.eigh``)."""
    rng = np.random.default_rng(2)
    B = rng.standard_normal((30, 30))
    A = B @ B.T / 30
    x0 = from_geomstats(Hypersphere(29)).random_point(rng=rng)

    def run(closed_form):
        M = from_geomstats(Hypersphere(29))
        calls = {"retract": 0}
        retract = M._unchecked_retract

        def counting(p, v):
            calls["retract"] += 1
            return retract(p, v)

        M._unchecked_retract = counting
        if not closed_form:  # set on the instance: the solver falls back to differences
            M._retraction_velocity = lambda p, v, t, y: None
        res = ig.minimize(
            lambda x: (-x @ A @ x, -2 * A @ x), x0, M, grad=True, method="cg", gtol=1e-9
        )
        return res, calls["retract"]

    (res, n_closed), (ref, n_fd) = run(True), run(False)
    assert res.success and ref.success
    top = np.linalg.eigh(A)[1][:, -1]
    assert 1 - abs(res.x @ top) < 1e-14
    assert abs(res.nit - ref.nit) <= 2
    assert n_closed < 0.6 * n_fd


# ------------------------------------------------------------------ bad input
def test_from_geomstats_rejects_non_geomstats_objects():
    with pytest.raises(TypeError, match="geomstats Manifold"):
        from_geomstats(ig.Euclidean(2))


def test_check_point_messages():
    S = from_geomstats(Hypersphere(2))
    with pytest.raises(ValueError, match=r"‖p‖ = 1"):
        S.check_point([1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        S.check_point([1.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        S.check_point([np.nan, 0.0, 1.0])
    P = from_geomstats(SPDMatrices(2))
    with pytest.raises(ValueError, match="symmetric"):
        P.check_point([1.0, 0.5, 0.0, 1.0])
    with pytest.raises(ValueError, match="positive-definite"):
        P.check_point([1.0, 0.0, 0.0, -1.0])
    C = from_geomstats(CategoricalDistributions(2))
    with pytest.raises(ValueError, match="summing to 1"):
        C.check_point([0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"q is not a point"):
        S.dist([0.0, 0.0, 1.0], [0.0, 0.0, 2.0])
    assert not S.belongs([np.nan, 0.0, 1.0])


def test_christoffel_not_available_says_why():
    with pytest.raises(NotImplementedError, match="chart"):
        from_geomstats(Hypersphere(2)).christoffel([0.0, 0.0, 1.0])
    with pytest.raises(NotImplementedError, match="numpy backend"):
        from_geomstats(PoincareBall(2)).christoffel([0.0, 0.1])


# ------------------------------------------------------------------ optimization


def test_rayleigh_quotient_smallest_eigenvalue():
    """Minimize xᵀAx on the sphere S¹⁹⁹: the minimum is the smallest eigenvalue."""
    n = 200
    rng = np.random.default_rng(2026)
    B = rng.standard_normal((n, n))
    A = (B + B.T) / np.sqrt(2 * n)
    sphere = from_geomstats(Hypersphere(n - 1))
    x0 = sphere.random_point(rng=rng)
    res = ig.minimize(
        lambda x: x @ A @ x, x0, sphere, grad=lambda x: 2 * A @ x, gtol=1e-6, max_iter=5000
    )
    assert res.success, res.message
    expected = np.linalg.eigvalsh(A)[0]
    assert abs(res.fun - expected) < 1e-10
    assert sphere.belongs(res.x)


def karcher_fixed_point(X, tol=1e-14, max_iter=500):
    """``M ← M^{1/2} exp(mean log(M^{-1/2} Xᵢ M^{-1/2})) M^{1/2}``."""
    M = np.mean(X, axis=0)
    for _ in range(max_iter):
        Mh = sym_fn(M, np.sqrt)
        Mmh = sym_fn(M, lambda w: 1 / np.sqrt(w))
        S = np.mean([sym_fn(Mmh @ x @ Mmh, np.log) for x in X], axis=0)
        M = Mh @ sym_fn((S + S.T) / 2, np.exp) @ Mh
        M = (M + M.T) / 2
        if np.linalg.norm(S) < tol:
            break
    return M


def test_karcher_mean_of_spd_matrices():
    n, N = 5, 50
    rng = np.random.default_rng(11)
    X = random_spd(rng, n, N)
    spd = from_geomstats(SPDMatrices(n))
    Xf = spd.from_geomstats_point(X)

    def fun(m):
        return 0.5 * np.mean(spd.dist(m, Xf) ** 2)

    def grad(m):
        # Riemannian gradient −mean logₘ(Xᵢ); the Euclidean one is M⁻¹ (it) M⁻¹.
        M = spd.to_geomstats(m)
        R = -spd.to_geomstats(np.mean(spd.log(m, Xf), axis=0))
        return spd.from_geomstats_point(np.linalg.solve(M, np.linalg.solve(M, R).T).T)

    res = ig.minimize(fun, spd.from_geomstats_point(np.eye(n)), spd, grad=grad, gtol=1e-11)
    assert res.success, res.message
    ref = karcher_fixed_point(X)
    np.testing.assert_allclose(spd.to_geomstats(res.x), ref, atol=1e-9)
    assert spd_affine_dist(spd.to_geomstats(res.x), ref) < 1e-9


# ------------------------------------------------------------------ curves
def test_curve_length_of_a_callable_arc_on_the_sphere():
    import autograd.numpy as anp

    S = from_geomstats(Hypersphere(2))

    def arc(t):  # a great-circle arc of angle 1.2, at unit speed
        return anp.stack([anp.cos(t), anp.sin(t), 0.0 * t], axis=-1)

    assert S.curve_length(arc, 0.0, 1.2) == pytest.approx(1.2, rel=1e-12)
    assert S.energy(arc, 0.0, 1.2) == pytest.approx(0.5 * 1.2, rel=1e-12)

    def latitude(t):  # the circle of latitude 60°: radius ½, length ½·2π·t
        return anp.stack([0.5 * anp.cos(t), 0.5 * anp.sin(t), np.sqrt(3) / 2 + 0.0 * t], axis=-1)

    assert S.curve_length(latitude, 0.0, 2 * np.pi) == pytest.approx(np.pi, rel=1e-12)


@pytest.mark.parametrize("name", ["sphere", "spd", "categorical"])
def test_polyline_along_a_geodesic_has_the_geodesic_length(name):
    M = from_geomstats(spaces()[name])
    rng = np.random.default_rng(9)
    p, q = M.random_point(2, rng=rng)
    geo = M.geodesic(p, q)
    pts = geo(np.linspace(0.0, 1.0, 50))
    assert M.curve_length(pts) == pytest.approx(M.dist(p, q), rel=1e-10)
    # constant speed ‖v‖ on [0, 1]: energy ½‖v‖²
    assert M.energy(pts) == pytest.approx(0.5 * M.dist(p, q) ** 2, rel=1e-10)
    # a detour is longer
    detour = np.stack([p, M.random_point(rng=rng), q])
    assert M.curve_length(detour) > M.dist(p, q)


def test_polyline_off_the_manifold_is_rejected():
    S = from_geomstats(Hypersphere(2))
    with pytest.raises(ValueError, match="curve"):
        S.curve_length(np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="n >= 2"):
        S.curve_length(np.array([[1.0, 0.0, 0.0]]))


def test_other_geomstats_backend_is_refused():
    code = (
        "import infogeo as ig\n"
        "from geomstats.geometry.hypersphere import Hypersphere\n"
        "try:\n"
        "    ig.from_geomstats(Hypersphere(2))\n"
        "except RuntimeError as exc:\n"
        "    print('refused:', exc)\n"
    )
    env = dict(os.environ, GEOMSTATS_BACKEND="autograd")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "refused:" in out.stdout and "numpy backend" in out.stdout


def test_frechet_mean_on_the_poincare_ball_of_symmetric_points_is_the_origin():
    """Points symmetric under x ↦ −x have the origin as their unique Fréchet mean
    (the ball is a Hadamard manifold); the Riemannian gradient of ½ mean d²(x, aᵢ) is
    −mean logₓ(aᵢ) and the Euclidean one G(x) times that."""
    ball = from_geomstats(PoincareBall(2))
    a = np.array([[0.5, 0.1], [-0.5, -0.1], [0.05, -0.7], [-0.05, 0.7]])

    def fun(x):
        return 0.5 * np.mean(ball.dist(x, a) ** 2)

    def grad(x):
        rgrad = -np.mean(ball.log(x, a), axis=0)
        return ball.metric(x) @ rgrad

    res = ig.minimize(fun, np.array([0.3, 0.4]), ball, grad=grad, gtol=1e-12)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, 0.0, atol=1e-11)


def test_natural_gradient_fit_on_geomstats_normal_distributions():
    """The optimizer on geomstats' NormalDistributions (metric diag(1/σ², 2/σ²), exp in
    closed form) finds the closed-form MLE (mean, population standard deviation)."""
    import autograd.numpy as anp
    from geomstats.information_geometry.normal import NormalDistributions

    normals = from_geomstats(NormalDistributions(1))
    data = np.random.default_rng(5).normal(2.0, 0.7, size=300)

    def nll(theta):
        mu, sigma = theta[0], theta[1]
        return anp.log(sigma) + anp.mean((data - mu) ** 2) / (2 * sigma**2)

    res = ig.minimize(nll, np.array([0.0, 3.0]), normals, gtol=1e-11)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [data.mean(), data.std()], rtol=1e-9)
    assert res.nit < 40  # natural gradient: Fisher scoring, not a crawl


@pytest.mark.parametrize("space", [PoincareBall(2), "normal"])
def test_exp_of_tiny_vectors_on_hyperbolic_models(space):
    """geomstats' hyperbolic exp truncates vectors below ~1e-8; the adapter does not."""
    if space == "normal":
        from geomstats.information_geometry.normal import NormalDistributions

        space, x = NormalDistributions(1), np.array([1.97, 0.67])
    else:
        x = np.array([0.01, 0.02])
    M = from_geomstats(space)
    for s in (1e-4, 1e-8, 1e-10, 1e-13):
        v = s * np.array([1.0, -1.0])
        np.testing.assert_allclose((M.exp(x, v) - x) / s, [1.0, -1.0], rtol=1e-3)


def test_bad_atol():
    with pytest.raises(ValueError, match="atol"):
        from_geomstats(Hypersphere(2), atol=-1.0)
    with pytest.raises(TypeError, match="atol"):
        from_geomstats(Hypersphere(2), atol="tight")
