"""The authors' own discretisation of Approximation 2 (their Figure-1 notebook), for their KS construction.

Jakub & Nica print KS p-values for Fig. 1 (p = 0.987 at layer 1, 0.186 at layer 30). Those numbers come from
the notebook ``Angle_Evolution/Depth_Degeneracy_in_Neural_Networks_Plots.ipynb`` of
github.com/camjakub/Depth-Degeneracy-in-Neural-Networks (commit 187c18e), whose steps this module reproduces:

* cell 22: a grid ``x_range = linspace(−15, 0, 10000)``; layer 1 is the Gaussian N(μ(θ_0, n), σ²(θ_0, n)) of
  Theorem 1, evaluated with the closed-form J_{1,1}, J_{3,1}, J_{2,2} of cell 11 and the formulas of cell 20;
* cells 18 and 22: each further layer is the Riemann sum
  ``pdf_{ℓ+1}(x_j) = Σ_i φ((x_j − α(x_i))/β)/β · pdf_ℓ(x_i) · Δ`` with the *linearised* kernel
  α(x) = x − (2/(3π)) arcsin(e^{x/2}) − ρ(n), β = √(8n/(n+5)²), and ``Δ = (x_end − x_start)/N_points``
  (= 15/10000, the notebook's own step; the grid spacing itself is 15/9999);
* cell 30: the predicted CDF is ``cumsum(pdf) · Δ`` (not renormalised), read at any point by ``np.interp``.

The one departure is arithmetic, not method: the notebook forms the dense 10000 × 10000 kernel (800 MB); here
each source cell's kernel is kept within 8β of its centre (φ(8)/φ(0) = 1.3·10⁻¹⁴) and the banded product is
done by a few FFT convolutions (:func:`_step`), which agrees with the dense product to ~10⁻¹⁴ of the peak density
(tested) in a quarter of a second for 30 layers. The KS test the notebook runs on this CDF is in
:mod:`depthlab.angles.ks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.signal import fftconvolve

from depthlab.angles.theory._checks import check_depth, check_scalar_theta, check_widths
from depthlab.errors import InputError

#: The notebook's grid (cell 22): ``x_start, x_end, N_points``.
NOTEBOOK_GRID = (-15.0, 0.0, 10000)
_BAND_SDS = 8.0
_TERMS = 14


def notebook_j(theta: float) -> tuple[float, float, float]:
    """``(J_{1,1}, J_{3,1}, J_{2,2})`` at θ by the notebook's closed forms (cell 11)."""
    s, c, r = math.sin(theta), math.cos(theta), math.pi - theta
    j11 = (s + r * c) / (2 * math.pi)
    j31 = (3 * r * c + s * c * c + 2 * s) / (2 * math.pi)
    j22 = (r * (2 * c * c + 1) + 3 * s * c) / (2 * math.pi)
    return j11, j31, j22


def notebook_first_layer(theta0: float, n: int) -> tuple[float, float]:
    """Mean and variance of ln sin²θ_1 as the notebook evaluates Theorem 1 (cell 20), in plain float64."""
    j11, j31, j22 = notebook_j(theta0)
    x = 8 * j11**2 * j22 - 8 * j11**4 + 4 * j11**2 - 8 * j11 * j31 + j22 + 1
    y = 2 * j11**2 - 4 * j11 * j31 + j22 + 1
    d = 1 - 4 * j11 * j11
    mean = (math.log((n - 1) * d / (4 * j22 - 1 + n)) + 4 * (j22 + 1) / (n * ((4 * j22 - 1) / n + 1) ** 2)
            - 4 * x / (n * (1 - 1 / n) ** 2 * d**2))
    var = ((8 / n) * x / ((1 - 1 / n) * d) ** 2 + (8 * (j22 + 1) / n) / ((4 * j22 - 1) / n + 1) ** 2
           - 16 * y / (n * (1 - 1 / n) * d * ((4 * j22 - 1) / n + 1)))
    return mean, var


def notebook_rho(n: int) -> float:
    """ρ(n) as written in the notebook (cell 18); equal to eq. 2."""
    return math.log((5 + n) / (n - 1)) - 10 / (n * (5 / n + 1) ** 2) + 6 / (n * (1 - 1 / n) ** 2)


