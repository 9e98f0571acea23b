"""Finite-width law of the angle (Jakub & Nica 2024, Theorem 1, eqs. 2–5; Corollary 2, eqs. 8–9).

Conditional on θ_ℓ = θ, with the next layer of width n and the J's of :mod:`depthlab.angles.theory.jab` at θ (paper
Theorem 1)::

    E[ln sin² θ_{ℓ+1} | θ]   = μ(θ, n)  + O(n^-2)
    Var[ln sin² θ_{ℓ+1} | θ] = σ²(θ, n) + O(n^-2)

    X := 8J11²J22 − 8J11⁴ + 4J11² − 8J11J31 + J22 + 1,   Y := 2J11² − 4J11J31 + J22 + 1,   D := 1 − 4J11²
    μ(θ,n)  = ln[(n−1)D / (4J22 − 1 + n)] + 4(J22+1) / (n((4J22−1)/n + 1)²) − 4X / (n(1 − 1/n)² D²)
    σ²(θ,n) = 8n(J22+1)/(4J22−1+n)² + 8nX/((n−1)²D²) − 16nY/((4J22−1+n)(n−1)D)

    ρ(n) := ln((n+5)/(n−1)) − 10n/(n+5)² + 6n/(n−1)²  (eq. 2),   μ(θ, n) − ln sin²θ → −ρ(n) as θ → 0.

Numerical stability: X ~ 1.5θ⁴, Y ~ 1.5θ² and D ~ θ² are
differences of O(1) terms, so the plain float64 formulas lose precision below θ ≈ 1e-3 and are garbage below
3e-4. Here, below θ = :data:`SERIES_BELOW` (0.5), D/θ², X/θ⁴ and Y/θ² are evaluated from their Taylor series
(40 terms whose coefficients are computed once, exactly in 50-digit arithmetic, from the Taylor series of sin,
cos and the J's), and above it from the J's with the stable 1 − cos of :mod:`depthlab.angles.theory.infinite`.
:func:`theorem1_mpmath` evaluates the same formulas in arbitrary precision and is the reference the tests
compare against: μ agrees to 1e-13 relative, σ² to 7e-11 relative for θ ∈ [1e-15, 2.5] and to 2e-13
absolute up to π (σ² → 0 at θ = π, where θ_{ℓ+1} = π/2 exactly), for n from 2 to 10⁶.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from depthlab.angles.theory._checks import check_theta, check_width
from depthlab.angles.theory.infinite import one_minus_cos_next

#: Below this angle D, X, Y are evaluated from their Taylor series in θ.
SERIES_BELOW = 0.5
#: Number of Taylor coefficients kept (at θ = 0.5 the truncation error is below 1e-25 relative).
_N_TERMS = 40


@lru_cache(maxsize=1)
def _series_coefficients() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Taylor coefficients (in θ) of D/θ², X/θ⁴ and Y/θ², computed in 50-digit arithmetic.

    The J's are polynomials in θ, sin θ and cos θ (Table 1), so D, X, Y are entire functions of θ; their
    series are formed by exact truncated power-series arithmetic on those of sin, cos and π − θ.
    """
    import mpmath as mp

    k_max = _N_TERMS + 4
    with mp.workdps(50):
        zero = mp.mpf(0)

        def mul(a: list, b: list) -> list:
            return [mp.fsum(a[i] * b[k - i] for i in range(k + 1)) for k in range(k_max)]

        def lin(*terms: tuple) -> list:
            return [mp.fsum(w * x[k] for w, x in terms) for k in range(k_max)]

        one = [mp.mpf(1)] + [zero] * (k_max - 1)
        t = [zero, mp.mpf(1)] + [zero] * (k_max - 2)
        s = [(-1) ** ((k - 1) // 2) / mp.factorial(k) if k % 2 else zero for k in range(k_max)]
        c = [(-1) ** (k // 2) / mp.factorial(k) if k % 2 == 0 else zero for k in range(k_max)]
        p = lin((mp.pi, one), (-1, t))
        cc = mul(c, c)
        inv = 1 / (2 * mp.pi)
        j11 = lin((inv, s), (inv, mul(p, c)))
        j22 = lin((inv, mul(p, lin((2, cc), (1, one)))), (3 * inv, mul(s, c)))
        j31 = lin((3 * inv, mul(p, c)), (inv, mul(s, cc)), (2 * inv, s))
        j11sq = mul(j11, j11)
        d = lin((1, one), (-4, j11sq))
        x = lin(
            (8, mul(j11sq, j22)), (-8, mul(j11sq, j11sq)), (4, j11sq), (-8, mul(j11, j31)), (1, j22), (1, one)
        )
        y = lin((2, j11sq), (-4, mul(j11, j31)), (1, j22), (1, one))
        for name, ser, order in (("D", d, 2), ("X", x, 4), ("Y", y, 2)):
            lead = max(abs(v) for v in ser[:order])
            if lead > mp.mpf(10) ** -40:  # pragma: no cover - the cancellation is exact
                raise ArithmeticError(f"series of {name} does not start at θ^{order}")
        as_np = lambda ser, order: np.array([float(v) for v in ser[order : order + _N_TERMS]])  # noqa: E731
        return as_np(d, 2), as_np(x, 4), as_np(y, 2)


def _horner(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.zeros_like(t)
    for a in coef[::-1]:
        out = out * t + a
    return out


def log_sin2(theta: ArrayLike) -> np.ndarray:
    """ln sin²θ with sin θ evaluated as sin(min(θ, π − θ)), so that θ = π (the float) gives −∞ like θ = 0."""
    t = np.asarray(theta, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 2.0 * np.log(np.sin(np.minimum(t, np.pi - t)))


def _pieces(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """J22, X/D², Y/D, ln(D / sin²θ) and ln D at angles t (flat float64 array), stably.

    Angles below :data:`SERIES_BELOW` use the Taylor series of D/θ², X/θ⁴, Y/θ²; the others the J's with the
    stable 1 − cos θ_{ℓ+1} of the infinite-width map. Each branch is evaluated only on its own angles.
    """
    s, c = np.sin(t), np.cos(t)
    p = np.pi - t
    j22 = (p * (2 * c * c + 1) + 3 * s * c) / (2 * np.pi)
    rx, ry, lnr, lnd = np.empty_like(t), np.empty_like(t), np.empty_like(t), np.empty_like(t)
    lns = log_sin2(t)
    small = t < SERIES_BELOW
    if np.any(small):
        ts = t[small]
        cd, cx, cy = _series_coefficients()
        ds, xs, ys = _horner(cd, ts), _horner(cx, ts), _horner(cy, ts)
        rx[small] = xs / ds**2
        ry[small] = ys / ds
        lnr[small] = np.log(ds) - 2.0 * np.log(np.sinc(ts / np.pi))  # sinc(θ/π) = sin θ / θ
        lnd[small] = lnr[small] + lns[small]  # −∞ at θ = 0
    big = ~small
    if np.any(big):
        tb, sb, cb, pb, j22b = t[big], s[big], c[big], p[big], j22[big]
        j11 = (sb + pb * cb) / (2 * np.pi)
        j31 = (3 * pb * cb + sb * cb * cb + 2 * sb) / (2 * np.pi)
        u = one_minus_cos_next(tb)
        d = u * (2.0 - u)
        x = 8 * j11**2 * j22b - 8 * j11**4 + 4 * j11**2 - 8 * j11 * j31 + j22b + 1
        y = 2 * j11**2 - 4 * j11 * j31 + j22b + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            rx[big] = x / d**2
            ry[big] = y / d
            lnd[big] = np.log(d)
            lnr[big] = lnd[big] - lns[big]  # +∞ at θ = π
    return j22, rx, ry, lnr, lnd


def _out(x: np.ndarray) -> np.ndarray:
    return x[()] if x.ndim == 0 else x


def rho(n: ArrayLike) -> np.ndarray:
    """ρ(n) = ln((n+5)/(n−1)) − 10n/(n+5)² + 6n/(n−1)² = 2/n + O(n^-2) (paper eq. 2).

    The per-layer drift of ln sin²θ at small angles (Approximation 1, eq. 1): μ(θ, n) − ln sin²θ → −ρ(n).

    Args:
        n: width(s), integers ≥ 2, any shape.

    Returns:
        float64 array (NumPy scalar for scalar input).

    Raises:
        InputError: a width below 2 or not an integer.
    """
    m = check_width(n)
    return _out(np.log((m + 5) / (m - 1)) - 10 * m / (m + 5) ** 2 + 6 * m / (m - 1) ** 2)


def mu_minus_log_sin2(theta: ArrayLike, n: ArrayLike) -> np.ndarray:
    """g(θ, n) = μ(θ, n) − ln sin²θ, the expected one-step change of ln sin²θ (finite at θ = 0: g = −ρ(n)).

    Args:
        theta: angles in [0, π] (broadcast against ``n``).
        n: widths ≥ 2 of the next layer.

    Returns:
        float64 array of the broadcast shape. At θ = π, ln sin²θ = −∞ and the result is +∞.
    """
    t = check_theta(theta)
    m = check_width(n)
    t, m = np.broadcast_arrays(t, m)
    shape = t.shape
    t, m = t.ravel(), m.ravel()
    j22, rx, _, lnr, _ = _pieces(t)
    return _out(_g(j22, rx, lnr, m).reshape(shape))


def _g(j22: np.ndarray, rx: np.ndarray, lnr: np.ndarray, m: np.ndarray) -> np.ndarray:
    """μ − ln sin²θ from the pieces (Theorem 1, eq. 4); given ln D instead of ln(D/sin²θ) it returns μ."""
    e = 4 * j22 - 1
    return (
        lnr
        - np.log1p(4 * j22 / (m - 1))  # = ln((n − 1)/(4J22 − 1 + n)), without cancelling two logs
        + 4 * (j22 + 1) / (m * (e / m + 1) ** 2)
        - 4 * rx / (m * (1 - 1 / m) ** 2)
    )


def mu(theta: ArrayLike, n: ArrayLike) -> np.ndarray:
    """μ(θ, n): Theorem 1's conditional mean of ln sin²θ_{ℓ+1} given θ_ℓ = θ at width n (paper eqs. 3–4).

    Stable for θ down to 1e-300 (see the module docstring); μ(0, n) = −∞ (θ = 0 is absorbing).

    Args:
        theta: angles θ_ℓ in [0, π], any shape (broadcast against ``n``).
        n: width(s) ≥ 2 of layer ℓ + 1 (the number of neurons that form θ_{ℓ+1}).

    Returns:
        float64 array of the broadcast shape (NumPy scalar for scalar inputs).

    Raises:
        InputError: θ outside [0, π], or a width below 2.

    Example:
        >>> round(float(mu(0.1, 256)), 6)
        -4.63924
    """
    return mu_sigma2(theta, n)[0]


def sigma2(theta: ArrayLike, n: ArrayLike) -> np.ndarray:
    """σ²(θ, n): Theorem 1's conditional variance of ln sin²θ_{ℓ+1} given θ_ℓ = θ at width n (eqs. 3, 5).

    Finite as θ → 0: σ²(0⁺, n) = 8n/(n+5)² + 432n/((n+5)²(n−1)²) (:func:`sigma2_limit`).

    Args / Returns / Raises: as :func:`mu`.

    Example:
        >>> round(float(sigma2(0.1, 256)), 6)
        0.029262
    """
    return mu_sigma2(theta, n)[1]


def mu_sigma2(theta: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(μ(θ, n), σ²(θ, n)) of Theorem 1 in one pass (the J's are shared); shapes and errors as :func:`mu`."""
    t = check_theta(theta)
    m = check_width(n)
    t, m = np.broadcast_arrays(t, m)
    shape = t.shape
    t, m = t.ravel(), m.ravel()
    j22, rx, ry, _, lnd = _pieces(t)
    e = 4 * j22 - 1
    s2 = 8 * m * (j22 + 1) / (e + m) ** 2 + 8 * m * rx / (m - 1) ** 2 - 16 * m * ry / ((e + m) * (m - 1))
    mu_v = _g(j22, rx, lnd, m)
    return _out(mu_v.reshape(shape)), _out(s2.reshape(shape))


def sigma2_limit(n: ArrayLike) -> np.ndarray:
    """σ²(0⁺, n) = 8n/(n+5)² + 432n/((n+5)²(n−1)²) = 8/n + O(n^-2) (derived from Theorem 1 with X/D² → 3/2,
    Y/D → 3/2, J22(0) = 3/2; the paper's notebook keeps only 8n/(n+5)²)."""
    m = check_width(n)
    return _out(8 * m / (m + 5) ** 2 + 432 * m / ((m + 5) ** 2 * (m - 1) ** 2))


def theorem1_mpmath(theta: float, n: int, *, dps: int = 80) -> tuple[float, float]:
    """Reference (μ, σ²) of Theorem 1 evaluated directly in ``dps``-digit arithmetic (one angle).

    The plain formulas cancel about 4·log10(1/θ) digits, so the working precision is raised to
    max(dps, 4·log10(1/θ) + 30) digits (≥ 15 correct digits at any θ > 0). Used by the tests to check the
    float64 evaluation of :func:`mu` and :func:`sigma2`. At θ = 0 exactly μ is −∞ and σ² is undefined (0/0).
    """
    import mpmath as mp

    th = float(check_theta(theta))
    nn = int(check_width(n))
    if th > 0:
        dps = max(dps, int(4 * math.log10(1 / th)) + 30)
    with mp.workdps(dps):
        t = mp.mpf(th)
        s, c, p = mp.sin(t), mp.cos(t), mp.pi - t
        j11 = (s + p * c) / (2 * mp.pi)
        j22 = (p * (2 * c**2 + 1) + 3 * s * c) / (2 * mp.pi)
        j31 = (3 * p * c + s * c**2 + 2 * s) / (2 * mp.pi)
        x = 8 * j11**2 * j22 - 8 * j11**4 + 4 * j11**2 - 8 * j11 * j31 + j22 + 1
        y = 2 * j11**2 - 4 * j11 * j31 + j22 + 1
        d = 1 - 4 * j11**2
        m = mp.mpf(nn)
        e = 4 * j22 - 1
        mu_v = mp.log((m - 1) * d / (e + m)) + 4 * (j22 + 1) / (m * (e / m + 1) ** 2) - 4 * x / (
            m * (1 - 1 / m) ** 2 * d**2
        )
        s2 = (
            8 * m * (j22 + 1) / (e + m) ** 2
            + 8 * m * x / ((m - 1) ** 2 * d**2)
            - 16 * m * y / ((e + m) * (m - 1) * d)
        )
        return float(mu_v), float(s2)


#: θ² coefficient of nσ² in Corollary 2 (eq. 9) as printed in the JMLR PDF: 8 + 296/(45π) — a typo.
SIGMA2_THETA2_PRINTED = 8.0 + 296.0 / (45.0 * math.pi)
#: The corrected coefficient 8 + 296/(45π²) (the tests confirm it with theorem1_mpmath).
SIGMA2_THETA2_CORRECTED = 8.0 + 296.0 / (45.0 * math.pi**2)


def mu_series(theta: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Corollary 2 (eq. 8), small θ only.

    μ ≈ ln sin²θ − (2/(3π))θ − ρ(n) − 8θ/(15πn) − (2/(9π²) − 68/(45π²n))θ².
    """
    t = check_theta(theta)
    m = check_width(n)
    with np.errstate(divide="ignore"):
        val = (
            log_sin2(t)
            - 2 * t / (3 * np.pi)
            - np.asarray(rho(m))
            - 8 * t / (15 * np.pi * m)
            - (2 / (9 * np.pi**2) - 68 / (45 * np.pi**2 * m)) * t**2
        )
    return _out(np.asarray(val))


def sigma2_series(theta: ArrayLike, n: ArrayLike, *, corrected: bool = True) -> np.ndarray:
    """Corollary 2 (eq. 9): σ² ≈ 8/n − (64/(15π))θ/n − c₂θ²/n (small θ only).

    Args:
        theta: angles in [0, π].
        n: widths ≥ 2.
        corrected: c₂ = 8 + 296/(45π²) (default, the true coefficient); ``False`` uses the value printed
            in the JMLR PDF, 8 + 296/(45π).
    """
    t = check_theta(theta)
    m = check_width(n)
    c2 = SIGMA2_THETA2_CORRECTED if corrected else SIGMA2_THETA2_PRINTED
    return _out(np.asarray(8 / m - 64 * t / (15 * np.pi * m) - c2 * t**2 / m))


def approx1_step(log_sin2: ArrayLike, theta: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Approximation 1 (eq. 1; small θ, large n, no variance).

    x_{ℓ+1} ≈ x_ℓ − (2/(3π))θ_ℓ − ρ(n), with x = ln sin²θ.
    """
    t = check_theta(theta)
    return _out(np.asarray(np.asarray(log_sin2, dtype=np.float64) - 2 * t / (3 * np.pi) - np.asarray(rho(n))))

