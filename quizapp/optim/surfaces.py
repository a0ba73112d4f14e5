"""Two-dimensional loss surfaces with analytic gradients.

A :class:`Surface` evaluates the loss and its gradient on arrays of points of shape
``(..., 2)``; it knows its global minima, a default view box and a start point that
makes a good story. ``regression`` is a real minibatch problem: each step sees the
gradient of one minibatch only, while the loss reported is the full-data MSE.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Surface:
    name: str
    formula: str
    f: Callable[[Array, Array], Array] = field(repr=False)
    df: Callable[[Array, Array], tuple[Array, Array]] = field(repr=False)
    minima: tuple[tuple[float, float], ...]
    view: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    start: tuple[float, float]
    min_value: float | None = 0.0
    description: str = ""
    stochastic: bool = False

    def loss(self, points: Array) -> Array:
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            return self.f(points[..., 0], points[..., 1])

    def grad(self, points: Array, step: int = 0) -> Array:
        """Gradient at ``points`` (shape (..., 2)); ``step`` picks the minibatch when stochastic."""
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            gx, gy = self.df(points[..., 0], points[..., 1])
        out = np.empty(points.shape)
        out[..., 0] = gx
        out[..., 1] = gy
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "formula": self.formula,
            "minima": [list(m) for m in self.minima],
            "min_value": self.min_value,
            "view": list(self.view),
            "start": list(self.start),
            "description": self.description,
            "stochastic": self.stochastic,
        }


# ---------------------------------------------------------------- the classics


def _rosenbrock() -> Surface:
    return Surface(
        "rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
        ((1.0, 1.0),), (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.0),
        description="A curved, flat-bottomed banana valley: easy to enter, slow to follow.",
    )


def _beale() -> Surface:
    def f(x, y):
        return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
                + (2.625 - x + x * y ** 3) ** 2)

    def df(x, y):
        a = 1.5 - x + x * y
        b = 2.25 - x + x * y ** 2
        c = 2.625 - x + x * y ** 3
        gx = 2 * a * (y - 1) + 2 * b * (y ** 2 - 1) + 2 * c * (y ** 3 - 1)
        gy = 2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y ** 2
        return gx, gy

    return Surface(
        "beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        f, df, ((3.0, 0.5),), (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5),
        description="Flat plateaus and steep walls: gradients differ by orders of magnitude.",
    )


def _himmelblau() -> Surface:
    return Surface(
        "himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
        lambda x, y: (4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
                      2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)),
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        (-5.0, 5.0, -5.0, 5.0), (0.0, 0.0),
        description="Four equally deep minima: the start point decides which one you reach.",
    )


def _rastrigin() -> Surface:
    tau = 2 * math.pi
    return Surface(
        "rastrigin", "20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)",
        lambda x, y: 20 + x * x - 10 * np.cos(tau * x) + y * y - 10 * np.cos(tau * y),
        lambda x, y: (2 * x + 10 * tau * np.sin(tau * x), 2 * y + 10 * tau * np.sin(tau * y)),
        ((0.0, 0.0),), (-5.12, 5.12, -5.12, 5.12), (3.2, -2.8),
        description="An egg-crate of local minima around one global bowl.",
    )


def _booth() -> Surface:
    return Surface(
        "booth", "(x + 2y - 7)^2 + (2x + y - 5)^2",
        lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
        lambda x, y: (2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5),
                      4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)),
        ((1.0, 3.0),), (-10.0, 10.0, -10.0, 10.0), (-6.0, -6.0),
        description="A tilted quadratic bowl: every method should get there.",
    )


def _goldstein_price() -> Surface:
    def parts(x, y):
        a = x + y + 1
        b = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y
        c = 2 * x - 3 * y
        d = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y
        return a, b, c, d

    def f(x, y):
        a, b, c, d = parts(x, y)
        return (1 + a * a * b) * (30 + c * c * d)

    def df(x, y):
        a, b, c, d = parts(x, y)
        p = 1 + a * a * b
        q = 30 + c * c * d
        bx = -14 + 6 * x + 6 * y
        by = -14 + 6 * x + 6 * y
        dx = -32 + 24 * x - 36 * y
        dy = 48 - 36 * x + 54 * y
        px = 2 * a * b + a * a * bx
        py = 2 * a * b + a * a * by
        qx = 2 * c * 2 * d + c * c * dx
        qy = 2 * c * -3 * d + c * c * dy
        return px * q + p * qx, py * q + p * qy

    return Surface(
        "goldstein_price",
        "(1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)) "
        "(30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2))",
        f, df, ((0.0, -1.0),), (-2.0, 2.0, -3.0, 1.0), (-1.0, 0.5), min_value=3.0,
        description="Steep cliffs and several local minima; the global one is worth 3.",
    )


def _valley() -> Surface:
    return Surface(
        "valley", "x^2 / 20 + y^2",
        lambda x, y: x * x / 20 + y * y,
        lambda x, y: (x / 10, 2 * y),
        ((0.0, 0.0),), (-10.0, 10.0, -5.0, 5.0), (-9.0, 3.0),
        description="A long narrow valley: steep across, gentle along. SGD zig-zags here.",
    )


def _saddle() -> Surface:
    return Surface(
        "saddle", "x^2 - y^2",
        lambda x, y: x * x - y * y,
        lambda x, y: (2 * x, -2 * y),
        (), (-2.0, 2.0, -2.0, 2.0), (-1.5, 0.05), min_value=None,
        description="A saddle point at the origin: no minimum, and a slow escape along y.",
    )


# ---------------------------------------------------------------- regression


@dataclass(frozen=True)
class RegressionSurface(Surface):
    """Linear regression y ~ w*x + b on a seeded synthetic data set; the point is (w, b)."""

    x_data: Array = field(default=None, repr=False)
    y_data: Array = field(default=None, repr=False)
    batch_size: int = 16
    seed: int = 0

    @property
    def samples(self) -> int:
        return int(self.x_data.shape[0])

    @property
    def steps_per_epoch(self) -> int:
        return steps_per_epoch(self.samples, self.batch_size)

    def batch_indices(self, step: int) -> Array:
        """Indices of the minibatch used at ``step`` (a fresh shuffle every epoch)."""
        epoch, j = divmod(int(step), self.steps_per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(self.samples)
        return order[j * self.batch_size:(j + 1) * self.batch_size]

    def grad(self, points: Array, step: int = 0) -> Array:
        points = np.asarray(points, dtype=float)
        idx = self.batch_indices(step)
        xb, yb = self.x_data[idx], self.y_data[idx]
        w, b = points[..., 0:1], points[..., 1:2]
        with np.errstate(all="ignore"):
            r = w * xb + b - yb
            gw = 2 * np.mean(r * xb, axis=-1)
            gb = 2 * np.mean(r, axis=-1)
        return np.stack([gw, gb], axis=-1)


def steps_per_epoch(samples: int, batch_size: int) -> int:
    """Optimizer steps in one pass over the data (a last, smaller batch counts as a step)."""
    if samples < 1 or batch_size < 1:
        raise ValueError(f"samples and batch_size must be >= 1 (got {samples}, {batch_size})")
    return -(-int(samples) // int(batch_size))


def regression(samples: int = 64, batch_size: int = 16, seed: int = 0,
               true_w: float = 2.0, true_b: float = -1.0, noise: float = 0.5) -> RegressionSurface:
    samples = int(samples)
    batch_size = int(batch_size)
    if samples < 2 or samples > 1_000_000:
        raise ValueError(f"Invalid samples: {samples} (must be between 2 and 1,000,000)")
    if batch_size < 1 or batch_size > samples:
        raise ValueError(f"Invalid batch_size: {batch_size} (must be between 1 and samples={samples})")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, samples)
    y = true_w * x + true_b + noise * rng.standard_normal(samples)

    def f(w, b):
        w = np.asarray(w, dtype=float)[..., None]
        b = np.asarray(b, dtype=float)[..., None]
        return np.mean((w * x + b - y) ** 2, axis=-1)

    design = np.stack([x, np.ones_like(x)], axis=1)
    (w_star, b_star), *_ = np.linalg.lstsq(design, y, rcond=None)
    best = float(np.mean((w_star * x + b_star - y) ** 2))
    return RegressionSurface(
        "regression", "mean over samples of (w x_i + b - y_i)^2",
        f, None, ((float(w_star), float(b_star)),), (-2.0, 6.0, -5.0, 3.0), (-1.0, 2.0),
        min_value=best, stochastic=True,
        description=(f"Fit a line to {samples} points with minibatches of {batch_size}: "
                     f"{steps_per_epoch(samples, batch_size)} steps per epoch."),
        x_data=x, y_data=y, batch_size=batch_size, seed=int(seed),
    )


_BUILTIN: dict[str, Callable[[], Surface]] = {
    "rosenbrock": _rosenbrock,
    "beale": _beale,
    "himmelblau": _himmelblau,
    "rastrigin": _rastrigin,
    "booth": _booth,
    "goldstein_price": _goldstein_price,
    "valley": _valley,
    "saddle": _saddle,
}

SURFACE_NAMES: tuple[str, ...] = tuple(_BUILTIN) + ("regression",)


def get(name: str, **kwargs: Any) -> Surface:
    """Surface ``name``; ``regression`` takes samples, batch_size and seed."""
    if name in ("regression", "custom"):
        if name == "regression":
            factory = regression
        else:
            from quizapp.optim.formula import custom_surface as factory
        import inspect

        valid = list(inspect.signature(factory).parameters)
        unknown = sorted(set(kwargs) - set(valid))
        if unknown:
            raise ValueError(f"Unknown option {unknown[0]!r} for surface {name}; valid: {', '.join(valid)}")
        if name == "custom" and "formula" not in kwargs:
            raise ValueError("Surface custom needs a formula in x and y, e.g. formula='x^2 + 3*y^2'")
        return factory(**kwargs)
    try:
        factory = _BUILTIN[name]
    except KeyError:
        raise ValueError(f"Unknown surface {name!r}; choose one of: {', '.join(SURFACE_NAMES)}") from None
    if kwargs:
        raise ValueError(f"Surface {name} takes no options (got {', '.join(kwargs)})")
    return factory()
