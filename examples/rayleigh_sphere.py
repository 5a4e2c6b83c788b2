"""The smallest eigenvalue of a symmetric matrix, by optimization on a geomstats sphere.

min xᵀAx over the unit sphere is the smallest eigenvalue of A, reached at its
eigenvector. We wrap geomstats' Hypersphere with ig.from_geomstats and run infogeo's
Riemannian gradient descent on it: the Riemannian gradient is the Euclidean gradient
2Ax projected on the tangent space, 2(Ax − (xᵀAx)x), and the retraction normalizes.

Run:  python examples/rayleigh_sphere.py [--output-dir output]
"""

from __future__ import annotations

import argparse
import os
import pathlib

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
import matplotlib.pyplot as plt
import numpy as np
from geomstats.geometry.hypersphere import Hypersphere

import infogeo as ig


def main() -> None:
    parser = argparse.ArgumentParser(description="Rayleigh quotient on a geomstats sphere")
    parser.add_argument("--output-dir", default="output")
    out = pathlib.Path(parser.parse_args().output_dir)
    out.mkdir(parents=True, exist_ok=True)

    n = 200
    rng = np.random.default_rng(2026)
    B = rng.standard_normal((n, n))
    A = (B + B.T) / np.sqrt(2 * n)  # eigenvalues roughly in [−2, 2]

    sphere = ig.from_geomstats(Hypersphere(n - 1))  # S¹⁹⁹ in ℝ²⁰⁰; points have 200 entries
    x0 = sphere.random_point(rng=rng)
    res = ig.minimize(
        lambda x: x @ A @ x, x0, sphere, grad=lambda x: 2 * A @ x, gtol=1e-6, max_iter=5000
    )

    eig = np.linalg.eigvalsh(A)
    print(f"smallest eigenvalue: infogeo {res.fun:.12f}, numpy.linalg.eigvalsh {eig[0]:.12f}")
    print(
        f"error {abs(res.fun - eig[0]):.1e} after {res.nit} iterations "
        f"({res.wall_time:.2f} s); |x| − 1 = {np.linalg.norm(res.x) - 1:.1e}"
    )
    _, vecs = np.linalg.eigh(A)
    print(f"|⟨x, v_min⟩| = {abs(res.x @ vecs[:, 0]):.10f}")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.semilogy(np.maximum(res.history["fun"] - eig[0], 1e-16), lw=2, label="xᵀAx − λ_min")
    ax.semilogy(res.history["grad_norm"], lw=1.5, label="Riemannian gradient norm")
    ax.axhline(1e-10, color="grey", ls=":", lw=1, label="target accuracy 1e-10")
    ax.set_xlabel("iteration")
    ax.set_title(f"Rayleigh quotient on a geomstats sphere $S^{{{n - 1}}}$")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "rayleigh_sphere.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'rayleigh_sphere.png'}")


if __name__ == "__main__":
    main()