@dataclass(frozen=True)
class AuthorsDensity:
    """The notebook's Approximation-2 prediction.

    Attributes:
        theta0, width, depth: the network (θ_0, constant width n, number of layers L).
        grid: ``(10000,)`` the notebook's ``x_range``.
        pdf: ``(L + 1, 10000)`` the notebook's ``pdf_x`` (row 0 unused, zero).
        cdf: ``(L + 1, 10000)`` ``cumsum(pdf) · Δ`` (cell 30).
    """

    theta0: float
    width: int
    depth: int
    grid: np.ndarray
    pdf: np.ndarray
    cdf: np.ndarray

    def cdf_at(self, layer: int, x: ArrayLike) -> np.ndarray:
        """The predicted CDF at ``layer`` read at ``x`` by ``np.interp`` (cell 30; −∞ gives the first value)."""
        layer = check_depth(layer, "layer")
        if layer > self.depth:
            raise InputError(f"layer must be in 1..{self.depth}, got {layer}")
        return np.interp(np.asarray(x, dtype=np.float64), self.grid, self.cdf[layer])


def _step(pdf: np.ndarray, grid: np.ndarray, alpha: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """One Riemann step of cell 22, ``(K @ pdf) · Δ`` with K[j, i] = φ((x_j − α(x_i))/β)/β, banded at ±8β.

    On the uniform grid, α(x_i) = x_0 + (m_i + r_i)h with m_i an integer and r_i ∈ [0, 1), so for the target
    j = m_i + k, e^{−(x_j − α_i)²/2β²} = e^{−r_i²c} e^{−k²c} e^{2k r_i c} with c = h²/2β². For |k| ≤ 8β/h the
    last factor's exponent is at most 8h/β (0.07 at n = 256), so its Taylor series to :data:`_TERMS` terms is exact
    to rounding, and each term is a convolution of binned source weights with the fixed kernel k^m e^{−k²c}
    (done by FFT). The result equals the notebook's dense product to ~1e-15 of the peak density.
    """
    h = (grid[-1] - grid[0]) / (grid.size - 1)  # not grid[1] − grid[0], which is off by an ulp of 15
    band = math.ceil(_BAND_SDS * beta / h)
    u = (alpha - grid[0]) / h
    m = np.floor(u).astype(np.int64)
    r = u - m
    c = h * h / (2.0 * beta * beta)
    k = np.arange(-band, band + 1, dtype=np.float64)
    base = np.exp(-k * k * c)
    first, bins = int(m.min()), int(m.max() - m.min()) + 1
    weights = pdf * np.exp(-r * r * c)
    conv = np.zeros(bins + 2 * band)
    for term in range(_TERMS):
        conv += fftconvolve(np.bincount(m - first, weights=weights, minlength=bins), k**term * base)
        weights = weights * (2.0 * r * c) / (term + 1)
    out = np.zeros_like(pdf)  # conv[s] is target j = first − band + s; keep the targets on the grid
    lo = first - band
    j0, s0 = max(0, lo), max(0, -lo)
    count = max(0, min(out.size - j0, conv.size - s0))
    out[j0:j0 + count] = conv[s0:s0 + count]
    return out * (delta / (math.sqrt(2.0 * math.pi) * beta))


def authors_density(theta0: float, width: int, depth: int) -> AuthorsDensity:
    """The notebook's Approximation-2 density and CDF at layers 1 … ``depth`` for a constant ``width``.

    Raises:
        InputError: θ_0 outside (0, π), a width below 2 or a depth below 1.
    """
    t0 = check_scalar_theta(theta0, "theta0")
    if not 0.0 < t0 < math.pi:
        raise InputError(f"theta0 must lie strictly between 0 and π (ln sin²θ_1 is −∞ otherwise), got {t0}")
    (n,) = check_widths([width], "width")
    depth = check_depth(depth)
    x_start, x_end, points = NOTEBOOK_GRID
    grid = np.linspace(x_start, x_end, points)
    delta = (x_end - x_start) / points
    mean, var = notebook_first_layer(t0, n)
    pdf = np.zeros((depth + 1, points))
    pdf[1] = stats.norm.pdf(grid, mean, math.sqrt(var))
    alpha = grid - 2 / (3 * np.pi) * np.arcsin(np.exp(grid / 2)) - notebook_rho(n)
    beta = math.sqrt(8 * n / (n + 5) ** 2)
    for ell in range(2, depth + 1):
        pdf[ell] = _step(pdf[ell - 1], grid, alpha, beta, delta)
    return AuthorsDensity(t0, n, depth, grid, pdf, np.cumsum(pdf, axis=1) * delta)
