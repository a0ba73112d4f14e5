"""Optimizers as pairs of pure functions, with their state in plain sight.

Every optimizer is built by a factory (``adam(lr=1e-3, ...)``) that checks its
hyper-parameters and returns an :class:`Optimizer`: ``init(params) -> state`` and
``update(grads, state, params, lr) -> (new_params, new_state)``. This is optax's
shape with one departure: ``update`` returns the new parameters rather than an
additive delta, so decoupled weight decay and every other step are computed in the
same order as ``torch.optim``'s single-tensor code, bit for bit where possible.

Arrays: ``params`` and ``grads`` have shape ``(K, ...)``: K runs at once (the engine
always batches, a single run is K = 1) and any trailing shape, e.g. ``(K, 2)`` for a
point on a surface or ``(K, P)`` for the P weights of a network. Any hyper-parameter
may be a scalar or an array of K values; it is stored with shape ``(K, 1)`` and acts as
``(K, 1, ..., 1)``, so it broadcasts against every coordinate of its run. ``lr``
passed to ``update`` is the scheduled rate: a scalar, or K values shaped ``(K, 1)``
(or ``(K, 1, ..., 1)``). Every update is elementwise, so a run on ``(K, a, b)``
arrays gives exactly the numbers of the same run on ``(K, a*b)``; arrays that are
not ``(K, P)`` are viewed as ``(K, P)`` for the update and given back in their shape.

Conventions (they differ between libraries, so they are stated and tested):

* ``sgd`` is ``torch.optim.SGD``: the momentum buffer starts at the first gradient,
  not at zero; ``nesterov`` adds ``momentum * buf`` to the gradient.
* ``momentum`` is the chapter's exponential moving average:
  ``v <- beta*v + (1-beta)*g`` with ``v0 = 0`` and ``theta <- theta - lr*v``.
* ``adam`` divides by ``sqrt(v_hat) + eps`` (eps outside the root, after bias
  correction), as torch does; Keras' epsilon-hat is a different number.
* ``adamw`` shrinks the weights by ``(1 - lr*weight_decay)`` with the scheduled lr,
  before the Adam step.
"""
from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

Array = np.ndarray


class Optimizer(NamedTuple):
    """A named pair of pure functions plus the hyper-parameters they close over."""

    name: str
    hyper: dict[str, Any]
    init: Callable[[Array], NamedTuple]
    update: Callable[[Array, NamedTuple, Array, Any], tuple[Array, NamedTuple]]


# --------------------------------------------------------------------------- state


class SGDState(NamedTuple):
    count: int
    momentum_buffer: Array  # torch's momentum_buffer; zeros until the first step


class MomentumState(NamedTuple):
    count: int
    velocity: Array  # v in the chapter's notation


class AdagradState(NamedTuple):
    count: int
    sum: Array  # running sum of squared gradients


class RMSpropState(NamedTuple):
    count: int
    square_avg: Array
    grad_avg: Array  # only moves when centered
    momentum_buffer: Array  # only moves when momentum > 0


class AdamState(NamedTuple):
    count: int
    exp_avg: Array  # m, first moment
    exp_avg_sq: Array  # v, second moment
    max_exp_avg_sq: Array  # only moves with amsgrad


class NAdamState(NamedTuple):
    count: int
    exp_avg: Array
    exp_avg_sq: Array
    mu_product: Array


class RAdamState(NamedTuple):
    count: int
    exp_avg: Array
    exp_avg_sq: Array


# ------------------------------------------------------------------ validation


