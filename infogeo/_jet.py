"""Second-order forward-mode differentiation: values, gradients and Hessians at once.

A :class:`Jet` carries a value ``v`` (shape ``S``), its gradient ``g`` (shape
``S + (n,)``) and its Hessian ``h`` (shape ``S + (n, n)``, or ``None`` when it is zero)
with respect to ``n`` seed variables. Every operation applies the chain rule to
second order:

* ``f(u)``: ``∇f = f′(u) ∇u``, ``∇²f = f′(u) ∇²u + f″(u) ∇u ∇uᵀ``;
* ``f(u, w)``: ``∇f = f_u ∇u + f_w ∇w``, ``∇²f = f_u ∇²u + f_w ∇²w + f_uu ∇u ∇uᵀ
  + f_ww ∇w ∇wᵀ + f_uw (∇u ∇wᵀ + ∇w ∇uᵀ)``.

Why: the Fisher metric from a log-density needs ``∇²_θ log p(x_m | θ)`` at every
quadrature node ``x_m``. Reverse mode (autograd) traces the gradient and then runs one
backward pass per parameter, paying its per-operation overhead about ``3 + 2n``
times; a jet evaluates the log-density once, on all nodes together, and every node's
gradient and Hessian come out of that one pass.

Jets enter user code through numpy's dispatch protocols (``__array_ufunc__`` and
``__array_function__``): a log-density written with ``autograd.numpy`` runs on them
unchanged, because autograd's wrappers call plain numpy when no autograd box is
involved. An operation without a rule here raises :class:`JetUnsupported`; callers
then fall back to autograd, so a jet never returns a wrong derivative for code it does
not understand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.special as sp

__all__ = ["Jet", "JetUnsupported", "seed", "value_grad_hessian"]

_SQRT_PI = np.sqrt(np.pi)


class JetUnsupported(TypeError):
    """An operation on a :class:`Jet` that has no differentiation rule here."""


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., :, None] * b[..., None, :]


def _sym_outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a bᵀ + b aᵀ``."""
    ab = _outer(a, b)
    return ab + np.swapaxes(ab, -1, -2)


def _e(x):
    """Append the derivative axis to a coefficient of shape ``S``."""
    return np.asarray(x)[..., None]


def _ee(x):
    return np.asarray(x)[..., None, None]


# --------------------------------------------------------------------- unary rules
# each maps the value v to (f(v), f'(v), f''(v))
def _log(v):
    r = 1.0 / v
    return np.log(v), r, -r * r


def _exp(v):
    e = np.exp(v)
    return e, e, e


def _expm1(v):
    e = np.exp(v)
    return np.expm1(v), e, e


def _log1p(v):
    r = 1.0 / (1.0 + v)
    return np.log1p(v), r, -r * r


def _sqrt(v):
    s = np.sqrt(v)
    return s, 0.5 / s, -0.25 / (s * v)


def _reciprocal(v):
    r = 1.0 / v
    return r, -r * r, 2.0 * r * r * r


def _sin(v):
    s = np.sin(v)
    return s, np.cos(v), -s


def _cos(v):
    c = np.cos(v)
    return c, -np.sin(v), -c


def _tan(v):
    t = np.tan(v)
    d = 1.0 + t * t
    return t, d, 2.0 * t * d


def _tanh(v):
    t = np.tanh(v)
    d = 1.0 - t * t
    return t, d, -2.0 * t * d


def _sinh(v):
    s = np.sinh(v)
    return s, np.cosh(v), s


def _cosh(v):
    c = np.cosh(v)
    return c, np.sinh(v), c


def _arctan(v):
    d = 1.0 / (1.0 + v * v)
    return np.arctan(v), d, -2.0 * v * d * d


def _arcsinh(v):
    d = 1.0 / np.sqrt(1.0 + v * v)
    return np.arcsinh(v), d, -v * d * d * d


def _arctanh(v):
    d = 1.0 / (1.0 - v * v)
    return np.arctanh(v), d, 2.0 * v * d * d


def _gammaln(v):
    return sp.gammaln(v), sp.digamma(v), sp.polygamma(1, v)


def _digamma(v):
    return sp.digamma(v), sp.polygamma(1, v), sp.polygamma(2, v)


def _expit(v):
    s = sp.expit(v)
    d = s * sp.expit(-v)
    return s, d, d * (1.0 - 2.0 * s)


def _logit(v):
    d = 1.0 / (v * (1.0 - v))
    return sp.logit(v), d, (2.0 * v - 1.0) * d * d


