"""Geodesics and curve lengths on the Poincaré half-plane.

The upper half-plane {(x, y): y > 0} with the metric G = I / y² is the model of
hyperbolic geometry (and, up to a factor 2, the Fisher geometry of the normal
family in (mu, sigma)). Its geodesics are vertical lines and semicircles centred on
the x-axis, and the distance has the closed form

    d(p, q) = arccosh(1 + ‖p − q‖² / (2 y_p y_q)).

This script gives the metric to ``ig.MetricManifold`` and lets infogeo do everything
numerically: geodesics by Newton shooting, lengths by adaptive quadrature, curvature
by automatic differentiation. It prints the results next to the closed forms and
draws the geodesics (PNG files in --output-dir, default ``output/``).

Run:  python examples/halfplane_geodesics.py [--output-dir DIR]
"""

from __future__ import annotations

import argparse
import pathlib

import autograd.numpy as anp
import matplotlib
import numpy as np

import infogeo as ig

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def halfplane_metric(p):
    """G(p) = I / y², written for a batch of points (coordinates last)."""
    return anp.eye(2) / p[..., 1, None, None] ** 2


def closed_form_distance(p, q):
    return np.arccosh(1 + np.sum((p - q) ** 2, -1) / (2 * p[..., 1] * q[..., 1]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="output", help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    H = ig.MetricManifold(halfplane_metric, 2, bounds=[(None, None), (0, None)])
    print(f"manifold: {H!r}; scalar curvature at (0, 1): {float(H.scalar_curvature([0, 1])):+.12f}")

    # --- geodesics from one point to several others, all in one batched solve
    p = np.array([-1.5, 0.4])
    targets = np.array([[-1.5, 2.5], [0.0, 0.4], [1.5, 1.0], [2.0, 2.5], [2.0, 0.4]])
    v = H.log(p, targets)  # initial velocities, one Newton-shooting solve for all pairs
    d_num = H.norm(p, v)
    d_ref = closed_form_distance(p, targets)
    print("\ngeodesic distances from p = (-1.5, 0.4)")
    print(f"{'q':>16} {'numerical':>18} {'closed form':>18} {'rel. error':>11}")
    for q, dn, dr in zip(targets, d_num, d_ref):
        label = np.array2string(q, precision=2)
        print(f"{label:>16} {dn:18.12f} {dr:18.12f} {abs(dn / dr - 1):11.1e}")

    # points γ(t) = exp_p(t v) of every geodesic, again one batched integration
    t = np.linspace(0, 1, 120)
    curves = H.exp(p, t[:, None, None] * v[None, :, :])  # (times, targets, 2)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for j, q in enumerate(targets):
        ax.plot(
            curves[:, j, 0],
            curves[:, j, 1],
            label=f"to ({q[0]:g}, {q[1]:g}): length {d_num[j]:.4f}",
        )
        ax.plot(*q, "o", color=ax.lines[-1].get_color())
    ax.plot(*p, "ko")
    ax.set(xlabel="x", ylabel="y", title="Geodesics of the Poincaré half-plane from (-1.5, 0.4)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "halfplane_geodesics.png", dpi=120)
    plt.close(fig)

    # --- curve lengths: the straight segment is longer than the geodesic
    q, v_q = targets[-1], v[-1]

    def segment(s):
        return p + anp.outer(s, q - p)

    print("\nfrom (-1.5, 0.4) to (2.0, 0.4):")
    straight = H.curve_length(segment)
    print(f"  straight segment (quadrature) {straight:.12f}  closed form {3.5 / 0.4:.12f}")
    print(f"  geodesic (semicircle)         {d_num[-1]:.12f}  closed form {d_ref[-1]:.12f}")

    # --- a polyline through points of the geodesic converges to its length
    print("\npolyline along the geodesic: length vs number of points")
    ns = [5, 10, 20, 40, 80, 160]
    grids = [np.linspace(0, 1, n) for n in ns]
    pts = H.exp(p, np.concatenate(grids)[:, None] * v_q)  # all grids in one integration
    errs = []
    for n, poly in zip(ns, np.split(pts, np.cumsum(ns)[:-1])):
        length = H.curve_length(poly)
        errs.append(abs(length - d_num[-1]))
        print(f"  n = {n:4d}  length {length:.12f}  error {errs[-1]:.2e}")

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(ns, errs, "o-", label="|polyline − geodesic length|")
    ax.loglog(ns, errs[0] * (ns[0] / np.array(ns)) ** 2, "k--", label="slope −2")
    ax.set(xlabel="points", ylabel="error", title="Polyline length converges (2nd order)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "halfplane_polyline_convergence.png", dpi=120)
    plt.close(fig)
    names = ("halfplane_geodesics.png", "halfplane_polyline_convergence.png")
    print(f"\nwrote {out / names[0]} and {out / names[1]}")


if __name__ == "__main__":
    main()