def _as_hyper(name: str, value: Any, *, boolean: bool = False) -> Any:
    """Scalars stay Python numbers; sequences become (K, 1) arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # a 0-d array is a scalar
    if isinstance(value, (bool, np.bool_)) or boolean:
        if isinstance(value, (list, tuple, np.ndarray)):
            arr = np.asarray(value, dtype=bool)
            if arr.ndim != 1:
                raise ValueError(f"{name} must be a boolean or a 1-D list of booleans")
            return arr.reshape(-1, 1)
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 2 and arr.shape[1] == 1:
            return arr
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a number or a 1-D list of numbers")
        return arr.reshape(-1, 1)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise ValueError(f"{name} must be a number, got {value!r}")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value.ravel(), threshold=6)
    return repr(value)


def _check(name: str, value: Any, ok: Callable[[Any], Any], rule: str) -> None:
    with np.errstate(invalid="ignore"):
        good = np.all(ok(np.asarray(value, dtype=float)))
    if not good:
        raise ValueError(f"Invalid {name}: {_show(value)} ({name} must be {rule})")


def _lr(lr: Any) -> Any:
    lr = _as_hyper("lr", lr)
    _check("lr", lr, lambda v: np.isfinite(v) & (v > 0), "> 0")
    return lr


def _beta(name: str, value: Any) -> Any:
    value = _as_hyper(name, value)
    _check(name, value, lambda v: (v >= 0) & (v < 1), "in [0, 1)")
    return value


def _nonneg(name: str, value: Any) -> Any:
    value = _as_hyper(name, value)
    _check(name, value, lambda v: np.isfinite(v) & (v >= 0), ">= 0")
    return value


def _where(cond: Any, a: Array, b: Array) -> Array:
    if isinstance(cond, (bool, np.bool_)):
        return a if cond else b
    return np.where(cond, a, b)


def _powers(base: Any, scale: Any = 1) -> Callable[[int], Any]:
    """``n -> base ** (n * scale)`` rounded as Python floats (C ``pow``) round it.

    NumPy's vectorised ``power`` may differ from C ``pow`` in the last bit on some
    CPUs, which would make a batched row differ from the same run alone (and from
    torch, whose bias corrections are Python floats). So every distinct value of an
    array hyper-parameter gets Python's power, computed once per step.
    """
    if not isinstance(base, np.ndarray) and not isinstance(scale, np.ndarray):
        return lambda n: base ** (n * scale) if scale != 1 else base ** n
    b, s = np.broadcast_arrays(np.asarray(base, dtype=float), np.asarray(scale, dtype=float))
    pairs, inverse = np.unique(np.stack([b.ravel(), s.ravel()], axis=1), axis=0,
                               return_inverse=True)
    pairs = [(bb, ss) for bb, ss in pairs.tolist()]
    inverse = inverse.reshape(b.shape)
    if isinstance(scale, np.ndarray):
        return lambda n: np.array([bb ** (n * ss) for bb, ss in pairs])[inverse]
    return lambda n: np.array([bb ** n for bb, _ in pairs])[inverse]


def _decay_grad(grads: Array, params: Array, weight_decay: Any) -> Array:
    """L2-style weight decay folded into the gradient (torch's non-decoupled form)."""
    if isinstance(weight_decay, float) and weight_decay == 0.0:
        return grads
    return grads + weight_decay * params


def _step(params: Array, coef: Any, direction: Array, *, reuse: bool = False) -> Array:
    """``params + coef * direction`` (torch's ``add_(direction, alpha=coef)``) as a new array.

    ``reuse``: ``direction`` is the caller's temporary and may be overwritten (one
    array fewer; the numbers are the same).
    """
    out = np.multiply(direction, coef, out=direction) if reuse else coef * direction
    out += params
    return out


def _moments(g: Array, m: Array, v: Array, beta1: Any, beta2: Any) -> tuple[Array, Array]:
    """Adam's moments: ``m + (1-beta1)*(g - m)`` (torch's ``lerp_``) and
    ``beta2*v + (1-beta2)*g*g`` (``mul_`` then ``addcmul_``), as new arrays."""
    m_new = g - m
    m_new *= 1 - beta1
    m_new += m
    v_new = g * g
    v_new *= 1 - beta2
    v_new += beta2 * v
    return m_new, v_new


def _sqrt(x: Any) -> Any:
    """``sqrt`` of a Python float with ``math`` (the same correctly rounded number,
    without a NumPy call), of an array with NumPy."""
    return math.sqrt(x) if isinstance(x, float) else np.sqrt(x)


# ------------------------------------------------------------------ any shape


def _to_shape(state: NamedTuple, size: int, shape: tuple[int, ...]) -> NamedTuple:
    """Give every per-coordinate array of ``state`` (``size`` numbers) the ``shape``."""
    changes = {f: v.reshape(shape) for f, v in state._asdict().items()
               if isinstance(v, np.ndarray) and v.size == size and v.shape != shape}
    return state._replace(**changes) if changes else state


def _rate_2d(lr_t: Any) -> Any:
    """A (K, 1, ..., 1) rate as (K, 1); scalars and (K, 1) pass through."""
    if isinstance(lr_t, np.ndarray) and lr_t.ndim > 2:
        return lr_t.reshape(lr_t.shape[0], -1)
    return lr_t


def _any_shape(name: str, hyper: dict[str, Any], init: Callable, update: Callable) -> Optimizer:
    """An optimizer whose (K, P) ``init``/``update`` also take params of any shape (K, ...).

    (K, P) arrays go straight through (no copy, no reshape: the surface engine's
    hot path is unchanged); other shapes are viewed as (K, P) and given back.
    """

    def init_any(params: Array) -> NamedTuple:
        params = np.asarray(params)
        if params.ndim == 2:
            return init(params)
        flat = params.reshape(params.shape[0] if params.ndim else 1, -1)
        return _to_shape(init(flat), params.size, params.shape)

    def update_any(grads: Array, state: NamedTuple, params: Array, lr_t: Any):
        if params.ndim == 2:
            return update(grads, state, params, lr_t)
        k = params.shape[0] if params.ndim else 1
        flat_shape = (k, params.size // k if k else 0)
        flat_state = _to_shape(state, params.size, flat_shape)
        new, new_state = update(np.reshape(grads, flat_shape), flat_state,
                                params.reshape(flat_shape), _rate_2d(lr_t))
        return new.reshape(params.shape), _to_shape(new_state, params.size, params.shape)

    return Optimizer(name, hyper, init_any, update_any)


# ------------------------------------------------------------------ optimizers


def sgd(lr: Any = 1e-3, momentum: Any = 0.0, dampening: Any = 0.0,
        nesterov: Any = False, weight_decay: Any = 0.0) -> Optimizer:
    """torch.optim.SGD: ``buf <- momentum*buf + (1-dampening)*g`` (``buf = g`` at step 1)."""
    lr = _lr(lr)
    momentum = _nonneg("momentum", momentum)
    dampening = _as_hyper("dampening", dampening)
    _check("dampening", dampening, np.isfinite, "a finite number")
    weight_decay = _nonneg("weight_decay", weight_decay)
    nesterov = _as_hyper("nesterov", nesterov, boolean=True)
    if np.any(np.asarray(nesterov) & ~(np.asarray(momentum) > 0)):
        raise ValueError(f"Invalid nesterov: nesterov=True needs momentum > 0 (momentum={_show(momentum)})")
    if np.any(np.asarray(nesterov) & (np.asarray(dampening) != 0)):
        raise ValueError(f"Invalid nesterov: nesterov=True needs dampening = 0 (dampening={_show(dampening)})")

    def init(params: Array) -> SGDState:
        return SGDState(0, np.zeros_like(params))

    uses_momentum = np.asarray(momentum) != 0
    if uses_momentum.ndim == 0:
        uses_momentum = bool(uses_momentum)

    undamped = isinstance(dampening, float) and dampening == 0.0  # (1 - 0) * g is g

    def update(grads, state, params, lr_t):
        d_p = _decay_grad(grads, params, weight_decay)
        if uses_momentum is False:
            return _step(params, -lr_t, d_p), SGDState(state.count + 1, state.momentum_buffer)
        if state.count == 0:
            buf = d_p.copy()
        else:
            buf = momentum * state.momentum_buffer
            buf += d_p if undamped else (1 - dampening) * d_p
        if nesterov is False:
            direction = buf
        else:
            ahead = momentum * buf
            ahead += d_p
            direction = _where(nesterov, ahead, buf)
        if uses_momentum is not True:
            direction = _where(uses_momentum, direction, d_p)
            buf = _where(uses_momentum, buf, state.momentum_buffer)  # rows without momentum keep none
        return _step(params, -lr_t, direction), SGDState(state.count + 1, buf)

    return _any_shape("sgd", dict(lr=lr, momentum=momentum, dampening=dampening,
                                 nesterov=nesterov, weight_decay=weight_decay), init, update)


def nesterov(lr: Any = 1e-3, momentum: Any = 0.9, weight_decay: Any = 0.0) -> Optimizer:
    """Nesterov momentum: torch.optim.SGD with ``nesterov=True`` (look-ahead gradient)."""
    opt = sgd(lr=lr, momentum=momentum, nesterov=True, weight_decay=weight_decay)
    hyper = dict(lr=opt.hyper["lr"], momentum=opt.hyper["momentum"],
                 weight_decay=opt.hyper["weight_decay"])
    return Optimizer("nesterov", hyper, opt.init, opt.update)  # sgd already takes any shape


def momentum(lr: Any = 1e-3, beta: Any = 0.9) -> Optimizer:
    """The chapter's momentum: ``v <- beta*v + (1-beta)*g``, ``v0 = 0``, ``theta -= lr*v``."""
    lr = _lr(lr)
    beta = _beta("beta", beta)

    def init(params: Array) -> MomentumState:
        return MomentumState(0, np.zeros_like(params))

    def update(grads, state, params, lr_t):
        v = beta * state.velocity
        v += (1 - beta) * grads
        step = lr_t * v
        return np.subtract(params, step, out=step), MomentumState(state.count + 1, v)

    return _any_shape("momentum", dict(lr=lr, beta=beta), init, update)


def adagrad(lr: Any = 1e-2, lr_decay: Any = 0.0, weight_decay: Any = 0.0,
            initial_accumulator_value: Any = 0.0, eps: Any = 1e-10) -> Optimizer:
    """torch.optim.Adagrad: ``sum += g*g``, ``theta -= clr * g / (sqrt(sum) + eps)``."""
    lr = _lr(lr)
    lr_decay = _nonneg("lr_decay", lr_decay)
    weight_decay = _nonneg("weight_decay", weight_decay)
    initial_accumulator_value = _nonneg("initial_accumulator_value", initial_accumulator_value)
    eps = _nonneg("eps", eps)

    def init(params: Array) -> AdagradState:
        return AdagradState(0, np.zeros_like(params) + initial_accumulator_value)

    def update(grads, state, params, lr_t):
        step = state.count + 1
        g = _decay_grad(grads, params, weight_decay)
        clr = lr_t / (1 + (step - 1) * lr_decay)
        total = g * g
        total += state.sum
        std = np.sqrt(total)
        std += eps
        return _step(params, -clr, np.divide(g, std, out=std), reuse=True), AdagradState(step, total)

    return _any_shape("adagrad", dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                     initial_accumulator_value=initial_accumulator_value,
                                     eps=eps), init, update)


def rmsprop(lr: Any = 1e-2, alpha: Any = 0.99, eps: Any = 1e-8, weight_decay: Any = 0.0,
            momentum: Any = 0.0, centered: Any = False) -> Optimizer:
    """torch.optim.RMSprop: an EMA of squared gradients divides each coordinate's step."""
    lr = _lr(lr)
    alpha = _nonneg("alpha", alpha)
    _check("alpha", alpha, lambda v: v < 1, "in [0, 1)")
    eps = _nonneg("eps", eps)
    weight_decay = _nonneg("weight_decay", weight_decay)
    momentum = _nonneg("momentum", momentum)
    centered = _as_hyper("centered", centered, boolean=True)

    def init(params: Array) -> RMSpropState:
        z = np.zeros_like(params)
        return RMSpropState(0, z, z.copy(), z.copy())

    has_momentum = np.asarray(momentum) > 0
    has_momentum = has_momentum if has_momentum.ndim else bool(has_momentum)

    def update(grads, state, params, lr_t):
        g = _decay_grad(grads, params, weight_decay)
        square_avg = g * g
        square_avg *= 1 - alpha
        square_avg += alpha * state.square_avg
        if centered is False:
            grad_avg = state.grad_avg
            avg = np.sqrt(square_avg)
        else:
            grad_avg = g - state.grad_avg
            grad_avg *= 1 - alpha
            grad_avg += state.grad_avg
            grad_avg = _where(centered, grad_avg, state.grad_avg)
            with np.errstate(invalid="ignore"):
                avg = _where(centered, np.sqrt(square_avg - grad_avg * grad_avg), np.sqrt(square_avg))
        avg += eps
        scaled = g / avg
        if has_momentum is False:
            return _step(params, -lr_t, scaled, reuse=True), RMSpropState(state.count + 1, square_avg, grad_avg,
                                                             state.momentum_buffer)
        buf = momentum * state.momentum_buffer
        buf += scaled
        new_params = _where(has_momentum, _step(params, -lr_t, buf), _step(params, -lr_t, scaled))
        buf = _where(has_momentum, buf, state.momentum_buffer)
        return new_params, RMSpropState(state.count + 1, square_avg, grad_avg, buf)

    return _any_shape("rmsprop", dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                     momentum=momentum, centered=centered), init, update)


