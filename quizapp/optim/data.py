"""Data for the training lab: the 8 x 8 digits (shipped) and "moons" (generated).

Nothing here downloads anything. The digits come from ``assets/data/digits.npz``
(see ``assets/data/README.md`` for the source and licence); moons are computed from
their seed. Every random choice takes a seed, so a run is repeatable:

* :func:`load_digits` -> ``X`` (1797, 64) float64 in [0, 1], ``y`` (1797,) int.
* :func:`make_moons` -> two interleaving half circles with Gaussian noise.
* :func:`split` -> shuffled training and validation row indices.
* :func:`shift_digits` and :func:`jitter` -> the two augmentations (a random
  1-pixel shift of each 8 x 8 image; Gaussian jitter of each 2-D input).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

DIGITS_SHAPE = (8, 8)
DIGITS_CLASSES = 10
MAX_MOONS = 100_000


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    from quizapp.resources import assets_dir

    path = assets_dir() / "data" / "digits.npz"
    with np.load(path, allow_pickle=False) as npz:
        images = np.asarray(npz["images"], dtype=np.float64) / 16.0
        target = np.asarray(npz["target"], dtype=np.int64)
    if images.shape != (1797, 64) or target.shape != (1797,):
        raise ValueError(f"{path} is damaged: expected 1797 images of 64 pixels")
    images.setflags(write=False)
    target.setflags(write=False)
    return images, target


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten digits: ``X`` (1797, 64) in [0, 1] (counts / 16), ``y`` 0..9.

    Each row is an 8 x 8 image read row by row. Fresh copies are returned, so the
    caller may change them.
    """
    images, target = _digits_arrays()
    return images.copy(), target.copy()


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X`` (n, 2) float64 and ``y`` (n,) in {0, 1}.

    Class 0 lies on the upper half of the unit circle, class 1 on a lower half circle
    shifted right by 1 and down by 0.5 (``n // 2`` points on the first, the rest on
    the second, evenly spaced in angle). Gaussian noise with standard deviation
    ``noise`` is added to both coordinates and the rows are shuffled, all from ``seed``.
    """
    n = int(n)
    if not 4 <= n <= MAX_MOONS:
        raise ValueError(f"Invalid n: {n} (moons need between 4 and {MAX_MOONS} points)")
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"Invalid noise: {noise} (must be >= 0)")
    rng = np.random.default_rng(_seed(seed))
    n_upper = n // 2
    n_lower = n - n_upper
    a = np.linspace(0.0, np.pi, n_upper)
    b = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(a), np.sin(a)], axis=1)
    lower = np.stack([1.0 - np.cos(b), 0.5 - np.sin(b)], axis=1)
    X = np.concatenate([upper, lower])
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def split(n: int, val_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle rows ``0..n-1`` from ``seed``; the first ``round(n * val_fraction)`` are validation.

    Returns ``(train_idx, val_idx)``, each sorted ascending. ``val_fraction`` 0 gives an
    empty validation set; at least one training row is always kept.
    """
    val_fraction = float(val_fraction)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"Invalid val_fraction: {val_fraction} (must be in [0, 1))")
    n = int(n)
    n_val = min(int(round(n * val_fraction)), n - 1)
    order = np.random.default_rng(_seed(seed)).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def shift_digits(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each 8 x 8 image (a row of ``X``) by -1, 0 or +1 pixel in each direction.

    Pixels shifted in from outside are 0 (blank paper). The offsets are drawn from
    ``rng``, one pair per row; ``X`` is not changed.
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    h, w = DIGITS_SHAPE
    padded = np.pad(X.reshape(n, h, w), ((0, 0), (1, 1), (1, 1)))
    dy, dx = rng.integers(-1, 2, size=(2, n))
    rows = np.arange(h)[None, :] - dy[:, None] + 1  # out[i] = image[i - dy]
    cols = np.arange(w)[None, :] - dx[:, None] + 1
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.reshape(n, h * w)


def jitter(X: np.ndarray, rng: np.random.Generator, sigma: float = 0.05) -> np.ndarray:
    """``X`` plus Gaussian noise of standard deviation ``sigma`` (a new array)."""
    X = np.asarray(X, dtype=float)
    return X + sigma * rng.standard_normal(X.shape)


def _seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Invalid seed: {seed!r} (seed must be a whole number >= 0)")
    return int(seed)
