"""Dual geometry of the normal family: e-, m- and Fisher–Rao geodesics.

The normal family N(μ, σ²) is an exponential family with natural parameters
ϑ = (μ/σ², −1/(2σ²)) and expectation parameters η = (μ, μ² + σ²). The e-geodesic
between two normals is the straight segment in ϑ, the m-geodesic the straight segment
in η, and the Fisher–Rao (Levi-Civita) geodesic a half-circle in (μ/√2, σ). We draw
the three in the (μ, σ) plane, print their Fisher lengths (the Fisher–Rao one is the
shortest), the divergences between the end points (total variation included), follow
the m-geodesic's initial velocity with the α-exponential map, check the generalized Pythagorean
theorem for the m-projection onto a fixed-mean sub-family, and show that mirror
descent with the negative entropy as mirror map takes the natural-gradient steps.

Run:  python examples/dual_geodesics.py [--output-dir output]
"""

from __future__ import annotations

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig
from infogeo.optim import MirrorDescent


def main() -> None:
    parser = argparse.ArgumentParser(description="e-, m- and Fisher–Rao geodesics")
    parser.add_argument("--output-dir", default="output")
    out = pathlib.Path(parser.parse_args().output_dir)
    out.mkdir(parents=True, exist_ok=True)

    N = ig.Normal()  # coordinates (mu, sigma)
    p, q = np.array([-2.0, 0.6]), np.array([2.5, 1.8])
    t = np.linspace(0.0, 1.0, 101)
    curves = {
        "e-geodesic (α = 1, straight in ϑ)": N.alpha_geodesic(p, q, 1.0),
        "m-geodesic (α = −1, straight in η)": N.alpha_geodesic(p, q, -1.0),
        "Fisher–Rao geodesic (α = 0)": N.geodesic(p, q),
    }
    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    print(f"{'curve':<38s} {'Fisher length':>13s}")
    for (label, geo), style in zip(curves.items(), ["-", "--", ":"]):
        pts = geo(t)
        ax.plot(pts[:, 0], pts[:, 1], style, lw=2, label=label)
        print(f"{label:<38s} {geo.length:13.6f}")
    print(f"{'Fisher–Rao distance':<38s} {float(N.dist(p, q)):13.6f}")
    ax.plot(*np.transpose([p, q]), "ko")
    ax.set_xlabel("μ")
    ax.set_ylabel("σ")
    ax.set_title("Dual geodesics between N(−2, 0.6²) and N(2.5, 1.8²)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "dual_geodesics.png", dpi=120)
    plt.close(fig)

    print("\ndivergences D(p : q)")
    for kind, alpha in [
        ("kl", None),
        ("jeffreys", None),
        ("bhattacharyya", None),
        ("hellinger", None),
        ("renyi", 0.5),
        ("alpha", 0.5),
        ("chernoff", None),
        ("tv", None),
    ]:
        value = float(N.divergence(p, q, kind, alpha=alpha))
        name = kind if alpha is None else f"{kind} (α = {alpha})"
        print(f"  {name:<22s} {value:.6f}")

    h2 = float(N.divergence(p, q, "hellinger")) ** 2
    print(
        f"  total variation ½∫|p − q| = {float(N.total_variation(p, q)):.12f} "
        f"(between H² = {h2:.6f} and H√(2 − H²) = {np.sqrt(h2 * (2 - h2)):.6f})"
    )

    # the α-exponential map: the m-geodesic's initial velocity leads back to q
    m_geo = curves["m-geodesic (α = −1, straight in η)"]
    print(f"\nalpha_exp(p, γ̇(0), α = −1) = {N.alpha_exp(p, m_geo.velocity, -1.0)} (q = {q})")

    # m-projection of p onto {μ = 1} (e-flat: ϑ₁ + 2ϑ₂ = 0) and Pythagoras
    proj = N.m_projection(p, ("natural", [[1.0, 2.0]], [0.0]))
    r = np.array([1.0, 3.0])
    lhs, rhs = float(N.kl(p, r)), float(N.kl(p, proj) + N.kl(proj, r))
    print(
        f"\nm-projection onto μ = 1: {proj}; Pythagoras KL(p‖r) = {lhs:.12f}, "
        f"KL(p‖q) + KL(q‖r) = {rhs:.12f}"
    )

    # mirror descent with the negative entropy = natural gradient in ϑ
    data = N.sample(np.array([1.0, 2.0]), size=1000, rng=0)
    res = MirrorDescent(N, data, gtol=1e-10).minimize(x0=[0.0, 1.0])
    print(f"mirror descent MLE {res.x} in {res.nit} iterations; ig.fit gives {ig.fit(N, data).x}")


if __name__ == "__main__":
    main()