def _adam_like(name: str, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled) -> Optimizer:
    lr = _lr(lr)
    beta1 = _beta("beta1", beta1)
    beta2 = _beta("beta2", beta2)
    eps = _nonneg("eps", eps)
    weight_decay = _nonneg("weight_decay", weight_decay)
    amsgrad = _as_hyper("amsgrad", amsgrad, boolean=True)

    beta1_pow, beta2_pow = _powers(beta1), _powers(beta2)

    def init(params: Array) -> AdamState:
        z = np.zeros_like(params)
        return AdamState(0, z, z.copy(), z.copy())

    def update(grads, state, params, lr_t):
        step = state.count + 1
        if decoupled:
            params = params * (1 - lr_t * weight_decay)
            g = grads
        else:
            g = _decay_grad(grads, params, weight_decay)
        m, v = _moments(g, state.exp_avg, state.exp_avg_sq, beta1, beta2)
        bias_correction1 = 1 - beta1_pow(step)
        bias_correction2 = 1 - beta2_pow(step)
        step_size = lr_t / bias_correction1
        bc2_sqrt = _sqrt(bias_correction2)
        if amsgrad is False:  # skip the running maximum nobody reads
            v_max = state.max_exp_avg_sq
            denom = np.sqrt(v)
        else:
            v_max = _where(amsgrad, np.maximum(state.max_exp_avg_sq, v), state.max_exp_avg_sq)
            denom = np.sqrt(_where(amsgrad, v_max, v))
        denom /= bc2_sqrt
        denom += eps
        return (_step(params, -step_size, np.divide(m, denom, out=denom), reuse=True),
                AdamState(step, m, v, v_max))

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 amsgrad=amsgrad)
    return _any_shape(name, hyper, init, update)


