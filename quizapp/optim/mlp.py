"""A small multilayer perceptron, forward and backward written out by hand.

The network is ``Linear -> act -> Linear -> act -> ... -> Linear`` with ``act`` relu
or tanh, followed by softmax cross-entropy averaged over the minibatch (torch's
``nn.CrossEntropyLoss()`` with its default mean reduction).

K networks of the same shape (K *lanes*) are computed at once. Their parameters sit
in one array ``params`` of shape ``(K, P)``: for each layer, in order, the weight
stored as ``W.T`` (``(in, out)`` row by row, so ``a @ W.T`` reads it as it lies),
then the bias ``(out,)``. One optimizer call updates every layer of every lane (the
optimizers are elementwise, so the order of the numbers does not change them).
:meth:`Layout.views` shows each weight in ``torch.nn.Linear``'s layout ``(out, in)``
and :meth:`Layout.torch_layers` copies a row out in that layout.

Shapes below: B rows in the minibatch, ``a`` the activations of a layer, ``z`` the
pre-activations. The input ``X`` is shared by all lanes, shape ``(B, in)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class Layout:
    """Where each layer's weight and bias live inside a lane's flat parameter row."""

    sizes: tuple[int, ...]  # (inputs, hidden..., classes)

    def __post_init__(self):
        if len(self.sizes) < 2 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"Invalid layer sizes {self.sizes}: need at least inputs and outputs, each >= 1")

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    def shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        """``[((out, in), (out,)), ...]`` per layer."""
        return [((o, i), (o,)) for i, o in zip(self.sizes[:-1], self.sizes[1:])]

    def offsets(self) -> list[tuple[int, int, int]]:
        """Per layer ``(weight_start, bias_start, end)`` inside a row."""
        out, pos = [], 0
        for (o, i), _ in self.shapes():
            out.append((pos, pos + o * i, pos + o * i + o))
            pos += o * i + o
        return out

    @property
    def size(self) -> int:
        return self.offsets()[-1][2]

    def views(self, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W (K, out, in), b (K, out)), ...]``: views (not copies) into ``params (K, P)``,
        the weights in torch.nn.Linear's layout."""
        return [(Wt.transpose(0, 2, 1), b) for Wt, b in self.t_views(params)]

    def t_views(self, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W.T (K, in, out), b (K, out)), ...]``: the weights as stored (views)."""
        k = params.shape[0]
        out = []
        for ((o, i), _), (w0, b0, end) in zip(self.shapes(), self.offsets()):
            out.append((params[:, w0:b0].reshape(k, i, o), params[:, b0:end]))
        return out

    def torch_layers(self, row: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """One lane's ``(weight (out, in), bias (out,))`` per layer, as new arrays."""
        return [(W[0].copy(), b[0].copy()) for W, b in self.views(np.asarray(row)[None, :])]

    def from_torch(self, layers) -> np.ndarray:
        """The row (P,) for ``[(weight (out, in), bias (out,)), ...]`` in torch's layout."""
        row = np.empty(self.size)
        for (W, b), (w0, b0, end) in zip(layers, self.offsets()):
            row[w0:b0] = np.asarray(W, dtype=float).T.ravel()
            row[b0:end] = b
        return row

    def weight_mask(self) -> np.ndarray:
        """Boolean (P,) marking weights (True) and biases (False)."""
        mask = np.zeros(self.size, dtype=bool)
        for w0, b0, _ in self.offsets():
            mask[w0:b0] = True
        return mask


def init_params(layout: Layout, seed_or_rng, init_scale: float = 1.0, lanes: int = 1) -> np.ndarray:
    """torch.nn.Linear's default initialisation, times ``init_scale``, copied to K lanes.

    torch draws a layer's weight and bias from U(-1/sqrt(in), 1/sqrt(in)) (its
    kaiming-uniform with a = sqrt(5) reduces to that bound). The numbers here come from
    NumPy's generator, so they are not torch's numbers; the replay file carries them.
    Every lane starts from the same row.
    """
    rng = seed_or_rng if isinstance(seed_or_rng, np.random.Generator) else np.random.default_rng(seed_or_rng)
    init_scale = float(init_scale)
    if not np.isfinite(init_scale) or init_scale <= 0:
        raise ValueError(f"Invalid init_scale: {init_scale} (must be > 0)")
    layers = []
    for (o, i), _ in layout.shapes():
        bound = 1.0 / np.sqrt(i)
        W = rng.uniform(-bound, bound, size=(o, i))  # drawn in torch's (out, in) order
        layers.append((W, rng.uniform(-bound, bound, size=o)))
    row = layout.from_torch(layers) * init_scale
    return np.tile(row, (int(lanes), 1))


def _act(z: np.ndarray, activation: str) -> np.ndarray:
    return np.maximum(z, 0.0) if activation == "relu" else np.tanh(z)


