"""Infinite-width angle law of bias-free He-initialised ReLU networks (Jakub & Nica 2024, Approximation 3).

At infinite width the angle θ_ℓ between the post-activations of two inputs follows the deterministic map
(paper eq. 12, Lemma 21 in App. A.9; Cho & Saul's first arc-cosine kernel)::

    cos θ_{ℓ+1} = 2 J_{1,1}(θ_ℓ) = [sin θ_ℓ + (π − θ_ℓ) cos θ_ℓ] / π

which depends on depth only, never on width, and predicts zero variance. For small θ it gives
θ_{ℓ+1}² = θ_ℓ² (1 − 2θ_ℓ/(3π) + O(θ_ℓ³)), hence θ_ℓ ~ 3π/ℓ (the ℓ^{-1} rate the paper attributes to
Schoenholz et al. 2017, Hayou et al. 2019 Lemma 1 and Hanin 2023 Prop. C.1; the constant 3π follows from the
expansion above).

Numerics: 1 − cos θ_{ℓ+1} = [2π sin²(θ/2) − (sin θ − θ cos θ)] / π is evaluated with a Taylor series for
sin θ − θ cos θ below θ = 0.5, and θ_{ℓ+1} = 2 arcsin(√((1 − cos θ_{ℓ+1})/2)) (below θ = 0.5 written as
2 arcsin(θ √(r/2)) with r = (1 − cos θ_{ℓ+1})/θ², so θ² never underflows): the iteration keeps full
relative precision for every positive double (a plain arccos loses everything below θ ≈ 1e-8).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from depthlab.angles.theory._checks import check_depth, check_scalar_theta, check_theta

#: Below this angle sin θ − θ cos θ is summed as a Taylor series (its leading θ³/3 cancels in float64).
_SERIES_BELOW = 0.5
#: Series coefficients of sin θ − θ cos θ = Σ_{k≥1} (−1)^{k+1} 2k θ^{2k+1} / (2k+1)!  (k = 1..13; at θ = 0.5
#: the first dropped term is < 1e-30 relative).
_F_COEF = np.array([(-1) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 14)])


def sin_minus_theta_cos(theta: ArrayLike) -> np.ndarray:
    """f(θ) = sin θ − θ cos θ ≥ 0 on [0, π], with full relative precision as θ → 0 (f ≈ θ³/3).

    Args:
        theta: angles in [0, π], any shape (not validated; internal helper).

    Returns:
        Array of the same shape.
    """
    t = np.asarray(theta, dtype=np.float64)
    t2 = t * t
    poly = np.zeros_like(t)
    for c in _F_COEF[::-1]:
        poly = poly * t2 + c
    series = t * t2 * poly
    direct = np.sin(t) - t * np.cos(t)
    return np.where(t < _SERIES_BELOW, series, direct)


def one_minus_cos_next(theta: ArrayLike) -> np.ndarray:
    """1 − cos θ_{ℓ+1} under the infinite-width map, accurate in relative terms for tiny θ (≈ θ²/2)."""
    t = np.asarray(theta, dtype=np.float64)
    return (2.0 * np.pi * np.sin(0.5 * t) ** 2 - sin_minus_theta_cos(t)) / np.pi


def infinite_width_map(theta: ArrayLike) -> np.ndarray:
    """One step of the infinite-width angle map, θ_{ℓ+1} = arccos(2 J_{1,1}(θ_ℓ)) (paper eq. 12), vectorised.

    Args:
        theta: angles θ_ℓ in [0, π], any shape.

    Returns:
        θ_{ℓ+1}, same shape, in [0, π/2] (post-ReLU vectors are non-negative).

    Raises:
        InputError: an angle outside [0, π] or not finite.
    """
    t = check_theta(theta)
    u = np.clip(one_minus_cos_next(t), 0.0, 1.0)
    out = 2.0 * np.arcsin(np.sqrt(0.5 * u))
    small = (t < _SERIES_BELOW) & (t > 0)
    if np.any(small):  # θ_{ℓ+1} = 2 arcsin(θ √(r/2)), r = (1 − cos θ_{ℓ+1})/θ² = O(1): no underflow of θ²
        ts = t[small]
        poly = np.zeros_like(ts)
        for c in _F_COEF[::-1]:
            poly = poly * (ts * ts) + c
        r = (2.0 * np.pi * (np.sinc(0.5 * ts / np.pi) * 0.5) ** 2 - ts * poly) / np.pi
        out[small] = 2.0 * np.arcsin(ts * np.sqrt(0.5 * r))
    return out


def _next_angle(t: float) -> float:
    """Scalar :func:`infinite_width_map` (no validation), the same formulas in :mod:`math`."""
    if t < _SERIES_BELOW:
        if t == 0.0:
            return 0.0
        poly = 0.0
        for c in _F_COEF[::-1]:
            poly = poly * t * t + float(c)
        r = (2.0 * math.pi * (math.sin(0.5 * t) / t) ** 2 - t * poly) / math.pi
        return 2.0 * math.asin(t * math.sqrt(0.5 * r))
    u = (2.0 * math.pi * math.sin(0.5 * t) ** 2 - (math.sin(t) - t * math.cos(t))) / math.pi
    u = min(max(u, 0.0), 1.0)
    return 2.0 * math.asin(math.sqrt(0.5 * u))


def infinite_width_angles(theta0: float, depth: int) -> np.ndarray:
    """Iterate the infinite-width map (paper eq. 12) from the input angle θ_0 for ``depth`` layers.

    Args:
        theta0: input angle θ_0 in [0, π].
        depth: number of layers L ≥ 1.

    Returns:
        Array of shape (depth + 1,): θ_0, θ_1, …, θ_L (entry ℓ is layer ℓ; ℓ = 0 is the input).

    Raises:
        InputError: θ_0 outside [0, π] or depth < 1.

    Example:
        >>> round(float(np.cos(infinite_width_angles(np.pi / 2, 1)[1])), 12)  # = 1/π
        0.318309886184
    """
    t = check_scalar_theta(theta0, "theta0")
    depth = check_depth(depth)
    out = np.empty(depth + 1)
    out[0] = t
    for ell in range(depth):
        out[ell + 1] = _next_angle(float(out[ell]))
    return out


def infinite_width_asymptote(depth: int, *, refined: bool = False) -> np.ndarray:
    """The large-ℓ law of the infinite-width angle: θ_ℓ ≈ 3π/ℓ (from θ_{ℓ+1}² = θ_ℓ²(1 − 2θ_ℓ/(3π)
    + O(θ_ℓ³)); the paper states the ℓ^{-1} rate).

    With ``refined=True`` the next correction (derived here, not in the paper) is included: the map gives
    1/θ_{ℓ+1} = 1/θ_ℓ + 1/(3π) + θ_ℓ/(6π²) + O(θ_ℓ²), hence 3π/θ_ℓ = ℓ + (3/2) ln ℓ + C(θ_0) + o(1); the
    refined value 3π/(ℓ + 1.5 ln ℓ) drops the θ_0-dependent constant C. This logarithm is why ℓ·θ_ℓ approaches
    3π so slowly (ℓ·θ_ℓ = 9.29 at ℓ = 1000 against 3π = 9.42).

    Args:
        depth: number of layers L ≥ 1.
        refined: include the (3/2) ln ℓ correction.

    Returns:
        Array of shape (depth + 1,) aligned with :func:`infinite_width_angles`: entry ℓ is the asymptote at
        layer ℓ; entry 0 is NaN (the law is undefined at ℓ = 0).
    """
    depth = check_depth(depth)
    ell = np.arange(depth + 1, dtype=np.float64)
    denom = ell + (1.5 * np.log(np.maximum(ell, 1.0)) if refined else 0.0)
    out = np.full(depth + 1, np.nan)
    out[1:] = 3.0 * np.pi / denom[1:]
    return out