def adam(lr: Any = 1e-3, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8,
         weight_decay: Any = 0.0, amsgrad: Any = False) -> Optimizer:
    """torch.optim.Adam: bias-corrected first and second moments; L2 decay in the gradient."""
    return _adam_like("adam", lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled=False)


def adamw(lr: Any = 1e-3, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8,
          weight_decay: Any = 1e-2, amsgrad: Any = False) -> Optimizer:
    """torch.optim.AdamW: Adam plus ``theta *= 1 - lr*weight_decay`` (decoupled decay)."""
    return _adam_like("adamw", lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled=True)


def nadam(lr: Any = 2e-3, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8,
          weight_decay: Any = 0.0, momentum_decay: Any = 4e-3,
          decoupled_weight_decay: Any = False) -> Optimizer:
    """torch.optim.NAdam: Adam with a Nesterov-style look-ahead on the first moment."""
    lr = _lr(lr)
    beta1 = _beta("beta1", beta1)
    beta2 = _beta("beta2", beta2)
    eps = _nonneg("eps", eps)
    weight_decay = _nonneg("weight_decay", weight_decay)
    momentum_decay = _nonneg("momentum_decay", momentum_decay)
    decoupled = _as_hyper("decoupled_weight_decay", decoupled_weight_decay, boolean=True)

    beta2_pow = _powers(beta2)
    mu_decay = _powers(0.96, momentum_decay)

    def init(params: Array) -> NAdamState:
        z = np.zeros_like(params)
        return NAdamState(0, z, z.copy(), np.ones((params.shape[0], 1)))

    def update(grads, state, params, lr_t):
        step = state.count + 1
        if decoupled is False:
            g = _decay_grad(grads, params, weight_decay)
        elif decoupled is True:
            params = params * (1 - lr_t * weight_decay)
            g = grads
        else:
            params = _where(decoupled, params * (1 - lr_t * weight_decay), params)
            g = _where(decoupled, grads, _decay_grad(grads, params, weight_decay))
        bias_correction2 = 1 - beta2_pow(step)
        mu = beta1 * (1.0 - 0.5 * mu_decay(step))
        mu_next = beta1 * (1.0 - 0.5 * mu_decay(step + 1))
        mu_product = state.mu_product * mu
        m, v = _moments(g, state.exp_avg, state.exp_avg_sq, beta1, beta2)
        denom = v / bias_correction2
        np.sqrt(denom, out=denom)
        denom += eps
        mu_product_next = mu_product * mu_next
        new = _step(params, -lr_t * (1.0 - mu) / (1.0 - mu_product), g / denom, reuse=True)
        look = np.divide(m, denom, out=denom)
        look *= (-lr_t * mu_next) / (1.0 - mu_product_next)
        new += look
        return new, NAdamState(step, m, v, mu_product)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 momentum_decay=momentum_decay, decoupled_weight_decay=decoupled)
    return _any_shape("nadam", hyper, init, update)


