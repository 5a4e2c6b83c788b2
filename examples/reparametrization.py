"""Reparametrization invariance, made visible.

The same normal distributions can be described by (μ, σ) or by (μ, s = log σ).
Straight lines, Euclidean distances and plain gradient descent all depend on that
choice; the Fisher–Rao geometry does not. To see it without taking the library's word
for it, chart B is built from its metric alone: the Fisher metric diag(1/σ², 2/σ²)
pulled back to (μ, s) is G(μ, s) = diag(e^{−2s}, 2), handed to ig.MetricManifold, which
integrates its own geodesic equation. We compute in both charts

* the geodesic from N(−2, 0.5²) towards N(2, 2²) (in chart B from the same initial
  velocity, mapped by the chart change), and its length;
* gradient-descent paths that fit the same data, plain and natural (small fixed steps,
  so the paths follow the continuous gradient flows),

and draw everything in the (μ, σ) plane: the two geodesics coincide, the two
natural-gradient paths coincide (the gradient G⁻¹∇L is the same tangent vector in both
charts), the two plain-gradient paths go different ways.

Run:  python examples/reparametrization.py [--output-dir output]
"""

from __future__ import annotations

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import autograd.numpy as anp
import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig


def to_log(theta):  # (μ, σ) -> (μ, log σ)
    return anp.stack([theta[..., 0], anp.log(theta[..., 1])], axis=-1)


def from_log(phi):  # (μ, log σ) -> (μ, σ)
    return anp.stack([phi[..., 0], anp.exp(phi[..., 1])], axis=-1)


def metric_log(phi):
    """Fisher metric of the normal family in (μ, s = log σ): Jᵀ F J = diag(e^{−2s}, 2)."""
    return anp.array([[anp.exp(-2.0 * phi[1]), 0.0], [0.0, 2.0]])


def descent_path(fun, x0, manifold, **options):
    """Iterates of Riemannian gradient descent (autograd gradient), as an array; the
    run must reach its tolerance."""
    path = [np.array(x0, dtype=float)]
    res = ig.minimize(fun, x0, manifold, callback=lambda r: path.append(r.x.copy()), **options)
    assert res.success, f"descent on {manifold!r} did not reach its tolerance: {res.message}"
    return np.array(path)


