"""Special functions as autograd primitives, without importing ``autograd.scipy``.

``autograd.scipy.special`` imports ``autograd.scipy.stats`` and with it all of
``scipy.stats`` (about 0.4 s), which ``import infogeo`` does not need. The few
functions the families use are defined here directly on ``scipy.special`` with their
derivatives:

* ``d/dx log Γ(x) = ψ(x)``,
* ``d/dx ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁺¹⁾(x)`` (``ψ⁽⁰⁾ = ψ``, the digamma function).
"""

from __future__ import annotations

import scipy.special as _sp
from autograd.extend import defvjp, primitive

__all__ = ["digamma", "gammaln", "polygamma"]

gammaln = primitive(_sp.gammaln)
digamma = primitive(_sp.digamma)
polygamma = primitive(_sp.polygamma)

defvjp(gammaln, lambda ans, x: lambda g: g * digamma(x))
defvjp(digamma, lambda ans, x: lambda g: g * polygamma(1, x))
defvjp(polygamma, None, lambda ans, n, x: lambda g: g * polygamma(n + 1, x))