def radam(lr: Any = 1e-3, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8,
          weight_decay: Any = 0.0, decoupled_weight_decay: Any = False) -> Optimizer:
    """torch.optim.RAdam: Adam whose adaptive term is switched on once its variance is tractable."""
    lr = _lr(lr)
    beta1 = _beta("beta1", beta1)
    beta2 = _beta("beta2", beta2)
    eps = _nonneg("eps", eps)
    weight_decay = _nonneg("weight_decay", weight_decay)
    decoupled = _as_hyper("decoupled_weight_decay", decoupled_weight_decay, boolean=True)

    beta1_pow, beta2_pow = _powers(beta1), _powers(beta2)

    def init(params: Array) -> RAdamState:
        z = np.zeros_like(params)
        return RAdamState(0, z, z.copy())

    def update(grads, state, params, lr_t):
        step = state.count + 1
        decayed = params * (1 - lr_t * weight_decay)
        params = _where(decoupled, decayed, params)
        g = _where(decoupled, grads, _decay_grad(grads, params, weight_decay))
        m = state.exp_avg + (1 - beta1) * (g - state.exp_avg)
        v = beta2 * state.exp_avg_sq + (1 - beta2) * (g * g)
        beta2_step = beta2_pow(step)
        bias_correction1 = 1 - beta1_pow(step)
        bias_correction2 = 1 - beta2_step
        m_hat = m / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2_step / bias_correction2
        with np.errstate(invalid="ignore", divide="ignore"):
            rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                           / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive_lr = np.sqrt(bias_correction2) / (np.sqrt(v) + eps)
            adaptive = params - m_hat * lr_t * adaptive_lr * rect
        plain = params - m_hat * lr_t
        return _where(rho_t > 5, adaptive, plain), RAdamState(step, m, v)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 decoupled_weight_decay=decoupled)
    return _any_shape("radam", hyper, init, update)


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
    "nadam": nadam,
    "radam": radam,
}