def _erf(v):
    d = 2.0 / _SQRT_PI * np.exp(-v * v)
    return sp.erf(v), d, -2.0 * v * d


def _erfc(v):
    d = -2.0 / _SQRT_PI * np.exp(-v * v)
    return sp.erfc(v), d, -2.0 * v * d


def _ndtr(v):
    d = np.exp(-0.5 * v * v) / np.sqrt(2.0 * np.pi)
    return sp.ndtr(v), d, -v * d


def _log_ndtr(v):
    f = sp.log_ndtr(v)
    d = np.exp(-0.5 * v * v - 0.5 * np.log(2.0 * np.pi) - f)  # φ(v) / Φ(v)
    return f, d, -d * (v + d)


def _abs(v):
    return np.abs(v), np.sign(v), np.zeros_like(v)


_UNARY: dict = {
    np.log: _log,
    np.exp: _exp,
    np.expm1: _expm1,
    np.log1p: _log1p,
    np.sqrt: _sqrt,
    np.reciprocal: _reciprocal,
    np.sin: _sin,
    np.cos: _cos,
    np.tan: _tan,
    np.tanh: _tanh,
    np.sinh: _sinh,
    np.cosh: _cosh,
    np.arctan: _arctan,
    np.arcsinh: _arcsinh,
    np.arctanh: _arctanh,
    np.absolute: _abs,
    np.square: lambda v: (v * v, 2.0 * v, np.full_like(v, 2.0)),
    np.log2: lambda v: tuple(np.asarray(d) / np.log(2.0) for d in _log(v)),
    np.log10: lambda v: tuple(np.asarray(d) / np.log(10.0) for d in _log(v)),
    sp.gammaln: _gammaln,
    sp.loggamma: _gammaln,
    sp.digamma: _digamma,
    sp.expit: _expit,
    sp.logit: _logit,
    sp.erf: _erf,
    sp.erfc: _erfc,
    sp.ndtr: _ndtr,
    sp.log_ndtr: _log_ndtr,
}


# --------------------------------------------------------------------- binary rules
# each maps the values (a, b) to (f, f_a, f_b, f_aa, f_ab, f_bb)
def _power(a, b):
    f = np.power(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.nan)
    fa = b * np.power(a, b - 1.0)
    faa = b * (b - 1.0) * np.power(a, b - 2.0)
    fb = f * log_a
    return f, fa, fb, faa, np.power(a, b - 1.0) * (1.0 + b * log_a), fb * log_a


def _logaddexp(a, b):
    f = np.logaddexp(a, b)
    pa = np.exp(a - f)
    pb = np.exp(b - f)
    c = pa * pb
    return f, pa, pb, c, -c, c


def _xlogy(a, b):
    return sp.xlogy(a, b), np.log(b), a / b, 0.0, 1.0 / b, -a / (b * b)


def _xlog1py(a, b):
    r = 1.0 / (1.0 + b)
    return sp.xlog1py(a, b), np.log1p(b), a * r, 0.0, r, -a * r * r


def _betaln(a, b):
    pab = sp.digamma(a + b)
    tab = sp.polygamma(1, a + b)
    return (
        sp.betaln(a, b),
        sp.digamma(a) - pab,
        sp.digamma(b) - pab,
        sp.polygamma(1, a) - tab,
        -tab,
        sp.polygamma(1, b) - tab,
    )


def _arctan2(a, b):
    r = 1.0 / (a * a + b * b)
    r2 = r * r
    cross = 2.0 * a * b * r2
    return np.arctan2(a, b), b * r, -a * r, -cross, (a * a - b * b) * r2, cross


_BINARY: dict = {
    np.power: _power,
    np.float_power: _power,
    np.logaddexp: _logaddexp,
    np.arctan2: _arctan2,
    sp.xlogy: _xlogy,
    sp.xlog1py: _xlog1py,
    sp.betaln: _betaln,
}

_COMPARISONS = {
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.equal,
    np.not_equal,
    np.isfinite,
    np.isnan,
    np.isinf,
    np.sign,
    np.signbit,
}


