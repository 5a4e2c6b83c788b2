"""MultivariateNormal geodesics: closed-form exp, Newton-shooting log, closed-form
special cases and the Calvo–Oller / √Jeffreys bracket, each against an independent
reference (ODE integration, polyline length, univariate Normal, eigenvalue formula)."""

import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.geodesic_equation import integrate_geodesic
from infogeo.statistics.families import _mvn_geodesic as mg


def random_pair(d, rng, mean_scale=1.0, cov_spread=10.0):
    rng = np.random.default_rng(rng)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    w = np.exp(rng.uniform(-1, 1, d) * np.log(cov_spread) / 2)
    A = rng.standard_normal((d, d))
    S1 = A @ A.T / d + 0.5 * np.eye(d)
    L = np.linalg.cholesky(S1)
    S2 = L @ ((Q * w) @ Q.T) @ L.T
    m1 = rng.standard_normal(d)
    return (m1, S1), (m1 + mean_scale * L @ rng.standard_normal(d), S2)


def test_exp_matches_ode_integration():
    M = ig.MultivariateNormal(3)
    p = M.random_point(rng=1)
    v = 0.7 * np.random.default_rng(2).standard_normal(M.dim)
    t = np.array([0.25, 0.6, 1.0])
    ode = integrate_geodesic(M, p, v, t)[0]
    np.testing.assert_allclose(M.geodesic_points(p, v, t), ode, rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(M.exp(p, v), ode[-1], rtol=1e-10, atol=1e-11)
    # batched exp agrees with single calls
    P = M.random_point(4, rng=3)
    V = 0.5 * np.random.default_rng(4).standard_normal(P.shape)
    np.testing.assert_allclose(M.exp(P, V)[2], M.exp(P[2], V[2]), rtol=1e-13)


@pytest.mark.parametrize("d", [2, 3, 5, 10])
def test_log_round_trip_bracket_and_polyline_length(d):
    M = ig.MultivariateNormal(d)
    (m1, S1), (m2, S2) = random_pair(d, d, mean_scale=2.0)
    p, q = M.pack(m1, S1), M.pack(m2, S2)
    v = M.log(p, q)
    np.testing.assert_allclose(M.exp(p, v), q, rtol=1e-10, atol=1e-10 * np.abs(q).max())
    dist, br = M.dist(p, q, bounds=True)
    assert float(M.norm(p, v)) == pytest.approx(float(dist), rel=1e-12)
    assert br.lower <= dist <= br.upper
    assert br.upper <= br.sqrt_jeffreys
    # the polyline through the closed-form geodesic has the same length
    g = M.geodesic(p, q)
    pts = g(np.linspace(0, 1, 1501))
    assert M.curve_length(pts) == pytest.approx(float(dist), rel=1e-5)
    # Gauss–Legendre on the speed of the closed-form curve is much tighter
    nodes, w = np.polynomial.legendre.leggauss(30)
    t = 0.5 * (nodes + 1)
    h = 1e-5
    vel = (g(np.clip(t + h, 0, 1)) - g(np.clip(t - h, 0, 1))) / (2 * h)
    speed = M.norm(g(t), vel)
    assert 0.5 * np.sum(w * speed) == pytest.approx(float(dist), rel=1e-8)
    assert dist == pytest.approx(float(M.dist(q, p)), rel=1e-9)


def test_common_mean_against_eigenvalues_and_extremes():
    M = ig.MultivariateNormal(2)
    mean = np.array([0.3, -1.0])
    S1 = np.array([[1.0, 0.2], [0.2, 0.5]])
    S2 = np.array([[2.0, -0.3], [-0.3, 0.8]])
    lam = np.linalg.eigvals(np.linalg.solve(S1, S2)).real
    expected = np.sqrt(0.5 * np.sum(np.log(lam) ** 2))
    assert M.dist(M.pack(mean, S1), M.pack(mean, S2)) == pytest.approx(expected, rel=1e-13)
    eye = M.pack([0, 0], np.eye(2))
    for eps in (1e-8, 1e-12, 1e-300):
        p = M.pack([0, 0], np.diag([eps, 1.0]))
        ref = abs(np.log(eps)) / np.sqrt(2)
        assert float(M.dist(p, eye)) == pytest.approx(ref, rel=1e-13)
        assert float(M.dist(eye, p)) == pytest.approx(ref, rel=1e-13)
    assert float(M.dist(M.pack([0, 0], np.diag([1e-12, 1])), eye)) == pytest.approx(
        19.5380824, rel=1e-8
    )
    # nearby covariances: log1p keeps relative accuracy
    p = M.pack([0, 0], np.diag([1 + 1e-9, 1.0]))
    assert float(M.dist(p, eye)) == pytest.approx(np.log1p(1e-9) / np.sqrt(2), rel=1e-9)
    # the common-mean geodesic: log is logm, exp returns the end point
    v = M.log(M.pack(mean, S1), M.pack(mean, S2))
    np.testing.assert_allclose(M.exp(M.pack(mean, S1), v), M.pack(mean, S2), rtol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 4])
