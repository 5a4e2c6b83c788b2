"""Natural gradient, in numbers and pictures (this is what ``make demo`` runs).

We fit a Gamma distribution (shape α, rate β) to 500 samples by maximum likelihood,
twice from the same start:

* plain gradient descent: steepest descent for the Euclidean length of a step in
  (α, β), with an Armijo line search;
* natural gradient descent: steepest descent for the Fisher length of a step,
  d = F(θ)⁻¹∇L(θ), i.e. Riemannian gradient descent on the statistical manifold.

The likelihood has a long curved valley (α/β ≈ sample mean) that plain gradient descent
zig-zags along; the natural gradient follows the geometry of the family and arrives in
a handful of steps. The ellipses ½dᵀF(θ)d = ε are "KL balls": to second order the set of
distributions within KL divergence ε of p(θ). A natural-gradient step is the steepest
descent inside such a ball; with ``trust_region=ε`` every step ends on its boundary.

Finally, geodesics between normal distributions: with the Fisher metric the (μ, σ)
half-plane is a hyperbolic plane, and the shortest path between two normals bends
towards larger σ.

Run:  python examples/flagship.py [--output-dir output]
"""

from __future__ import annotations

import argparse
import pathlib
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import scipy.optimize
import scipy.special

import infogeo as ig

EPS = 0.05  # KL radius of the balls drawn (and of the trust-region run)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="output", help="folder for the PNGs")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def kl_ball(family, theta, eps, n=200):
    """Points θ + d on the ellipse ½ dᵀF(θ)d = eps."""
    F = family.fisher(theta)
    L = np.linalg.cholesky(F)
    angle = np.linspace(0.0, 2.0 * np.pi, n)
    u = np.stack([np.cos(angle), np.sin(angle)])  # unit circle
    d = np.sqrt(2.0 * eps) * np.linalg.solve(L.T, u)  # dᵀFd = 2ε uᵀu
    return theta[:, None] + d


def gamma_mle(data):
    """The Gamma MLE without infogeo: β = α/x̄ and log α − ψ(α) = log x̄ − mean(log x),
    a monotone equation in α solved by Brent's method to machine precision."""
    s = np.log(np.mean(data)) - np.mean(np.log(data))
    alpha = scipy.optimize.brentq(
        lambda a: np.log(a) - scipy.special.digamma(a) - s, 1e-8, 1e8, xtol=1e-15, rtol=1e-15
    )
    return np.array([alpha, alpha / np.mean(data)])


def run(method, fun, x0, stop=None, **kwargs):
    """Minimize, recording the path of iterates; returns (result, path, seconds).

    ``stop(x)`` returning True ends the run early (through the callback)."""
    path = [np.array(x0, dtype=float)]

    def record(res):
        path.append(res.x.copy())
        return stop is not None and bool(stop(res.x))

    start = time.perf_counter()
    res = method(fun, x0, callback=record, **kwargs)
    seconds = time.perf_counter() - start
    if not np.array_equal(path[-1], res.x):
        path.append(res.x.copy())
    return res, np.array(path), seconds