class Jet:
    """A value with its gradient and Hessian with respect to ``n`` seed variables.

    Parameters
    ----------
    v
        The value, shape ``S``.
    g
        Its gradient, shape ``S + (n,)``.
    h
        Its Hessian, shape ``S + (n, n)``, or ``None`` for zero.
    """

    __slots__ = ("g", "h", "v")
    __array_priority__ = 1000.0

    def __init__(self, v, g, h=None):
        self.v = np.asarray(v, dtype=float)
        self.g = g
        self.h = h

    # ------------------------------------------------------------------ array-like
    @property
    def n(self) -> int:
        return self.g.shape[-1]

    @property
    def shape(self) -> tuple:
        return self.v.shape

    @property
    def ndim(self) -> int:
        return self.v.ndim

    @property
    def size(self) -> int:
        return self.v.size

    def __len__(self) -> int:
        return len(self.v)

    def __repr__(self) -> str:
        return f"Jet(shape={self.shape}, n={self.n})"

    def view(self, cls=None):
        """``self`` (autograd's ``concatenate`` calls ``.view(ndarray)`` on its result)."""
        if cls is not None and cls is not np.ndarray:
            raise JetUnsupported(f"a view of a Jet as {cls!r}")
        return self

    def __array__(self, *args, **kwargs):
        raise JetUnsupported("a Jet cannot be converted to a plain array")

    def __float__(self):
        raise JetUnsupported("a Jet cannot be converted to a float")

    def __bool__(self):
        raise JetUnsupported("the truth value of a Jet is not defined")

    def _index(self, key):
        """``key`` with any Ellipsis spelled out, so it never reaches the derivative
        axes."""
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            i = next(j for j, k in enumerate(key) if k is Ellipsis)
            used = sum(
                1
                if k is not None and not (isinstance(k, np.ndarray) and k.dtype == bool)
                else (np.ndim(k) if k is not None else 0)
                for k in key
                if k is not Ellipsis
            )
            key = key[:i] + (slice(None),) * (self.ndim - used) + key[i + 1 :]
        if any(isinstance(k, Jet) for k in key):
            raise JetUnsupported("indexing with a Jet")
        return key

    def __getitem__(self, key):
        key = self._index(key)
        return Jet(self.v[key], self.g[key], None if self.h is None else self.h[key])

    @property
    def T(self):
        return _transpose(self)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return _reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return _sum(self, axis, keepdims)

    # ------------------------------------------------------------------ operators
    def __add__(self, o):
        return _add(self, o, 1.0)

    def __radd__(self, o):
        return _add(o, self, 1.0)

    def __sub__(self, o):
        return _add(self, o, -1.0)

    def __rsub__(self, o):
        return _add(o, self, -1.0)

    def __mul__(self, o):
        return _mul(self, o)

    def __rmul__(self, o):
        return _mul(self, o)

    def __truediv__(self, o):
        return _divide_jets(self, o)

    def __rtruediv__(self, o):
        return _divide_jets(o, self)

    def __pow__(self, o):
        return _pow(self, o)

    def __rpow__(self, o):
        return _binary(_power, o, self)

    def __neg__(self):
        return _neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(_abs, self)

    def __matmul__(self, o):
        return _matmul(self, o)

    def __rmatmul__(self, o):
        return _matmul(o, self)

    def __lt__(self, o):
        return self.v < _val(o)

    def __le__(self, o):
        return self.v <= _val(o)

    def __gt__(self, o):
        return self.v > _val(o)

    def __ge__(self, o):
        return self.v >= _val(o)

    # ------------------------------------------------------------------ dispatch
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs.get("out") is not None:
            raise JetUnsupported(f"{ufunc.__name__}.{method} on a Jet")
        kwargs.pop("out", None)
        if kwargs:
            raise JetUnsupported(f"{ufunc.__name__} with keyword arguments on a Jet")
        if ufunc in _COMPARISONS:
            return ufunc(*(_val(x) for x in inputs))
        if ufunc is np.add:
            return _add(inputs[0], inputs[1], 1.0)
        if ufunc is np.subtract:
            return _add(inputs[0], inputs[1], -1.0)
        if ufunc is np.multiply:
            return _mul(inputs[0], inputs[1])
        if ufunc is np.true_divide:
            return _divide_jets(inputs[0], inputs[1])
        if ufunc is np.negative:
            return _neg(inputs[0])
        if ufunc is np.positive:
            return inputs[0]
        if ufunc is np.matmul:
            return _matmul(inputs[0], inputs[1])
        if ufunc is np.power and not isinstance(inputs[0], Jet):
            return _binary(_power, inputs[0], inputs[1])
        if ufunc is np.power:
            return _pow(inputs[0], inputs[1])
        if ufunc in _UNARY and len(inputs) == 1:
            return _unary(_UNARY[ufunc], inputs[0])
        if ufunc in _BINARY and len(inputs) == 2:
            return _binary(_BINARY[ufunc], inputs[0], inputs[1])
        if ufunc in (np.maximum, np.minimum, np.fmax, np.fmin):
            a, b = inputs
            va, vb = _val(a), _val(b)
            pick_a = va >= vb if ufunc in (np.maximum, np.fmax) else va <= vb
            return _where(pick_a, a, b)
        raise JetUnsupported(f"no second-order rule for {ufunc.__name__}")

    def __array_function__(self, func, types, args, kwargs):
        rule = _FUNCTIONS.get(func)
        if rule is None:
            raise JetUnsupported(f"no rule for numpy.{func.__name__} on a Jet")
        return rule(*args, **kwargs)