def test_common_covariance_reduces_to_univariate_normal(d):
    M = ig.MultivariateNormal(d)
    (m1, S), (m2, _) = random_pair(d, 10 + d, mean_scale=3.0)
    maha = np.sqrt((m2 - m1) @ np.linalg.solve(S, m2 - m1))
    expected = float(ig.Normal().dist([0.0, 1.0], [maha, 1.0]))
    p, q = M.pack(m1, S), M.pack(m2, S)
    assert float(M.dist(p, q)) == pytest.approx(expected, rel=1e-12)
    # the Newton solver, started away from the closed form, agrees (independent route)
    _, x, Sw = mg.whiten(m1, S, m2, S)
    solver = mg.StandardLogSolver(d)
    K = np.linalg.cholesky(Sw)
    xk = np.linalg.solve(K, x)
    u0 = solver.pack(0.5 * x, 0.1 * np.eye(d))
    u, _ = solver.newton(u0, K, xk, lambda u: 1e-13, np.inf)
    assert solver.norm(u) == pytest.approx(expected, rel=1e-10)
    # far apart in the mean, and overflow-safe beyond float64's Mahalanobis range
    far = M.pack(m1 + 1e6 * np.sqrt(S[0, 0]) * np.eye(d)[0], S)
    assert np.isfinite(M.dist(p, far))
    one = ig.MultivariateNormal(1)
    big = float(one.dist([0.0, 1e-300], [1e300, 1e-300]))
    ref = 2 * np.sqrt(2) * (450 * np.log(10.0) - 0.5 * np.log(2.0))
    assert big == pytest.approx(ref, rel=1e-12)


def test_eigenvector_case_closed_form_against_newton():
    """Δμ an eigenvector of Σ₂Σ₁⁻¹: closed form = Newton started elsewhere; far apart too."""
    d = 3
    solver = mg.StandardLogSolver(d)
    for scale in (0.5, 5.0, 300.0, 3e4):
        S = np.diag([2.5, 0.3, 4.0])
        x = np.array([scale, 0.0, 0.0])
        closed = float(mg.eigvec_case_dist(x, S))
        K = np.linalg.cholesky(S)
        xk = np.linalg.solve(K, x)
        u0 = solver.pack(*mg.eigvec_case_log(x, S)) + 1e-3
        u, rho = solver.newton(u0, K, xk, lambda u: 1e-13 * solver.norm(u), np.inf)
        assert rho < 1e-9 * max(1.0, scale)
        assert solver.norm(u) == pytest.approx(closed, rel=1e-12)
        # and the generic path: x moved off the eigenvector by 1e-10 relative
        R, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((d, d)))
        xr = R @ (x + np.array([0.0, 1e-10 * scale, 0.0]))
        u, rho, method = solver.solve(xr, R @ S @ R.T, deadline=np.inf)
        assert method.startswith("Newton")
        assert solver.norm(u) == pytest.approx(closed, rel=1e-9)
    M = ig.MultivariateNormal(d)
    p, q = M.pack(np.zeros(d), np.eye(d)), M.pack(x, S)
    np.testing.assert_allclose(M.exp(p, M.log(p, q)), q, rtol=1e-9, atol=1e-12)


def test_one_dimensional_equals_normal_for_general_pairs():
    M = ig.MultivariateNormal(1)
    N = ig.Normal()
    p, q = np.array([[0.0, 1.0], [2.0, 0.3]]), np.array([[1.0, 4.0], [-30.0, 50.0]])
    expected = N.dist(
        np.stack([p[:, 0], np.sqrt(p[:, 1])], -1), np.stack([q[:, 0], np.sqrt(q[:, 1])], -1)
    )
    np.testing.assert_allclose(M.dist(p, q), expected, rtol=1e-12)


