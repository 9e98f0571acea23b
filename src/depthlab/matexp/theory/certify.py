"""High-precision certification of residuals with mpmath.

The float64 weights are converted to mpmath numbers exactly (every double is a dyadic rational), the network is
re-evaluated with ``mpmath.expm`` at ``dps`` decimal digits, and the residual ‖f(Xi) − Yi‖_F/‖Yi‖_F is computed
in that precision. The result is the true residual of the float64 weights, free of float64 evaluation error, to
about 10^(−dps+5) absolute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np

from depthlab.errors import InputError
from depthlab.matexp.limits import MAX_CERTIFY_D


@dataclass(frozen=True)
class Certificate:
    """Residuals recomputed in ``dps``-digit arithmetic."""

    residuals: tuple[float, ...]
    dps: int

    @property
    def max_residual(self) -> float:
        return max(self.residuals)


def to_mp(a: np.ndarray) -> mpmath.matrix:
    """A (d, d) float64/complex128 array as an ``mpmath.matrix``, exactly (every double is a dyadic rational)."""
    a = np.asarray(a, dtype=np.complex128)
    m = mpmath.matrix(a.shape[0], a.shape[1])
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            m[i, j] = mpmath.mpc(float(a[i, j].real), float(a[i, j].imag))
    return m


def frobenius_mp(m: mpmath.matrix) -> mpmath.mpf:
    """‖m‖_F in the current mpmath precision."""
    return mpmath.sqrt(mpmath.fsum(abs(m[i, j]) ** 2 for i in range(m.rows) for j in range(m.cols)))


def forward_mp(x: mpmath.matrix, weights: Sequence[mpmath.matrix]) -> mpmath.matrix:
    """Depth-L matrix-exponential network evaluated in mpmath (current precision)."""
    z = weights[0] * x
    for w in weights[1:]:
        z = w * mpmath.expm(z)
    return z


def certify(weights: Sequence[np.ndarray], xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], *,
            dps: int = 40, max_d: int = MAX_CERTIFY_D) -> Certificate:
    """Residuals of a depth-L matrix-exponential network, recomputed with ``dps`` significant digits.

    Args:
        weights: (W_1, …, W_L), each (d, d) (float64/complex128).
        xs, ys: inputs and targets of the equations.
        dps: working decimal digits.
        max_d: refuse larger d (the cost grows like d³ per exponential in slow arbitrary precision).

    Raises:
        InputError: d > max_d or dps < 20.
    """
    d = np.asarray(weights[0]).shape[0]
    if d > max_d:
        raise InputError(f"certification is limited to d ≤ {max_d} (got d = {d}); pass max_d to override")
    if dps < 20:
        raise InputError(f"dps must be ≥ 20 to certify float64 residuals, got {dps}")
    with mpmath.workdps(dps):
        ws = [to_mp(w) for w in weights]
        res = []
        for x, y in zip(xs, ys, strict=True):
            ym = to_mp(y)
            res.append(float(frobenius_mp(forward_mp(to_mp(x), ws) - ym) / frobenius_mp(ym)))
    return Certificate(residuals=tuple(res), dps=dps)