# --------------------------------------------------------------------- helpers
def _val(x):
    return x.v if isinstance(x, Jet) else x


def _lift(x, like: Jet) -> Jet:
    """A constant as a jet with zero derivatives."""
    if isinstance(x, Jet):
        return x
    v = np.asarray(x, dtype=float)
    return Jet(v, np.zeros((*v.shape, like.n)))


def _grad_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    return g if g.shape[:-1] == shape else np.broadcast_to(g, (*shape, g.shape[-1]))


def _hess_to(h, shape: tuple, n: int):
    if h is None or h.shape[:-2] == shape:
        return h
    return np.broadcast_to(h, (*shape, n, n))


def _add(a, b, sign: float) -> Jet:
    """``a + sign·b`` (either may be a constant)."""
    if isinstance(a, Jet) and isinstance(b, Jet):
        v = a.v + sign * b.v
        g = a.g + sign * b.g
        if b.h is None:
            h = a.h
        else:
            h = sign * b.h if a.h is None else a.h + sign * b.h
        n = a.n
    elif isinstance(a, Jet):
        v = a.v + sign * np.asarray(b, dtype=float)
        g, h, n = a.g, a.h, a.n
    else:
        v = np.asarray(a, dtype=float) + sign * b.v
        g = b.g if sign == 1.0 else -b.g
        h = None if b.h is None else (b.h if sign == 1.0 else -b.h)
        n = b.n
    return Jet(v, _grad_to(g, v.shape), _hess_to(h, v.shape, n))


def _neg(a: Jet) -> Jet:
    return Jet(-a.v, -a.g, None if a.h is None else -a.h)


def _mul(a, b) -> Jet:
    if not isinstance(a, Jet):
        a, b = b, a
    if not isinstance(b, Jet):
        c = np.asarray(b, dtype=float)
        v = a.v * c
        g = _grad_to(a.g * _e(c), v.shape)
        h = None if a.h is None else _hess_to(a.h * _ee(c), v.shape, a.n)
        return Jet(v, g, h)
    v = a.v * b.v
    g = a.g * _e(b.v) + b.g * _e(a.v)
    h = _sym_outer(a.g, b.g)
    if a.h is not None:
        h = h + a.h * _ee(b.v)
    if b.h is not None:
        h = h + b.h * _ee(a.v)
    return Jet(v, _grad_to(g, v.shape), _hess_to(h, v.shape, a.n))


def _unary(rule: Callable, a: Jet) -> Jet:
    f, f1, f2 = rule(a.v)
    g = a.g * _e(f1)
    h = _outer(a.g, a.g) * _ee(f2)
    if a.h is not None:
        h = h + a.h * _ee(f1)
    return Jet(f, g, h)


def _pow(a: Jet, b) -> Jet:
    if isinstance(b, Jet):
        return _binary(_power, a, b)
    c = np.asarray(b, dtype=float)
    if c.ndim == 0 and c == 2.0:
        return _unary(_UNARY[np.square], a)
    if c.ndim == 0 and c == 1.0:
        return a
    f = np.power(a.v, c)
    f1 = c * np.power(a.v, c - 1.0)
    f2 = c * (c - 1.0) * np.power(a.v, c - 2.0)
    return _unary(lambda v: (f, f1, f2), a)