def test_bracket_properties():
    d = 4
    M = ig.MultivariateNormal(d)
    P = M.random_point(6, rng=20)
    Q = M.random_point(6, rng=21)
    dist, br = M.dist(P, Q, bounds=True)
    assert np.all(br.lower <= dist) and np.all(dist <= br.upper)
    # J = KL(p‖q) + KL(q‖p) from the family's own KL
    np.testing.assert_allclose(br.sqrt_jeffreys**2, M.kl(P, Q) + M.kl(Q, P), rtol=1e-10)
    # Calvo–Oller lower bound from the SPD(d+1) embedding, computed directly
    m1, S1 = M.unpack(P[0])
    m2, S2 = M.unpack(Q[0])

    def embed(m, S):
        return np.block([[S + np.outer(m, m), m[:, None]], [m[None, :], np.ones((1, 1))]])

    lam = np.linalg.eigvals(np.linalg.solve(embed(m1, S1), embed(m2, S2))).real
    assert br.lower[0] == pytest.approx(np.sqrt(0.5 * np.sum(np.log(lam) ** 2)), rel=1e-10)
    b2 = M.dist_bounds(P[0], Q[0])
    assert b2.lower == pytest.approx(br.lower[0], rel=1e-13)
    # equal means: the bracket closes on the distance
    e = M.pack(m1, S2)
    dd, b3 = M.dist(P[0], e, bounds=True)
    assert b3.lower == pytest.approx(float(dd), rel=1e-12)


def test_dimension_20_and_far_pair():
    d = 20
    M = ig.MultivariateNormal(d)
    (m1, S1), (m2, S2) = random_pair(d, 7, mean_scale=3.0)
    p, q = M.pack(m1, S1), M.pack(m2, S2)
    dist, br = M.dist(p, q, bounds=True)
    assert br.lower <= dist <= br.upper
    np.testing.assert_allclose(M.exp(p, M.log(p, q)), q, rtol=1e-9, atol=1e-9)
    d = 3
    M = ig.MultivariateNormal(d)
    (m1, S1), (m2, S2) = random_pair(d, 8, mean_scale=200.0, cov_spread=1e3)
    p, q = M.pack(m1, S1), M.pack(m2, S2)
    dist, br = M.dist(p, q, bounds=True)
    assert br.lower <= dist <= br.upper
    assert dist == pytest.approx(float(M.dist(q, p)), rel=1e-9)


def test_batches_errors_and_budget():
    M = ig.MultivariateNormal(2)
    P = M.random_point((2, 3), rng=30)
    Q = M.random_point((2, 3), rng=31)
    D = M.dist(P, Q)
    assert D.shape == (2, 3)
    assert D[1, 2] == pytest.approx(float(M.dist(P[1, 2], Q[1, 2])), rel=1e-12)
    V = M.log(P, Q)
    assert V.shape == (2, 3, M.dim)
    np.testing.assert_allclose(V[0, 1], M.log(P[0, 1], Q[0, 1]), rtol=1e-12)
    with pytest.raises(ValueError, match="errors must be"):
        M.dist(P, Q, errors="ignore")
    with pytest.raises(ValueError, match="max_time"):
        M.log(P, Q, max_time=-1)
    # a budget too small to start: every generic pair fails, named by index
    with pytest.raises(ig.ConvergenceError, match="pair 0"):
        M.log(P, Q, max_time=1e-9)
    with pytest.warns(RuntimeWarning, match="failed and are NaN"):
        out = M.dist(P, Q, max_time=1e-9, errors="nan")
    assert np.all(np.isnan(out))
    with pytest.raises(OverflowError):
        M.exp(M.pack([0, 0], np.eye(2)), [0, 0, 800.0, 0, 0])
    g = M.geodesic(P[0, 0], velocity=V[0, 0])
    np.testing.assert_allclose(g.end, Q[0, 0], rtol=1e-9)
    assert g.length == pytest.approx(float(D[0, 0]), rel=1e-12)


def test_geodesic_jacobians_against_finite_differences():
    M = ig.MultivariateNormal(3)
    p = M.random_point(2, rng=40)
    v = np.random.default_rng(41).standard_normal(p.shape)
    acc, dp, dv = M.geodesic_jacobians(p, v)
    np.testing.assert_allclose(acc, M.geodesic_acceleration(p, v), rtol=1e-14)
    h = 1e-6
    eye = np.eye(M.dim)
    fp = np.stack(
        [
            (M.geodesic_acceleration(p + h * e, v) - M.geodesic_acceleration(p - h * e, v))
            / (2 * h)
            for e in eye
        ],
        -1,
    )
    fv = np.stack(
        [
            (M.geodesic_acceleration(p, v + h * e) - M.geodesic_acceleration(p, v - h * e))
            / (2 * h)
            for e in eye
        ],
        -1,
    )
    np.testing.assert_allclose(dp, fp, atol=1e-7 * np.abs(fp).max())
    np.testing.assert_allclose(dv, fv, atol=1e-7 * np.abs(fv).max())


