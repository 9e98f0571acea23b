"""The one-layer baseline Y = W·X for the same equations.

A single d×d matrix W has d² unknowns and each equation W·Xi = Yi has d² scalar conditions, so one generic
equation is solved exactly (W = Y1 X1⁻¹) and two are not (Gai & Zhang, arXiv 2407.02540, abstract). The best
one-layer fit of several equations is the least-squares W minimising Σ‖W Xi − Yi‖²_F.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthlab.linalg import relative_residual


@dataclass(frozen=True)
class OneLayerFit:
    """Least-squares one-layer fit.

    Attributes:
        W: the minimiser of Σ‖W Xi − Yi‖²_F, shape (d, d).
        residuals: per-equation relative residuals ‖W Xi − Yi‖_F/‖Yi‖_F.
        total_residual: ‖W [X1 … Xn] − [Y1 … Yn]‖_F / ‖[Y1 … Yn]‖_F.
    """

    W: np.ndarray
    residuals: tuple[float, ...]
    total_residual: float

    @property
    def max_residual(self) -> float:
        return max(self.residuals)


def one_layer_fit(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> OneLayerFit:
    """Best one-layer W for the equations W·Xi = Yi (least squares over all of them).

    Args:
        xs, ys: the inputs and targets, each a sequence of (d, d) matrices of equal length.
    """
    x = np.concatenate([np.asarray(a) for a in xs], axis=1)  # d × nd
    y = np.concatenate([np.asarray(b) for b in ys], axis=1)
    # W x = y  ⇔  xᵀ Wᵀ = yᵀ, an (nd × d) least-squares problem
    wt, *_ = np.linalg.lstsq(x.T, y.T, rcond=None)
    w = wt.T
    res = tuple(relative_residual(w @ a, b) for a, b in zip(xs, ys, strict=True))
    return OneLayerFit(W=w, residuals=res, total_residual=relative_residual(w @ x, y))


def one_equation_exact(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> float:
    """Fit the first equation exactly (W = Y1 X1⁻¹) and return the relative residual of the second."""
    w = np.linalg.solve(x1.T, y1.T).T
    return relative_residual(w @ x2, y2)
