"""Peak memory of fitting one capacity model, from the cell's arguments alone (standard library only).

The engine fits a cell's trials × restarts models in chunks planned from the memory available
(:func:`depthlab.engine.chunking.bytes_per_model`), so a command can run only if *one* model fits. This is that
function's Levenberg–Marquardt term for a square MLP, restated without torch so that ``depthlab capacity``
refuses an impossible width before importing the engine (:mod:`depthlab.budget`).
"""

from __future__ import annotations


def parameters(depth: int, width: int, bias: bool) -> int:
    """Weights (and biases) of a depth-L square MLP of width d: L·d² (+ L·d)."""
    return depth * width * width + (depth * width if bias else 0)


def one_model_bytes(depth: int, width: int, bias: bool, n_points: int | None = None) -> int:
    """Estimated peak bytes of fitting one model at N = ``n_points`` (default: the largest N of the ramp, about
    the parameter count over d, plus one), float64, with the engine's 2× safety factor."""
    p = parameters(depth, width, bias)
    n = n_points if n_points is not None else p // max(width, 1) + 1
    r = n * width  # residuals
    io = n * 2 * width  # inputs and targets
    act = n * width * depth  # activations
    k = min(p, r)
    return 2 * 8 * (3 * r * p + 3 * k * k + k * (act + r) + 8 * p + 2 * io)
