"""Scale-out: chunked natural-gradient fitting against dask-glm, and chunked geometry.

1. Logistic regression, ``n = 10⁷`` rows, ``d = 20`` columns (an intercept column and
   19 standard-normal features), generated chunk by chunk by ``dask.array.random``
   from a fixed seed and never held whole (1.6 GB as float64). Each method sees the
   identical lazy arrays and runs on Dask's local threaded scheduler:
   infogeo's chunked natural gradient (``ig.models.logistic_regression`` on Dask
   arrays, one pass over the data per step), and dask-glm's ``newton``, ``lbfgs``
   and ``admm`` (``normalize=False``, unpenalized; the anchor). Reported per method:
   passes over the data (counted by the data-generating task itself), wall time,
   peak resident memory, iterations and the largest coefficient difference from
   dask-glm's Newton optimum. Each method runs in a fresh process of this script
   (the same seed gives the same data), since peak RSS is a per-process figure.
   Before that, an in-memory check: infogeo (chunked) and statsmodels ``Logit`` on
   the first 200,000 rows must agree to 1e-8.
2. Pairwise Fisher–Rao distances among 2000 Gamma distributions: ``ig.pairwise_dist``
   on numpy against the same call on a Dask array (row blocks mapped over the
   local scheduler), when ``ig.pairwise_dist`` exists.

Run: ``python benchmarks/run.py scaleout`` (``--small`` for a 10⁶-row smoke run).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np

N_ROWS = 10_000_000
N_COLS = 20
CHUNK = 250_000
SEED = 20261203
METHODS = ("infogeo", "newton", "lbfgs", "admm")
#: ADMM iterations: each is a pass with local solves per chunk; 50 did not finish in 12 min
ADMM_ITER = 10

_COUNT = {"blocks": 0}
_LOCK = threading.Lock()


def _counted(block):
    with _LOCK:
        _COUNT["blocks"] += 1
    return block


def make_data(n: int, chunk: int = CHUNK):
    """Lazy ``(X, y)``: intercept column plus standard normals, labels from a fixed
    logistic model; the generating task counts how often each block is made."""
    import dask.array as da

    rng = da.random.default_rng(SEED)
    feats = rng.standard_normal((n, N_COLS - 1), chunks=(chunk, N_COLS - 1))
    X = da.concatenate([da.ones((n, 1), chunks=(chunk, 1)), feats], axis=1).rechunk((chunk, -1))
    X = X.map_blocks(_counted, dtype=float, meta=np.empty((0, 0)))
    w_true = np.linspace(-1.0, 1.0, N_COLS) * 0.5
    y = (rng.random(n, chunks=chunk) < 1.0 / (1.0 + da.exp(-(X @ w_true)))) * 1.0
    return X, y


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(method: str, n: int) -> dict:
    """One method on the lazy data, in this process; returns its figures."""
    import dask

    dask.config.set(scheduler="threads")
    X, y = make_data(n)
    n_blocks = X.numblocks[0]
    base = _rss_mb()
    start = time.perf_counter()
    if method == "infogeo":
        import infogeo as ig

        model = ig.models.logistic_regression(X, y)
        res = ig.NaturalGradientDescent(model, gtol=1e-10, max_iter=50).minimize()
        beta, nit, ok = res.x, res.nit, bool(res.success)
    else:
        from dask_glm import algorithms

        kwargs = {"normalize": False}
        if method == "admm":
            kwargs.update(regularizer="l2", lamduh=0.0, max_iter=ADMM_ITER)
        if method == "lbfgs":
            kwargs.update(tol=1e-10, max_iter=200)
        if method == "newton":
            kwargs.update(tol=1e-10)
        beta = np.asarray(getattr(algorithms, method)(X, y, **kwargs))
        nit, ok = None, None
    wall = time.perf_counter() - start
    return {
        "method": method,
        "beta": np.asarray(beta).tolist(),
        "passes": _COUNT["blocks"] / n_blocks,
        "wall": wall,
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base,
        "nit": nit,
        "success": ok,
    }


def subsample_check(n_sub: int = 200_000) -> float:
    """Largest |Δw| between infogeo (chunked, Dask) and statsmodels on the first rows."""
    import dask
    import statsmodels.api as sm

    import infogeo as ig

    X, y = make_data(n_sub, chunk=50_000)
    Xm, ym = dask.compute(X, y)
    ours = ig.NaturalGradientDescent(ig.models.logistic_regression(X, y), gtol=1e-12).minimize()
    theirs = sm.Logit(ym, Xm).fit(method="newton", tol=1e-14, disp=0)
    return float(np.max(np.abs(ours.x - theirs.params)))


def pairwise_rows(n_dist: int = 2000) -> None:
    import infogeo as ig

    if not hasattr(ig, "pairwise_dist"):
        print("  (ig.pairwise_dist is not available in this build: skipped)")
        return
    import dask.array as da

    G = ig.Gamma()
    pts = G.random_point(n_dist, rng=np.random.default_rng(1))
    start = time.perf_counter()
    D_np = ig.pairwise_dist(G, pts, pts)
    t_np = time.perf_counter() - start
    start = time.perf_counter()
    D_da = ig.pairwise_dist(G, da.from_array(pts, chunks=(n_dist // 8, 2)), pts)
    D_da = np.asarray(D_da.compute() if hasattr(D_da, "compute") else D_da)
    t_da = time.perf_counter() - start
    err = float(np.max(np.abs(D_da - D_np)))
    print(f"  {n_dist} Gamma distributions, {n_dist * n_dist} ordered pairs:")
    print(f"    numpy {t_np:.1f} s   dask (local threads) {t_da:.1f} s   max |Δ| {err:.1e}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    n = 1_000_000 if "--small" in argv else N_ROWS
    print(f"Logistic regression, n = {n:,}, d = {N_COLS}, chunks of {CHUNK:,} rows")
    print(f"  data as float64: {n * N_COLS * 8 / 1e9:.2f} GB (generated per chunk, never whole)")
    print(
        f"  subsample check vs statsmodels Logit (200,000 rows): max |Δw| = {subsample_check():.1e}"
    )
    rows = []
    for method in METHODS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", method, str(n)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if out.returncode != 0:
            print(f"  {method}: failed\n{out.stderr[-2000:]}")
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    ref = next((r for r in rows if r["method"] == "newton"), None)
    print(f"  {'method':<10}{'passes':>8}{'wall s':>9}{'peak RSS MB':>13}{'max|Δw| vs newton':>20}")
    for r in rows:
        diff = np.max(np.abs(np.subtract(r["beta"], ref["beta"]))) if ref else float("nan")
        print(
            f"  {r['method']:<10}{r['passes']:>8.1f}{r['wall']:>9.1f}{r['peak_rss_mb']:>13.0f}"
            f"{diff:>20.1e}"
        )
    print("\nPairwise distances")
    pairwise_rows()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