#: One plain sentence per knob: the canvas shows these as tooltips.
HYPER_HELP: dict[str, str] = {
    "lr": "Learning rate: how far each step moves. Too large bounces or diverges; too small crawls.",
    "momentum": "How much of the previous step's direction is carried into this one (0 = none).",
    "dampening": "Shrinks how much of the new gradient enters the momentum buffer (torch's SGD only).",
    "nesterov": "Look ahead: take the gradient where the momentum is about to carry you.",
    "weight_decay": "Pulls every weight towards zero a little at each step (a regulariser).",
    "beta": "Share of the old velocity kept each step; 0.9 keeps about 90 %.",
    "beta1": "Memory of the first moment (the average gradient direction).",
    "beta2": "Memory of the second moment (the average squared gradient that sets each coordinate's brake).",
    "eps": "A tiny number added to the denominator so it is never zero.",
    "amsgrad": "Use the largest second moment seen so far, so the step size never grows back.",
    "lr_decay": "AdaGrad's own extra decay of the rate with the step count.",
    "initial_accumulator_value": "Starting value of AdaGrad's running sum of squared gradients.",
    "alpha": "RMSProp's memory of squared gradients; closer to 1 forgets more slowly.",
    "centered": "Divide by the gradient's variance instead of its raw second moment.",
    "momentum_decay": "How quickly NAdam's momentum schedule ramps towards beta1.",
    "decoupled_weight_decay": "Shrink the weights directly (AdamW style) instead of adding to the gradient.",
}


def defaults(name: str) -> dict[str, Any]:
    """The default hyper-parameters of optimizer ``name`` (torch.optim's)."""
    import inspect

    factory = get(name)
    return {p.name: p.default for p in inspect.signature(factory).parameters.values()}


def get(name: str) -> Callable[..., Optimizer]:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise ValueError(f"Unknown optimizer {name!r}; choose one of: {known}") from None


def make(name: str, **hyper: Any) -> Optimizer:
    """Build optimizer ``name``; unknown keyword names raise ValueError listing the valid ones."""
    factory = get(name)
    valid = defaults(name)
    unknown = sorted(set(hyper) - set(valid))
    if unknown:
        raise ValueError(f"Unknown hyper-parameter {unknown[0]!r} for {name}; "
                         f"valid: {', '.join(valid)}")
    return factory(**hyper)
