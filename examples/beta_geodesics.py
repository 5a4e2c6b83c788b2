"""Curve lengths and geodesics between Beta distributions.

The Beta family Beta(a, b) with the Fisher metric is a curved 2-d manifold. We draw
Fisher–Rao geodesics between a few pairs of Beta distributions in the (a, b) plane,
compare the geodesic distance with the length of the straight segment between the same
end points (always longer, or equal), and plot the densities along one geodesic:
the "straightest" way to morph one distribution into another.

Run:  python examples/beta_geodesics.py [--output-dir output]
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Geodesics between Beta distributions")
    parser.add_argument("--output-dir", default="output")
    out = pathlib.Path(parser.parse_args().output_dir)
    out.mkdir(parents=True, exist_ok=True)

    Be = ig.Beta()  # coordinates (a, b)
    # On the diagonal a = b the straight segment is itself a geodesic (by the symmetry
    # a <-> b of the family); off it, geodesics bend towards smaller a and b.
    pairs = [((1.5, 5.0), (5.0, 1.5)), ((2.0, 2.0), (8.0, 8.0)), ((0.8, 1.2), (6.0, 3.0))]
    t = np.linspace(0.0, 1.0, 60)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 5.2))
    print(f"{'from':>14s} {'to':>14s} {'geodesic':>9s} {'straight line':>14s} {'ratio':>6s}")
    colors = plt.cm.viridis(np.linspace(0.0, 0.8, len(pairs)))
    for (p, q), color in zip(pairs, colors):
        p, q = np.array(p), np.array(q)
        geo = Be.geodesic(p, q)  # solves the geodesic boundary-value problem
        path = geo(t)

        # The straight segment as a callable curve t -> (n, 2), differentiated by autograd
        def segment(s, p=p, q=q):
            return p + anp.reshape(s, (-1, 1)) * (q - p)

        line = Be.curve_length(segment)
        # the curve length of the geodesic's own points (a polyline) agrees with .length
        poly = Be.curve_length(geo(np.linspace(0, 1, 400)))
        assert abs(poly - geo.length) < 1e-3 * geo.length
        print(
            f"{f'Beta({p[0]:g}, {p[1]:g})':>14s} {f'Beta({q[0]:g}, {q[1]:g})':>14s}"
            f" {geo.length:9.4f} {line:14.4f}"
            f" {line / geo.length:6.3f}"
        )
        ax.plot(*path.T, color=color, lw=2.2)
        ax.plot(*np.stack([p, q]).T, "--", color=color, lw=1)
        ax.plot(*np.stack([p, q]).T, "o", color=color, ms=6)
    ax.plot([], [], "k-", lw=2, label="Fisher–Rao geodesic")
    ax.plot([], [], "k--", lw=1, label="straight segment")
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    ax.set_title("Geodesics of the Beta family")
    ax.legend()

    # densities along the first geodesic
    p, q = map(np.array, pairs[0])
    geo = Be.geodesic(p, q)
    x = np.linspace(0.002, 0.998, 400)
    for s, color in zip(np.linspace(0, 1, 6), plt.cm.coolwarm(np.linspace(0, 1, 6))):
        a, b = geo(s)
        ax2.plot(
            x,
            np.exp(Be.log_prob(x, [a, b])),
            color=color,
            lw=2,
            label=f"t = {s:.1f}: Beta({a:.2f}, {b:.2f})",
        )
    ax2.set_xlabel("x")
    ax2.set_ylabel("density")
    ax2.set_title(f"Along the geodesic Beta({p[0]:g}, {p[1]:g}) → Beta({q[0]:g}, {q[1]:g})")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "beta_geodesics.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'beta_geodesics.png'}")


if __name__ == "__main__":
    main()