def forward(layout: Layout, params: np.ndarray, X: np.ndarray, activation: str = "relu"):
    """Logits ``(K, B, classes)`` and the cache the backward pass needs.

    ``cache`` holds each layer's input ``a``: the first is ``X`` itself (shared by the
    lanes), the others are the hidden activations ``act(z)``. (The backward pass needs
    no pre-activation: relu's slope is ``a > 0`` and tanh's is ``1 - a**2``.)
    """
    a = X
    inputs = []
    views = layout.t_views(params)
    last = len(views) - 1
    for l, (Wt, b) in enumerate(views):
        inputs.append(a)
        # a @ W.T, with W.T as stored: (K, in, out); matmul is much faster on one block
        # than on K blocks strided through ``params`` (a copy when K > 1)
        z = np.matmul(a, np.ascontiguousarray(Wt))
        z += b[:, None, :]
        if l == last:
            return z, inputs
        if activation == "relu":
            a = np.maximum(z, 0.0, out=z)
        else:
            a = np.tanh(z, out=z)
    raise AssertionError("unreachable")


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``z - max(z) - log(sum(exp(z - max(z))))`` along the last axis (no overflow)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean softmax cross-entropy per lane: ``(K,)``."""
    logp = log_softmax(logits)
    picked = np.take_along_axis(logp, np.broadcast_to(y[None, :, None], logp.shape[:2] + (1,)), axis=-1)
    return -picked[..., 0].mean(axis=1)


def loss_and_grad(layout: Layout, params: np.ndarray, X: np.ndarray, y: np.ndarray,
                  activation: str = "relu", out: np.ndarray | None = None):
    """Minibatch loss ``(K,)`` and its gradient ``(K, P)`` (written into ``out`` if given).

    Backward, layer by layer from the top (``n`` = rows in the batch):

    * loss: ``dz = (softmax(z) - onehot(y)) / n``
    * linear layer ``z = a @ W.T + b``: ``dW = dz.T @ a``, ``db = sum of dz over rows``,
      ``da = dz @ W``
    * relu: ``dz = da * (a > 0)``; tanh: ``dz = da * (1 - a**2)``, with ``a`` the
      layer's output

    In a row of ``params`` a layer's ``W.T`` (``(in, out)``) is followed by its bias
    ``(out,)``: together one ``(in + 1, out)`` block whose last row is the bias. Each
    layer's input gets a column of ones, so one product ``[a, 1] @ block`` gives
    ``a @ W.T + b`` and one product ``[a, 1].T @ dz`` gives the gradient of the whole
    block, ``dW.T`` and ``db`` (the sum of ``dz`` over the rows) together. The softmax
    runs in the column layout ``(K, classes, n)``, so its reductions over the classes
    are vectorised over the rows.
    """
    k, n = params.shape[0], X.shape[0]
    blocks = _blocks(layout.sizes)
    a = np.empty((n, X.shape[1] + 1))  # the input, shared by the lanes, with its column of ones
    a[:, :-1] = X
    a[:, -1] = 1.0
    inputs = [a]
    last = len(blocks) - 1
    for start, end, i, o in blocks[:last]:
        nxt = np.empty((k, n, o + 1))
        np.matmul(a, params[:, start:end].reshape(k, i + 1, o), out=nxt[..., :o])
        nxt[..., o] = 1.0
        _act_(nxt, activation)  # on the whole buffer: contiguous is faster, and relu(1) = 1
        if activation != "relu":
            nxt[..., o] = 1.0
        a = nxt
        inputs.append(a)
    start, end, i, o = blocks[last]
    block = params[:, start:end].reshape(k, i + 1, o)
    shifted = np.matmul(block.transpose(0, 2, 1), a.T if a.ndim == 2 else a.transpose(0, 2, 1))
    shifted -= shifted.max(axis=1, keepdims=True)  # logits (K, classes, n) minus their max
    e = np.exp(shifted)
    total = e.sum(axis=1)
    rows = np.arange(n)
    # loss = mean of -log_softmax[y] = mean of log(sum exp) - shifted[y]
    loss = (np.log(total) - shifted[:, y, rows]).mean(axis=1)
    onehot = np.zeros(shifted.shape[1:])  # (classes, n), the same for every lane
    onehot[y, rows] = 1.0
    dz = np.divide(e, total[:, None, :], out=e)  # softmax
    dz -= onehot
    dz /= n
    dz = dz.transpose(0, 2, 1)  # (K, n, classes), a view
    grads = np.empty((k, params.shape[1])) if out is None else out
    if grads.strides[1] != grads.itemsize:  # the block views below must be views, not copies
        raise ValueError("out must have contiguous rows")
    for l in range(last, -1, -1):
        start, end, i, o = blocks[l]
        a = inputs[l]
        np.matmul(a.T if a.ndim == 2 else a.transpose(0, 2, 1), dz, out=grads[:, start:end].reshape(k, i + 1, o))
        if l == 0:
            break
        W = params[:, start:start + i * o].reshape(k, i, o).transpose(0, 2, 1)  # (K, out, in)
        dz = np.matmul(dz, W)  # da
        h = a[..., :i]  # the layer's input is the activation below
        if activation == "relu":
            dz *= (a > 0)[..., :i]  # the mask of the whole buffer, then the view: faster
        else:
            dz *= 1.0 - h * h
    return loss, grads


@lru_cache(maxsize=64)
def _blocks(sizes: tuple[int, ...]) -> tuple[tuple[int, int, int, int], ...]:
    """Per layer ``(start, end, in, out)``: where its ``(in + 1, out)`` block lies in a row."""
    out, pos = [], 0
    for i, o in zip(sizes[:-1], sizes[1:]):
        out.append((pos, pos + (i + 1) * o, i, o))
        pos += (i + 1) * o
    return tuple(out)


def predict_proba(layout: Layout, params: np.ndarray, X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """Class probabilities ``(K, n, classes)``."""
    logits, _ = forward(layout, params, X, activation)
    return np.exp(log_softmax(logits))


def row_losses(layout: Layout, params: np.ndarray, X: np.ndarray | None, y: np.ndarray,
               activation: str = "relu", *, XT1: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross-entropy ``(K, n)`` and whether each row is classified right ``(K, n)``.

    The loss of a row is ``log(sum(exp(z))) - z[y]``, computed as ``m + log(sum(exp(z - m)))
    - z[y]`` with ``m = max(z)`` so nothing overflows.

    Evaluation runs in the column layout: activations ``(K, width, rows)``, one row of
    the data per column. The first layer of all lanes, biases included, is then one
    matrix product ``[W1, b1] (K*width, in + 1) @ [X.T; 1]`` (the input is shared), and
    the softmax reductions run over the class axis with the rows contiguous (vectorised)
    instead of over short rows of 10 numbers. ``XT1``: :func:`columns_with_ones` of
    ``X``, for a caller that evaluates the same rows again and again (then ``X`` is not read).
    """
    k, n = params.shape[0], len(y)
    losses, right = np.empty((k, n)), np.empty((k, n), dtype=bool)
    if n == 0:
        return losses, right
    if XT1 is None:
        XT1 = columns_with_ones(X)
    start, end, i, width0 = _blocks(layout.sizes)[0]
    # all lanes' first [W, b] stacked, in torch's (out, in + 1) layout (a copy)
    W0 = params[:, start:end].reshape(k, i + 1, width0).transpose(0, 2, 1).reshape(k * width0, i + 1)
    rest = [(W, b[:, :, None]) for W, b in layout.views(params)[1:]]
    # in chunks of rows, so the (K, width, rows) activations stay small
    chunk = max(16, _EVAL_NUMBERS // (k * max(layout.sizes[1:])))
    for s in range(0, n, chunk):
        xt = XT1[:, s:s + chunk]
        c = xt.shape[1]
        z = np.matmul(W0, xt).reshape(k, width0, c)
        for W, b in rest:
            z = np.matmul(W, _act_(z, activation))
            z += b
        yy = y[s:s + chunk]
        m = z.max(axis=1)  # (K, c)
        lse = np.log(np.exp(z - m[:, None, :]).sum(axis=1))
        lse += m
        picked = np.take_along_axis(z, np.broadcast_to(yy, (k, 1, c)), axis=1)[:, 0, :]
        np.subtract(lse, picked, out=losses[:, s:s + chunk])
        np.equal(z.argmax(axis=1), yy, out=right[:, s:s + chunk])
    return losses, right


def columns_with_ones(X: np.ndarray) -> np.ndarray:
    """``X.T`` with a row of ones below it, ``(in + 1, n)``: the input :func:`row_losses`
    multiplies by every lane's first weights and bias at once."""
    X = np.asarray(X, dtype=float)
    XT1 = np.empty((X.shape[1] + 1, X.shape[0]))
    XT1[:-1] = X.T
    XT1[-1] = 1.0
    return XT1


_EVAL_NUMBERS = 1 << 19  # activations per evaluation chunk (4 MiB of doubles)


def _act_(z: np.ndarray, activation: str) -> np.ndarray:
    """The activation, in place."""
    return np.maximum(z, 0.0, out=z) if activation == "relu" else np.tanh(z, out=z)


def evaluate(layout: Layout, params: np.ndarray, X: np.ndarray, y: np.ndarray,
             activation: str = "relu", chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss ``(K,)`` and accuracy ``(K,)`` over a whole set (no gradient)."""
    if len(y) == 0:
        k = params.shape[0]
        return np.full(k, np.nan), np.full(k, np.nan)
    total = np.zeros(params.shape[0])
    correct = np.zeros(params.shape[0])
    for s in range(0, len(y), chunk):
        losses, right = row_losses(layout, params, X[s:s + chunk], y[s:s + chunk], activation)
        total += losses.sum(axis=1)
        correct += right.sum(axis=1)
    return total / len(y), correct / len(y)