def main() -> None:
    parser = argparse.ArgumentParser(description="Reparametrization invariance")
    parser.add_argument("--output-dir", default="output")
    out = pathlib.Path(parser.parse_args().output_dir)
    out.mkdir(parents=True, exist_ok=True)

    N = ig.Normal()  # chart A: (μ, σ), closed-form geometry
    chart_b = ig.MetricManifold(metric_log, 2)  # chart B: (μ, log σ), from its metric alone

    # ------------------------------------------------------------ geodesics
    p, q = np.array([-2.0, 0.5]), np.array([2.0, 2.0])
    geo_a = N.geodesic(p, q)
    # Chart B integrates its own geodesic equation from the same initial velocity,
    # mapped by the chart change: v_B = J⁻¹ v_A with J = ∂(μ, σ)/∂(μ, s) = diag(1, σ).
    v_b = geo_a.velocity / np.array([1.0, p[1]])
    geo_b = chart_b.geodesic(to_log(p), velocity=v_b)
    t = np.linspace(0, 1, 40)
    pts_a, pts_b = geo_a(t), from_log(geo_b(t))
    line_a = N.curve_length(np.linspace(p, q, 400))
    line_b = chart_b.curve_length(np.linspace(to_log(p), to_log(q), 400))
    print("From N(−2, 0.5²) to N(2, 2²):")
    print(
        f"  Fisher–Rao distance     (μ, σ): {geo_a.length:.10f}   (μ, log σ): {geo_b.length:.10f}"
    )
    print(
        f"  Euclidean distance      (μ, σ): {np.linalg.norm(q - p):.10f}   "
        f"(μ, log σ): {np.linalg.norm(to_log(q) - to_log(p)):.10f}"
    )
    print(f"  Fisher length of the straight line  (μ, σ): {line_a:.6f}   (μ, log σ): {line_b:.6f}")
    print(f"  max gap between the two geodesics in (μ, σ): {np.max(np.abs(pts_a - pts_b)):.1e}")
    print(f"  chart B's geodesic ends at {np.round(from_log(geo_b.end), 10)} (target {q})")

    # ------------------------------------------------------------ gradient paths
    rng = np.random.default_rng(0)
    data = rng.normal(1.0, 1.5, size=400)
    x0 = np.array([-2.0, 0.4])

    def loss_a(theta):  # mean negative log-likelihood in chart A (+inf outside σ > 0)
        return N.nll(theta, data) if theta[1] > 0 else np.inf

    def loss_b(phi):  # the same function of the distribution, in chart B
        return N.nll(from_log(phi), data)

    # fixed short steps, so the paths are smooth curves; run until the gradient norm is
    # 1e-3 (the end of each path is then on the minimum at the scale of the plot)
    fixed = dict(line_search=None, gtol=1e-3, max_iter=5000)
    nat_a = descent_path(loss_a, x0, N, step_size=0.05, **fixed)
    nat_b = from_log(descent_path(loss_b, to_log(x0), chart_b, step_size=0.05, **fixed))
    pl_a = descent_path(loss_a, x0, ig.Euclidean(2), step_size=0.02, **fixed)
    pl_b = from_log(descent_path(loss_b, to_log(x0), ig.Euclidean(2), step_size=0.02, **fixed))
    n = min(len(nat_a), len(nat_b))
    gap = np.max(np.linalg.norm(nat_a[:n] - nat_b[:n], axis=-1))
    print(f"\nnatural-gradient paths in the two charts differ by at most {gap:.1e} in (μ, σ):")
    print("  the natural-gradient direction G⁻¹∇L is the same tangent vector in both charts,")
    print("  and the retraction on σ > 0, σ·exp(v/σ), is a straight step in log σ")
    k = min(100, len(pl_a) - 1, len(pl_b) - 1)
    print(
        f"plain-gradient iterate {k}: (μ, σ) chart {np.round(pl_a[k], 3)}, "
        f"(μ, log σ) chart {np.round(pl_b[k], 3)}"
    )

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.2))
    ax.plot(*pts_a.T, "-", color="tab:blue", lw=6, alpha=0.3, label="geodesic computed in (μ, σ)")
    ax.plot(*pts_b.T, "--", color="tab:blue", lw=1.8, label="geodesic computed in (μ, log σ)")
    ax.plot(*np.stack([p, q]).T, ":", color="tab:red", lw=1.5, label="straight line in (μ, σ)")
    ax.plot(
        *from_log(np.linspace(to_log(p), to_log(q), 80)).T,
        ":",
        color="tab:orange",
        lw=1.5,
        label="straight line in (μ, log σ)",
    )
    ax.plot(*np.stack([p, q]).T, "ko", ms=6)
    ax.set_xlabel("μ")
    ax.set_ylabel("σ")
    ax.set_title("Same end points, two charts: one geodesic")
    ax.legend(fontsize=9, loc="upper left")

    ax2.plot(*nat_a.T, "-", color="tab:blue", lw=6, alpha=0.3, label="natural gradient in (μ, σ)")
    ax2.plot(*nat_b.T, "--", color="tab:blue", lw=1.8, label="natural gradient in (μ, log σ)")
    ax2.plot(*pl_a.T, "-", color="tab:red", lw=1.5, label="plain gradient in (μ, σ)")
    ax2.plot(*pl_b.T, "-", color="tab:orange", lw=1.5, label="plain gradient in (μ, log σ)")
    ax2.plot(*x0, "ks", ms=7, label="start")
    ax2.plot(np.mean(data), np.std(data), "*", color="gold", mec="k", ms=15, label="MLE")
    ax2.set_xlabel("μ")
    ax2.set_ylabel("σ")
    ax2.set_title("Fitting the same data: paths drawn in (μ, σ)")
    ax2.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "reparametrization.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'reparametrization.png'}")


if __name__ == "__main__":
    main()