def _binary(rule: Callable, a, b) -> Jet:
    ja, jb = isinstance(a, Jet), isinstance(b, Jet)
    f, fa, fb, faa, fab, fbb = rule(_val(a), _val(b))
    f = np.asarray(f, dtype=float)
    g = h = None
    for on, u, fu, fuu in ((ja, a, fa, faa), (jb, b, fb, fbb)):
        if not on:
            continue
        gu = u.g * _e(fu)
        hu = _outer(u.g, u.g) * _ee(fuu)
        if u.h is not None:
            hu = hu + u.h * _ee(fu)
        g = gu if g is None else g + gu
        h = hu if h is None else h + hu
    if ja and jb:
        h = h + _sym_outer(a.g, b.g) * _ee(fab)
    n = g.shape[-1]
    return Jet(f, _grad_to(g, f.shape), _hess_to(h, f.shape, n))


def _divide_jets(a, b) -> Jet:
    """``a / b``: a product with a constant ``1/b``, or with the jet ``1/b``."""
    if not isinstance(b, Jet):
        return _mul(a, 1.0 / np.asarray(b, dtype=float))
    return _mul(a, _unary(_reciprocal, b))


def _where(cond, a, b) -> Jet:
    like = a if isinstance(a, Jet) else b
    a, b = _lift(a, like), _lift(b, like)
    cond = np.asarray(cond)
    v = np.where(cond, a.v, b.v)
    g = np.where(cond[..., None], a.g, b.g)
    if a.h is None and b.h is None:
        h = None
    else:
        ha = a.h if a.h is not None else np.zeros((*a.v.shape, a.n, a.n))
        hb = b.h if b.h is not None else np.zeros((*b.v.shape, b.n, b.n))
        h = np.where(cond[..., None, None], ha, hb)
    return Jet(v, _grad_to(g, v.shape), _hess_to(h, v.shape, like.n))


def _axes(axis, ndim: int):
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, tuple) else (axis,)
    return tuple(int(a) % ndim if ndim else 0 for a in axis)


def _sum(a, axis=None, keepdims=False, **kwargs) -> Jet:
    if kwargs.get("dtype") is not None or kwargs.get("out") is not None:
        raise JetUnsupported("sum with dtype or out on a Jet")
    ax = _axes(axis, a.ndim)
    return Jet(
        np.sum(a.v, axis=ax, keepdims=keepdims),
        np.sum(a.g, axis=ax, keepdims=keepdims),
        None if a.h is None else np.sum(a.h, axis=ax, keepdims=keepdims),
    )


def _mean(a, axis=None, keepdims=False, **kwargs) -> Jet:
    ax = _axes(axis, a.ndim)
    count = int(np.prod([a.shape[i] for i in ax])) if ax else 1
    return _mul(_sum(a, axis, keepdims, **kwargs), 1.0 / count)


def _reshape(a, shape, *args, **kwargs) -> Jet:
    if args or kwargs:
        raise JetUnsupported("reshape with an order on a Jet")
    v = np.reshape(a.v, shape)
    n = a.n
    return Jet(
        v,
        np.reshape(a.g, (*v.shape, n)),
        None if a.h is None else np.reshape(a.h, (*v.shape, n, n)),
    )


def _transpose(a, axes=None) -> Jet:
    axes = tuple(range(a.ndim))[::-1] if axes is None else tuple(int(i) % a.ndim for i in axes)
    k = a.ndim
    return Jet(
        np.transpose(a.v, axes),
        np.transpose(a.g, (*axes, k)),
        None if a.h is None else np.transpose(a.h, (*axes, k, k + 1)),
    )


def _concatenate(arrays, axis=0, **kwargs) -> Jet:
    if kwargs.get("out") is not None or axis is None:
        raise JetUnsupported("concatenate with out or axis=None on a Jet")
    like = next(x for x in arrays if isinstance(x, Jet))
    jets = [_lift(x, like) for x in arrays]
    ax = int(axis) % jets[0].ndim
    hs = None
    if any(j.h is not None for j in jets):
        hs = np.concatenate(
            [j.h if j.h is not None else np.zeros((*j.shape, j.n, j.n)) for j in jets], axis=ax
        )
    return Jet(
        np.concatenate([j.v for j in jets], axis=ax),
        np.concatenate([j.g for j in jets], axis=ax),
        hs,
    )


def _stack(arrays, axis=0, **kwargs) -> Jet:
    like = next(x for x in arrays if isinstance(x, Jet))
    jets = [_lift(x, like) for x in arrays]
    ax = int(axis) % (jets[0].ndim + 1)
    expanded = [j[(slice(None),) * ax + (None,)] for j in jets]
    return _concatenate(expanded, axis=ax, **kwargs)