def main() -> None:
    args = parse_args()
    out = pathlib.Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ the data and the loss
    rng = np.random.default_rng(args.seed)
    data = rng.gamma(shape=4.0, scale=1 / 2.0, size=500)  # true (α, β) = (4, 2)
    G = ig.Gamma()
    x0 = np.array([0.5, 0.5])

    def loss(theta):  # mean negative log-likelihood; +inf outside α, β > 0
        return G.nll(theta, data) if np.all(theta > 0) else np.inf

    def grad(theta):
        return G.nll_grad(theta, data)

    # ------------------------------------------------------------ plain vs natural
    plain, plain_path, plain_s = run(
        lambda f, x, **kw: ig.minimize(f, x, ig.Euclidean(2), grad=grad, **kw),
        loss,
        x0,
        max_iter=20000,
        gtol=1e-8,
    )
    natural, nat_path, nat_s = run(
        lambda f, x, **kw: ig.NaturalGradientDescent(G, data, **kw).minimize(x0=x),
        loss,
        x0,
        gtol=1e-8,
    )
    mle = gamma_mle(data)  # independent of infogeo, to judge every method by
    best = G.nll(mle, data)
    # Fixed-KL steps cannot settle on the minimum; stop once within KL ε/5 of the MLE.
    trust, trust_path, trust_s = run(
        lambda f, x, **kw: ig.NaturalGradientDescent(G, data, **kw).minimize(x0=x),
        loss,
        x0,
        stop=lambda x: G.kl(mle, x) < EPS / 5,
        trust_region=EPS,
        max_iter=50,
    )

    print("Fitting Gamma(shape, rate) to 500 samples from Gamma(4, 2), start (0.5, 0.5)\n")
    header = f"{'method':34s} {'iterations':>10s} {'f evals':>8s} {'final loss':>14s}"
    header += f" {'|θ − θ̂|':>9s} {'time [s]':>9s}"
    print(header)
    print("-" * len(header))
    for name, res, secs in [
        ("plain gradient descent (Armijo)", plain, plain_s),
        ("natural gradient (Armijo, step 1)", natural, nat_s),
    ]:
        err = np.linalg.norm(res.x - mle)
        print(f"{name:34s} {res.nit:10d} {res.nfev:8d} {res.fun:14.10f} {err:9.1e} {secs:9.3f}")
        assert res.success, f"{name} did not reach its tolerance: {res.message}"
    print(
        f"\nθ̂ = (shape {mle[0]:.6f}, rate {mle[1]:.6f}): the MLE from scipy's root of "
        "log α − ψ(α) = log x̄ − mean(log x), independent of infogeo"
    )
    print(f"plain gradient descent needed {plain.nit / natural.nit:.0f}× more iterations.")
    # the tangent step v = −t·F⁻¹∇L has ½vᵀFv = ½t²‖∇L‖²_F: ε by construction; the exact
    # KL between the end points differs by third-order terms (and the retraction's bend)
    h = trust.history
    quad = 0.5 * (h["step_size"][1:] * h["grad_norm"][:-1]) ** 2
    kls = G.kl(trust_path[:-1], trust_path[1:])
    print(
        f"\nKL trust region (trust_region={EPS}, {trust.nit} steps, {trust_s:.3f} s): each step"
        f" v solves ½vᵀF(θ)v = ε, the second-order expansion of KL; the exact KL of a step"
        f" differs from ε at third order in v:"
        f"\n  ½vᵀF(θ_k)v           = {np.array2string(quad[:6], precision=4)} …"
        f"\n  KL(p(θ_k) ‖ p(θ_k+1)) = {np.array2string(kls[:6], precision=4)} …"
        f"\n  final loss {trust.fun:.6f}"
    )

    # ------------------------------------------------------------ figure 1: the paths
    a_grid = np.linspace(0.05, 6.0, 240)
    b_grid = np.linspace(0.02, 3.2, 240)
    A, B = np.meshgrid(a_grid, b_grid)
    thetas = np.stack([A, B], axis=-1)  # (240, 240, 2)
    # the loss on the grid, one row at a time: log_prob broadcasts data (n, 1) vs θ (240, 2)
    Z = np.array([-np.mean(G.log_prob(data[:, None], row), axis=0) for row in thetas])
    levels = best + np.geomspace(1e-3, 3.0, 16)  # log-spaced above the minimum

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [1.3, 1]})
    ax.contour(A, B, Z, levels=levels, colors="0.55", linewidths=0.6)
    ax.plot([], [], color="0.55", lw=0.6, label="loss contours")
    ax.plot(
        *plain_path.T,
        ".-",
        color="tab:red",
        lw=0.8,
        ms=3,
        alpha=0.85,
        label=f"plain gradient descent ({plain.nit} it.)",
    )
    ax.plot(
        *nat_path.T,
        "o-",
        color="tab:blue",
        lw=2,
        ms=4,
        label=f"natural gradient ({natural.nit} it.)",
    )
    for k in (0, 1, 2):
        ell = kl_ball(G, nat_path[k], EPS)
        ax.plot(*ell, color="tab:blue", lw=1.2, alpha=0.8)
    for k in (3, 30, 300):
        ell = kl_ball(G, plain_path[k], EPS)
        ax.plot(*ell, color="tab:red", lw=1.2, alpha=0.8)
    ax.plot(
        [],
        [],
        color="tab:blue",
        lw=1.2,
        alpha=0.8,
        label=f"KL balls ½dᵀF(θ)d = {EPS}, natural path",
    )
    ax.plot([], [], color="tab:red", lw=1.2, alpha=0.8, label="KL balls, plain path")
    ax.plot(*x0, "ks", ms=7, label="start")
    ax.plot(*mle, "*", color="gold", mec="k", ms=15, label="MLE")
    ax.set_xlabel("shape α")
    ax.set_ylabel("rate β")
    ax.set_xlim(a_grid[0], a_grid[-1])
    ax.set_ylim(b_grid[0], b_grid[-1])
    ax.set_title("Fitting a Gamma distribution: paths over the loss contours")
    ax.legend(loc="upper left", fontsize=9)

    for res, color, name in [
        (plain, "tab:red", "plain gradient descent"),
        (natural, "tab:blue", "natural gradient"),
    ]:
        gap = np.maximum(res.history["fun"] - best, 1e-16)
        ax2.semilogy(np.arange(gap.size), gap, color=color, lw=2, label=name)
    ax2.set_xscale("symlog", linthresh=10)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("loss − minimum")
    ax2.set_title("Convergence")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend()
    fig.tight_layout()
    fig.savefig(out / "natural_gradient.png", dpi=120)
    plt.close(fig)

    # ------------------------------------------------------------ figure 2: trust region
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    ax.contour(A, B, Z, levels=levels, colors="0.55", linewidths=0.6)
    for k in range(len(trust_path) - 1):
        ax.plot(*kl_ball(G, trust_path[k], EPS), color="tab:green", lw=1.0, alpha=0.7)
    ax.plot(
        *trust_path.T,
        "o-",
        color="tab:green",
        lw=2,
        ms=4,
        label=f"natural gradient, trust_region={EPS}",
    )
    ax.plot(*mle, "*", color="gold", mec="k", ms=15, label="MLE")
    ax.set_xlim(a_grid[0], a_grid[-1])
    ax.set_ylim(b_grid[0], b_grid[-1])
    ax.set_xlabel("shape α")
    ax.set_ylabel("rate β")
    ax.set_title("KL trust region: each step ends on its KL ball ½dᵀF(θ)d = ε")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "kl_trust_region.png", dpi=120)
    plt.close(fig)

    # ------------------------------------------------------------ figure 3: geodesics
    N = ig.Normal()
    pairs = [
        ((-2.0, 1.0), (2.0, 1.0)),
        ((-3.0, 0.5), (1.0, 2.5)),
        ((0.0, 0.4), (3.0, 0.4)),
        ((-1.0, 3.0), (1.5, 0.7)),
    ]
    t = np.linspace(0.0, 1.0, 101)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.2))
    print("\nNormal distributions: Fisher–Rao distance vs length of the straight line")
    for (p, q), color in zip(pairs, plt.cm.viridis(np.linspace(0.0, 0.75, len(pairs)))):
        p, q = np.array(p), np.array(q)
        geo = N.geodesic(p, q)
        pts = geo(t)
        line_len = N.curve_length(np.linspace(p, q, 401))
        ax.plot(*pts.T, color=color, lw=2.2, label=f"length {geo.length:.2f} (line {line_len:.2f})")
        ax.plot(*np.stack([p, q]).T, "--", color=color, lw=1)
        ax.plot(*np.stack([p, q]).T, "o", color=color, ms=6)
        print(
            f"  N({p[0]:g}, {p[1]:g}²) → N({q[0]:g}, {q[1]:g}²): geodesic {geo.length:.4f},"
            f" straight line {line_len:.4f}"
        )
    ax.plot([], [], "k-", lw=2, label="geodesic (solid)")
    ax.plot([], [], "k--", lw=1, label="straight line in (μ, σ)")
    ax.set_xlabel("mean μ")
    ax.set_ylabel("standard deviation σ")
    ax.set_ylim(0, 4.1)
    ax.set_title("Geodesics of the normal family (Fisher metric)")
    ax.legend(loc="upper center", ncol=2, fontsize=8.5)

    p, q = np.array([-2.0, 1.0]), np.array([2.0, 1.0])
    geo = N.geodesic(p, q)
    x = np.linspace(-6, 6, 400)
    for s, color in zip(np.linspace(0, 1, 7), plt.cm.coolwarm(np.linspace(0, 1, 7))):
        mu, sigma = geo(s)
        ax2.plot(
            x,
            np.exp(N.log_prob(x, [mu, sigma])),
            color=color,
            lw=2,
            label=f"t = {s:.2f}: N({mu:+.2f}, {sigma:.2f}²)",
        )
    ax2.set_xlabel("x")
    ax2.set_ylabel("density")
    ax2.set_title("Densities along the geodesic from N(−2, 1) to N(2, 1)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "normal_geodesics.png", dpi=120)
    plt.close(fig)

    written = ["natural_gradient.png", "kl_trust_region.png", "normal_geodesics.png"]
    print(f"\nwrote {', '.join(written)} to {out}/")


if __name__ == "__main__":
    main()
