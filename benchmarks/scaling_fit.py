"""Maximum likelihood by the sufficient statistic: time against n (issue 15.4).

``ig.fit`` on an exponential family reads the data once (the mean of t(x)) and solves
``η(θ̂) = t̄``; its cost beyond that pass does not depend on n. Peers on the same data
in the same process: scipy's ``gamma.fit(floc=0)`` and ``beta.fit(floc=0, fscale=1)``,
L-BFGS-B on the sufficient statistics (the reduction included in its time), and
infogeo's iterative natural-gradient path (``ig.fit(..., gtol=1e-10)``, which any
option selects). Each time is the median of three runs; ``Δnll`` is the mean negative
log-likelihood minus the best of the row (≤ 0 beats every peer).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.optimize
import scipy.stats as st
from scipy.special import gammaln

import infogeo as ig

NS = (10**3, 10**4, 10**5, 10**6)


def _median_time(fun, *args, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fun(*args)
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def _lbfgs_sufficient(family, x):
    """L-BFGS-B on ψ(ϑ(θ)) − ⟨ϑ(θ), t̄⟩ in log-parameters (the reduction timed too)."""
    tbar = family._mean_statistic(x)
    k = family.dim

    def f(u):
        a = np.exp(u)
        if isinstance(family, ig.Gamma):
            val = gammaln(a[0]) - a[0] * np.log(a[1]) - (a[0] - 1) * tbar[0] + a[1] * tbar[1]
        else:
            val = np.sum(gammaln(a)) - gammaln(a.sum()) - np.sum((a - 1) * tbar)
        return val

    res = scipy.optimize.minimize(f, np.zeros(k), method="L-BFGS-B", options={"gtol": 1e-10})
    return np.exp(res.x)


def _iterative(family, x):
    return ig.fit(family, x, gtol=1e-10)  # an option keeps the natural-gradient path


def _scipy(family, x):
    if isinstance(family, ig.Gamma):
        a, _, scale = st.gamma.fit(x, floc=0)
        return np.array([a, 1 / scale])
    if isinstance(family, ig.Beta):
        a, b, _, _ = st.beta.fit(x, floc=0, fscale=1)
        return np.array([a, b])
    return None


def main() -> None:
    rng = np.random.default_rng(0)
    cases = [
        (ig.Gamma(), np.array([2.5, 1.3])),
        (ig.Beta(), np.array([2.5, 1.3])),
        (ig.Dirichlet(3), np.array([2.5, 1.3, 0.4])),
    ]
    head = (
        f"{'family':>14} {'n':>8} {'infogeo s':>10} {'scipy s':>9} {'ratio':>6} "
        f"{'L-BFGS s':>9} {'NGD s':>8} {'Δnll ig':>9} {'Δnll scipy':>10} {'Δnll lbfgs':>10}"
    )
    print(head)
    for family, theta in cases:
        for n in NS:
            x = family.sample(theta, size=n, rng=rng)
            t_ig, r = _median_time(ig.fit, family, x)
            t_sp, th_sp = _median_time(_scipy, family, x)
            t_lb, th_lb = _median_time(_lbfgs_sufficient, family, x)
            t_ng, _ = _median_time(_iterative, family, x, repeat=1)
            nll = {"ig": family.nll(r.x, x), "lbfgs": family.nll(th_lb, x)}
            if th_sp is not None:
                nll["scipy"] = family.nll(th_sp, x)
            best = min(nll.values())
            sp = f"{t_sp:9.4f} {t_ig / t_sp:6.2f}" if th_sp is not None else f"{'—':>9} {'—':>6}"
            dsp = f"{nll['scipy'] - best:10.1e}" if th_sp is not None else f"{'—':>10}"
            print(
                f"{family!r:>14} {n:>8} {t_ig:10.4f} {sp} {t_lb:9.4f} {t_ng:8.3f} "
                f"{nll['ig'] - best:9.1e} {dsp} {nll['lbfgs'] - best:10.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
