"""Seeded random data sets, one per model index.

Model ``m``'s data depend only on ``(key, indices[m])`` (through :func:`depthlab.seeding.stacked_normal` under
the sub-key ``"{key}/data"``), so a model sees the same data whatever chunk it is trained in. A *sampler* is a
callable ``sampler(key, indices) -> (X, Y)`` that :func:`depthlab.engine.fit` calls chunk by chunk, so a large
request never materialises every model's data at once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import torch

from depthlab.engine.families import Family
from depthlab.seeding import stacked_normal
from depthlab.validate import choice, finite_float, positive_int


def gaussian_regression(key: str | int, indices: Sequence[int], n: int, in_shape: tuple[int, ...],
                        out_shape: tuple[int, ...], *, scale_x: float | None = None,
                        scale_y: float | None = None, complex_: bool = False,
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """I.i.d. Gaussian inputs and targets (the capacity protocol: ``x_i, y_i ~ N(0, I_d/d)``).

    Args:
        key: data key (a config hash or name).
        indices: model indices (one data set each).
        n: points per model.
        in_shape: per-point input shape; out_shape: per-point target shape.
        scale_x: entry standard deviation of X (default ``1/√(in size)``).
        scale_y: entry standard deviation of Y (default ``1/√(out size)``).
        complex_: complex Gaussian ``CN(0, s²)`` entries.

    Returns:
        ``X (M, n, *in_shape)`` and ``Y (M, n, *out_shape)``, float64 (complex128 if ``complex_``), on CPU.
    """
    n = positive_int(n, "number of points N")
    din, dout = math.prod(in_shape), math.prod(out_shape)
    sx = 1.0 / math.sqrt(din) if scale_x is None else finite_float(scale_x, "scale_x", low=0.0, low_open=True)
    sy = (1.0 / math.sqrt(dout) if scale_y is None
          else finite_float(scale_y, "scale_y", low=0.0, low_open=True))
    idx = [(int(i),) for i in indices]
    z = stacked_normal(f"{key}/data", idx, (n * (din + dout),), complex_=complex_)
    x = z[:, : n * din].reshape(len(idx), n, *in_shape) * sx
    y = z[:, n * din:].reshape(len(idx), n, *out_shape) * sy
    return x, y


def random_labels(key: str | int, indices: Sequence[int], n: int, d: int, *,
                  scale_x: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian inputs ``N(0, I_d/d)`` with independent fair ±1 labels (Cover's setting).

    Returns:
        ``X (M, n, d)`` float64 and ``Y (M, n, 1)`` with entries ±1 (float64), on CPU.
    """
    n = positive_int(n, "number of points N")
    d = positive_int(d, "input dimension d")
    sx = 1.0 / math.sqrt(d) if scale_x is None else finite_float(scale_x, "scale_x", low=0.0, low_open=True)
    idx = [(int(i),) for i in indices]
    z = stacked_normal(f"{key}/data", idx, (n * (d + 1),))
    x = z[:, : n * d].reshape(len(idx), n, d) * sx
    y = torch.where(z[:, n * d:] >= 0, 1.0, -1.0).reshape(len(idx), n, 1).to(torch.float64)
    return x, y


@dataclasses.dataclass(frozen=True)
class GaussianSampler:
    """Sampler of random data sets matched to a family (a picklable callable ``(key, indices) -> (X, Y)``).

    Attributes:
        n: points per model.
        in_shape / out_shape: per-point shapes (take them from the family).
        mode: ``"regression"`` (Gaussian targets) or ``"classification"`` (±1 labels, needs ``out_shape ==
        (1,)``).
        complex_: complex Gaussian data (matrix-exponential nets).
    """

    n: int
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    mode: str = "regression"
    complex_: bool = False

    def __post_init__(self) -> None:
        positive_int(self.n, "number of points N")
        choice(self.mode, "mode", ("regression", "classification"))

    def __call__(self, key: str | int, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        if self.mode == "classification":
            return random_labels(key, indices, self.n, math.prod(self.in_shape))
        return gaussian_regression(key, indices, self.n, self.in_shape, self.out_shape,
                                   complex_=self.complex_)


def sampler_for(family: Family, n: int, mode: str = "regression") -> GaussianSampler:
    """The default random-data sampler for ``family`` with ``n`` points per model."""
    return GaussianSampler(n=n, in_shape=tuple(family.in_shape), out_shape=tuple(family.out_shape), mode=mode,
                           complex_=family.complex_inputs)