def _squeeze(a, axis=None) -> Jet:
    ax = tuple(i for i in range(a.ndim) if a.shape[i] == 1) if axis is None else _axes(axis, a.ndim)
    keep = tuple(a.shape[i] for i in range(a.ndim) if i not in ax)
    return _reshape(a, keep)


def _expand_dims(a, axis) -> Jet:
    return _reshape(a, np.expand_dims(a.v, axis).shape)


def _broadcast_to(a, shape, **kwargs) -> Jet:
    shape = tuple(np.broadcast_to(a.v, shape).shape)
    return Jet(
        np.broadcast_to(a.v, shape),
        np.broadcast_to(a.g, (*shape, a.n)),
        None if a.h is None else np.broadcast_to(a.h, (*shape, a.n, a.n)),
    )


def _matmul(a, b) -> Jet:
    """Products with a constant matrix or vector (the jet on one side only, each side
    with one or two axes)."""
    if isinstance(a, Jet) and isinstance(b, Jet):
        raise JetUnsupported("a product of two Jets as matrices")
    jet, c = (b, a) if isinstance(b, Jet) else (a, b)
    c = np.asarray(c, dtype=float)
    if not (1 <= c.ndim <= 2 and 1 <= jet.ndim <= 2):
        raise JetUnsupported("matmul of a Jet with other than one or two axes")
    if jet is b:  # C @ J: contract C's last axis with J's first
        return Jet(
            c @ b.v,
            np.tensordot(c, b.g, axes=([-1], [0])),
            None if b.h is None else np.tensordot(c, b.h, axes=([-1], [0])),
        )
    # J @ C: the derivative axes moved to the front, then numpy's matmul
    g = np.moveaxis(np.moveaxis(a.g, -1, 0) @ c, 0, -1)
    h = None
    if a.h is not None:
        h = np.moveaxis(np.moveaxis(a.h, (-2, -1), (0, 1)) @ c, (0, 1), (-2, -1))
    return Jet(a.v @ c, g, h)


def _dot(a, b, out=None) -> Jet:
    if out is not None:
        raise JetUnsupported("dot with out on a Jet")
    return _matmul(a, b)


def _where_fn(cond, a=None, b=None) -> Jet:
    if a is None or b is None:
        raise JetUnsupported("numpy.where with one argument on a Jet")
    return _where(_val(cond), a, b)


def _shape(a):
    return np.shape(_val(a))


def _ndim(a):
    return np.ndim(_val(a))


def _size(a, axis=None):
    return np.size(_val(a), axis)


_FUNCTIONS: dict = {
    np.sum: _sum,
    np.mean: _mean,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.broadcast_to: _broadcast_to,
    np.dot: _dot,
    np.where: _where_fn,
    np.shape: _shape,
    np.ndim: _ndim,
    np.size: _size,
}


# --------------------------------------------------------------------- entry points
def seed(theta: np.ndarray, axis: int = -1) -> Jet:
    """The independent variables: ``theta`` with gradient ``e_a`` on entry ``a`` of
    ``axis`` (the parameter axis) and zero Hessian.

    ``theta`` of shape ``(n,)`` seeds ``n`` variables; a tiled ``(n, m)`` (``axis=0``)
    or ``(m, n)`` (``axis=-1``) array gives each of ``m`` columns / rows its own copy
    of the same ``n`` variables.
    """
    theta = np.asarray(theta, dtype=float)
    axis = axis % theta.ndim
    n = theta.shape[axis]
    shape = [1] * theta.ndim
    shape[axis] = n
    eye = np.eye(n).reshape(*shape, n)
    return Jet(theta, np.broadcast_to(eye, (*theta.shape, n)))


def value_grad_hessian(
    f: Callable, theta: np.ndarray, axis: int = -1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of ``f(θ)`` with respect to the parameter axis of
    ``θ`` (see :func:`seed`), for every output entry at once.

    Returns arrays of shapes ``S``, ``S + (n,)`` and ``S + (n, n)`` for an output of
    shape ``S``.

    Raises
    ------
    JetUnsupported
        If ``f`` uses an operation without a rule here (fall back to reverse mode).
    """
    out = f(seed(theta, axis))
    if not isinstance(out, Jet):
        raise JetUnsupported("the function did not return a Jet (it did not use theta?)")
    n = out.n
    if out.h is None:
        h = np.zeros((*out.shape, n, n))
    else:
        h = np.broadcast_to(out.h, (*out.shape, n, n))
    return out.v, np.broadcast_to(out.g, (*out.shape, n)), h
