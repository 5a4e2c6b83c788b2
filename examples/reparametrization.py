"""Reparametrization invariance, made visible.

The same normal distributions can be described by (μ, σ) or by (μ, log σ). Straight
lines, Euclidean distances and plain gradient descent all depend on that choice; the
Fisher–Rao geometry does not. We compute, in both coordinate systems,

* the geodesic between N(−2, 0.5²) and N(2, 2²), and its length;
* gradient-descent paths that fit the same data, plain and natural (small fixed steps,
  so the paths follow the continuous gradient flows),

and draw everything in the (μ, σ) plane: the two geodesics and the two natural-gradient
paths coincide, the two plain-gradient paths do not.

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


def path_of(method, chart, x0, data, **options):
    """Iterates of a descent on ``chart`` (fixed small steps), as an array."""
    path = [np.array(x0, dtype=float)]
    method(chart, data, x0, callback=lambda r: path.append(r.x.copy()), **options)
    return np.array(path)


def natural(chart, data, x0, **options):
    return ig.NaturalGradientDescent(chart, data, **options).minimize(x0=x0)


def plain(chart, data, x0, **options):
    def fun(x):
        return chart.nll(x, data) if chart.belongs(x) else np.inf

    dim = chart.dim
    return ig.minimize(
        fun, x0, ig.Euclidean(dim), grad=lambda x: chart.nll_grad(x, data), **options
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Reparametrization invariance")
    parser.add_argument("--output-dir", default="output")
    out = pathlib.Path(parser.parse_args().output_dir)
    out.mkdir(parents=True, exist_ok=True)

    N = ig.Normal()  # chart A: (μ, σ)
    N_log = N.reparametrize(to_log, from_log, names=("mu", "log_sigma"))  # chart B

    # ------------------------------------------------------------ geodesics
    p, q = np.array([-2.0, 0.5]), np.array([2.0, 2.0])
    geo_a = N.geodesic(p, q)
    geo_b = N_log.geodesic(to_log(p), to_log(q))
    t = np.linspace(0, 1, 80)
    pts_a, pts_b = geo_a(t), from_log(geo_b(t))
    line_a = N.curve_length(np.linspace(p, q, 400))
    line_b = N_log.curve_length(np.linspace(to_log(p), to_log(q), 400))
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

    # ------------------------------------------------------------ gradient paths
    rng = np.random.default_rng(0)
    data = rng.normal(1.0, 1.5, size=400)
    x0 = np.array([-2.0, 0.4])
    opts = dict(line_search=None, gtol=1e-6)
    nat_a = path_of(natural, N, x0, data, step_size=0.05, max_iter=120, **opts)
    nat_b = from_log(
        path_of(natural, N_log, to_log(x0), data, step_size=0.05, max_iter=120, **opts)
    )
    pl_a = path_of(plain, N, x0, data, step_size=0.02, max_iter=600, **opts)
    pl_b = from_log(path_of(plain, N_log, to_log(x0), data, step_size=0.02, max_iter=600, **opts))
    gap = np.max(np.linalg.norm(nat_a - nat_b[: len(nat_a)], axis=-1))
    print(f"\nnatural-gradient paths in the two charts differ by at most {gap:.2e} in (μ, σ)")
    print(f"plain-gradient paths after 100 steps: (μ, σ) {pl_a[100]}, (μ, log σ) {pl_b[100]}")

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.2))
    ax.plot(*pts_a.T, "-", color="tab:blue", lw=5, alpha=0.35, label="geodesic computed in (μ, σ)")
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
    ax.legend(fontsize=9)

    ax2.plot(*nat_a.T, "-", color="tab:blue", lw=5, alpha=0.35, label="natural gradient in (μ, σ)")
    ax2.plot(*nat_b.T, "--", color="tab:blue", lw=1.8, label="natural gradient in (μ, log σ)")
    ax2.plot(*pl_a.T, "-", color="tab:red", lw=1.8, label="plain gradient in (μ, σ)")
    ax2.plot(*pl_b.T, "-", color="tab:orange", lw=1.8, label="plain gradient in (μ, log σ)")
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