def test_ill_conditioned_covariances_are_whitened_exactly():
    """Σ₁ = [[N+1, N], [N, N+1]] (N = 2⁴⁰, condition 2e12, exact in float64) and
    Σ₂ = Σ₁ + [[1, −1], [−1, 1]] share the eigenvector (1, 1) and have the other
    eigenvalue 1 → 3, so d = log 3 / √2 exactly; float64 whitening would be off by
    ε·cond ≈ 4e-4. With a mean difference mixing the directions, against the distance
    recomputed in 50-digit arithmetic."""
    from .stress_cases import mvn_dist_mp

    M = ig.MultivariateNormal(2)
    N = 2.0**40
    S1 = np.array([[N + 1, N], [N, N + 1]])
    S2 = S1 + np.array([[1.0, -1.0], [-1.0, 1.0]])
    p, q = M.pack([0.0, 0.0], S1), M.pack([0.0, 0.0], S2)
    assert float(M.dist(p, q)) == pytest.approx(np.log(3.0) / np.sqrt(2.0), rel=1e-13)
    pytest.importorskip("mpmath")
    q = M.pack([0.7, -0.2], S2)
    d = float(M.dist(q, M.pack([3.1, 1.4], S1)))
    ref = mvn_dist_mp(M, q, M.pack([3.1, 1.4], S1), M.log(q, M.pack([3.1, 1.4], S1)))
    assert d == pytest.approx(ref, rel=1e-10)


def test_pair_whose_standardized_covariance_is_singular_in_float64_fails_cleanly():
    """A stress pair (MVN(3), both covariances of condition ~1e9; standardized, the
    second has condition ~2e17): Newton has no finite start. The call ends at once
    with a ConvergenceError saying so (it raised UnboundLocalError from the
    continuation, after a RuntimeWarning), and the certified bracket still answers."""
    p = np.array([-3.0586134678908564e-05, 0.0025580696048320686, 0.09962169082082241,
                  4481.309617157751, 3537.063231940174, 2791.776831150351,
                  4120.446499994658, 3252.236754303417, 3788.6423561021106])  # fmt: skip
    q = np.array([-0.00018511796861798817, 0.003097491988188511, 0.09824618392869998,
                  40.09025541580864, -251.13088886633705, 1573.1189169360734,
                  -346.80233010884376, 2172.418130962579, 3000.0278536884584])  # fmt: skip
    M = ig.MultivariateNormal(3)
    with pytest.raises(ig.ConvergenceError, match="singular at float64 precision"):
        M.dist(p, q, max_time=2.0)
    low, up, _ = M.dist_bounds(p, q)
    assert 0 < low <= up < np.inf


def test_whitening_route_by_condition_number():
    """Well-conditioned pairs are whitened in float64, the others in double-double
    (which costs O(d²) Python steps): the two routes agree to rounding where both
    apply, and a batch mixing both kinds gives what single calls give."""
    from infogeo.statistics.families._double_double import dd_factor, dd_whiten

    rng = np.random.default_rng(7)
    d = 4
    A = rng.standard_normal((d, d))
    S1 = A @ A.T / d + np.eye(d)
    B = rng.standard_normal((d, d))
    S2 = B @ B.T / d + 0.5 * np.eye(d)
    dm = rng.standard_normal(d)
    L, x, S, K, xk = mg.whiten(np.zeros(d), S1, dm, S2, parts=True)
    Ld, xp, Sp = dd_whiten(S1, S2, dm, parts=True)
    np.testing.assert_allclose(L, Ld, rtol=1e-14, atol=1e-15)
    Kd, xkd = dd_factor(Sp, xp)
    np.testing.assert_allclose(S, Sp[0] + Sp[1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(x, xp[0] + xp[1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(K, Kd, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(xk, xkd, rtol=1e-13, atol=1e-15)
    # a batch: ordinary pairs and one whose Σ₁ has condition 1e12
    M = ig.MultivariateNormal(d)
    ill = np.diag([1e-6, 1.0, 10.0, 1e6])
    P = np.stack([M.pack(dm, S1), M.pack(np.zeros(d), ill), M.pack(-dm, S2)])
    Q = np.stack([M.pack(np.zeros(d), S2), M.pack(dm, S2), M.pack(dm, S1)])
    together = M.dist(P, Q)
    apart = np.array([float(M.dist(p, q)) for p, q in zip(P, Q)])
    np.testing.assert_allclose(together, apart, rtol=1e-13)
    assert mg._ill_conditioned(np.stack([S1, ill])).tolist() == [False, True]
