"""Layer-by-layer predictions of ln sin²θ_ℓ: Algorithm 1 (mean path) and Approximation 2 (density).

Jakub & Nica (2024) §1.2 (Algorithm 1) and eq. 10 (Approximation 2).

**Which width enters a step.** ``widths[k]`` is the width n_{k+1} of hidden layer k + 1, for k = 0..L−1; it is
the width used in the step θ_k → θ_{k+1}. Reason (paper eq. 57 and eqs. 14–17): given layer k, the n_{k+1}
coordinate pairs (z_i(x_α), z_i(x_β)) of layer k + 1 are i.i.d. Gaussian pairs with correlation cos θ_k
whatever n_k is, and θ_{k+1} is the angle between φ of these n_{k+1}-vectors; so the count that enters Theorem
1 is n_{k+1}. The input dimension never enters (θ_0 is the input angle) and the output layer's width does not
either (the angle is measured on the last hidden post-activations). The paper writes n_ℓ for this step; its
training notebook passes [n_in, h_1, …, h_L] (input width first, last hidden width unused), which differs from
this convention when widths vary. With equal widths all conventions agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.interpolate import PchipInterpolator
from scipy.special import ndtr

from depthlab.angles.theory._checks import check_scalar_theta, check_widths
from depthlab.angles.theory.finite import log_sin2, mu, mu_minus_log_sin2, rho, sigma2
from depthlab.angles.theory.infinite import infinite_width_angles
from depthlab.errors import InputError

Kernel = Literal["theorem1", "linearised"]


def theta_from_log_sin2(x: ArrayLike) -> np.ndarray:
    """θ = arcsin(e^{x/2}) ∈ [0, π/2], the inverse used by Algorithm 1 (valid for ℓ ≥ 1 where θ_ℓ ≤ π/2).

    Values x > 0 (possible in a Gaussian approximation, impossible for a real angle) map to π/2; x = −∞ to 0.
    """
    xv = np.asarray(x, dtype=np.float64)
    return np.arcsin(np.exp(0.5 * np.minimum(xv, 0.0)))


def predict_mean_path(theta0: float, widths: Sequence[int] | int) -> dict[str, Any]:
    """Algorithm 1 (paper §1.2): the predicted mean of ln sin²θ_ℓ, layer by layer, plus the reference laws.

    x_0 = ln sin²θ_0; for k = 0..L−1: x_{k+1} = μ(θ_k, widths[k]) (Theorem 1), θ_{k+1} = arcsin(e^{x_{k+1}/2}).

    Args:
        theta0: input angle θ_0 in [0, π].
        widths: widths of hidden layers 1..L (widths[k] enters the step θ_k → θ_{k+1}; see the module
            docstring); a single int means one layer.

    Returns:
        A dict of float64 arrays of shape (L + 1,) indexed by layer ℓ = 0..L (entry 0 is the input) and lists:

        * ``layer``: 0..L;  ``widths``: the L widths (list of int);
        * ``theta``, ``mean_log_sin2``: Algorithm 1's θ_ℓ and x_ℓ = predicted E ln sin²θ_ℓ;
        * ``infinite_width_theta``, ``infinite_width_log_sin2``: the infinite-width map (eq. 12);
        * ``approx1_log_sin2``: Approximation 1 (eq. 1) iterated, x_{k+1} = x_k − (2/(3π))θ_k − ρ(n) with θ_k
          = arcsin(e^{x_k/2}) (small-θ law, poor at large θ);
        * ``rho``: ρ(widths[k]) for each step (shape (L,)).

    Raises:
        InputError: θ_0 outside [0, π], empty widths or a width below 2.

    Example:
        >>> p = predict_mean_path(np.pi / 2, [256] * 50)
        >>> round(float(p["mean_log_sin2"][50]), 3)
        -3.995
    """
    t0 = check_scalar_theta(theta0, "theta0")
    ws = check_widths(widths)
    depth = len(ws)
    theta = np.empty(depth + 1)
    x = np.empty(depth + 1)
    a1 = np.empty(depth + 1)
    theta[0] = t0
    x[0] = a1[0] = float(log_sin2(np.float64(t0)))
    for k, n in enumerate(ws):
        x[k + 1] = min(float(mu(theta[k], n)), 0.0)
        theta[k + 1] = float(theta_from_log_sin2(x[k + 1]))
        tk = float(theta_from_log_sin2(a1[k])) if k > 0 else t0
        a1[k + 1] = a1[k] - 2.0 * tk / (3.0 * np.pi) - float(rho(n))
    inf_theta = infinite_width_angles(t0, depth)
    return {
        "layer": list(range(depth + 1)),
        "widths": list(ws),
        "theta": theta,
        "mean_log_sin2": x,
        "infinite_width_theta": inf_theta,
        "infinite_width_log_sin2": log_sin2(inf_theta),
        "approx1_log_sin2": a1,
        "rho": np.asarray(rho(np.array(ws))),
    }


@dataclass(frozen=True)
class DensityPrediction:
    """Approximation 2 (eq. 10) propagated on a grid of x = ln sin²θ.

    Attributes:
        theta0: input angle.
        widths: widths of layers 1..L (see the module docstring).
        kernel: ``"theorem1"`` or ``"linearised"`` (see :func:`predict_density`).
        edges: (G + 1,) increasing cell edges of the x grid.
        grid: (G,) cell centres.
        mass: (L + 1, G) probability of each cell at layers 0..L (row 0 is the point mass at ln sin²θ_0
            put in its cell, for shape alignment; its mean and sd below are exact).
        density: (L + 1, G) mass / cell width.
        mean: (L + 1,) mean of ln sin²θ_ℓ under the prediction (entry 0 = ln sin²θ_0, exact).
        sd: (L + 1,) standard deviation (entry 0 = 0).
        mass_outside: (L + 1,) probability that left the grid by layer ℓ (not renormalised; should be ≪ 1e-6).
    """

    theta0: float
    widths: tuple[int, ...]
    kernel: str
    edges: np.ndarray
    grid: np.ndarray
    mass: np.ndarray
    density: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    mass_outside: np.ndarray
    _cum: np.ndarray = field(repr=False)

    def _check_layer(self, layer: int, first: int) -> int:
        depth = len(self.widths)
        if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or not first <= layer <= depth:
            raise InputError(f"layer must be an integer in {first}..{depth}, got {layer!r}")
        return int(layer)

    def cdf(self, layer: int) -> Callable[[ArrayLike], np.ndarray]:
        """The predicted CDF of ln sin²θ_ℓ at ``layer`` (1..L).

        Exact cumulative cell masses at the cell edges, joined by a monotone cubic (PCHIP) interpolant, and
        normalised by the mass on the grid; pass it to
        :func:`scipy.stats.kstest`: ``kstest(samples, pred.cdf(30))``.
        """
        layer = self._check_layer(layer, 1)
        cum = self._cum[layer]
        edges = self.edges

        spline = PchipInterpolator(edges, cum, extrapolate=False)

        def f(x: ArrayLike) -> np.ndarray:
            xv = np.asarray(x, dtype=np.float64)
            val = np.clip(np.nan_to_num(spline(xv), nan=0.0), 0.0, 1.0)
            return np.where(xv >= edges[-1], 1.0, np.where(xv <= edges[0], 0.0, val))

        return f

    def pdf(self, layer: int) -> Callable[[ArrayLike], np.ndarray]:
        """The predicted density of ln sin²θ_ℓ at ``layer`` (0..L), piecewise constant on the cells."""
        layer = self._check_layer(layer, 0)
        dens = self.density[layer]
        edges = self.edges

        def f(x: ArrayLike) -> np.ndarray:
            xv = np.asarray(x, dtype=np.float64)
            idx = np.searchsorted(edges, xv, side="right") - 1
            inside = (idx >= 0) & (idx < dens.size)
            return np.where(inside, dens[np.clip(idx, 0, dens.size - 1)], 0.0)

        return f


def _kernel_params(y: np.ndarray, n: int, kernel: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean α(y) and sd β(y) of x_{ℓ+1} given x_ℓ = y."""
    th = theta_from_log_sin2(y)
    if kernel == "theorem1":
        g, s2 = np.asarray(mu_minus_log_sin2(th, n)), np.asarray(sigma2(th, n))
        return np.minimum(y, 0.0) + g, np.sqrt(np.maximum(s2, 1e-300))
    r = float(rho(n))
    beta = np.sqrt(8.0 * n / (n + 5.0) ** 2)
    return np.minimum(y, 0.0) - 2.0 * th / (3.0 * np.pi) - r, np.full_like(y, beta)


#: The kernel is truncated at this many standard deviations (tail mass ~1e-23 per step).
_KERNEL_SDS = 10.0


def _transition(edges: np.ndarray, centres: np.ndarray, n: int, kernel: str) -> sparse.csr_matrix:
    """Banded transition matrix T (G targets × G sources): T[j, i] = P(x_{ℓ+1} ∈ cell j | x_ℓ = centre i).

    Cell probabilities are differences of normal CDFs, taken on the upper tail (ndtr(−z)) right of the kernel
    mean so that small tail probabilities keep their relative precision.
    """
    g = centres.size
    alpha, beta = _kernel_params(centres, n, kernel)
    lo_idx = np.clip(np.searchsorted(edges, alpha - _KERNEL_SDS * beta, side="right") - 1, 0, g - 1)
    hi_idx = np.clip(np.searchsorted(edges, alpha + _KERNEL_SDS * beta, side="left"), lo_idx + 1, g)
    width = int(np.max(hi_idx - lo_idx))
    cols = lo_idx[:, None] + np.arange(width)[None, :]
    valid = cols < hi_idx[:, None]
    cols = np.minimum(cols, g - 1)
    z_lo = (edges[cols] - alpha[:, None]) / beta[:, None]
    z_hi = (edges[cols + 1] - alpha[:, None]) / beta[:, None]
    vals = np.where(z_lo > 0, ndtr(-z_lo) - ndtr(-z_hi), ndtr(z_hi) - ndtr(z_lo))
    rows = np.broadcast_to(np.arange(g)[:, None], cols.shape)
    return sparse.csr_matrix((vals[valid], (cols[valid], rows[valid])), shape=(g, g))


def predict_density(
    theta0: float,
    widths: Sequence[int] | int,
    grid: ArrayLike | None = None,
    *,
    n_cells: int = 1000,
    kernel: Kernel = "theorem1",
) -> DensityPrediction:
    """Approximation 2 (paper eq. 10): the density of ln sin²θ_ℓ propagated layer by layer on a grid.

    Layer 1 is the Gaussian N(μ(θ_0, n_1), σ²(θ_0, n_1)). Then p_{ℓ+1}(x) = ∫ N(x; α(y), β(y)²) p_ℓ(y) dy with

    * ``kernel="theorem1"`` (default): α(y) = μ(θ(y), n), β² = σ²(θ(y), n), θ(y) = arcsin(e^{y/2});
    * ``kernel="linearised"``: the paper's notebook, α(y) = y − (2/(3π))θ(y) − ρ(n), β² = 8n/(n+5)².

    Each step integrates the Gaussian kernel exactly over every target cell (differences of normal CDFs) from
    every source cell centre, truncated at ±10β (a sparse banded transition matrix, built once per distinct
    width), so mass is conserved even when β is below the cell width; cells with x > 0 (mass a Gaussian
    approximation puts above sin² = 1) are propagated with θ = π/2.

    Args:
        theta0: input angle in [0, π].
        widths: widths of layers 1..L (widths[k] enters step k → k+1; see the module docstring).
        grid: increasing cell edges of x = ln sin²θ (≥ 3 values); default: ``n_cells`` equal cells from 12
            accumulated standard deviations below Algorithm 1's lowest mean to max(0, μ_1 + 10σ_1,
            10 √σ²(π/2, n)) (the Gaussian kernel puts some mass above x = 0, which the paper's notebook, with
            its grid [−15, 0], drops; here it is kept and propagated with θ = π/2).
        n_cells: number of cells of the default grid (≥ 50).
        kernel: ``"theorem1"`` or ``"linearised"``.

    Returns:
        A :class:`DensityPrediction` (grid, per-layer masses/densities, mean and sd per layer, CDF helper).

    Raises:
        InputError: bad θ_0, widths, grid or kernel.
    """
    t0 = check_scalar_theta(theta0, "theta0")
    ws = check_widths(widths)
    if kernel not in ("theorem1", "linearised"):
        raise InputError(f"kernel must be 'theorem1' or 'linearised', got {kernel!r}")
    depth = len(ws)
    m1, s1 = float(mu(t0, ws[0])), math.sqrt(max(float(sigma2(t0, ws[0])), 0.0))  # σ² ≈ −1e-17 near θ = π
    if not np.isfinite(m1):
        raise InputError("theta0 = 0 (or π) gives ln sin²θ_1 = −∞ exactly: there is no density to propagate")
    if grid is None:
        if isinstance(n_cells, bool) or not isinstance(n_cells, int | np.integer) or n_cells < 50:
            raise InputError(f"n_cells must be an integer ≥ 50, got {n_cells!r}")
        path = predict_mean_path(t0, ws)
        var = np.cumsum(np.asarray(sigma2(path["theta"][:-1], np.array(ws))))
        lo = float(np.min(path["mean_log_sin2"][1:] - 12.0 * np.sqrt(var))) - 1.0
        # mass above x = 0 (impossible for an angle, allowed by the Gaussian kernel) comes from cells near
        # θ = π/2, whose kernel sd is √σ²(π/2, n): keep 10 of those above 0 so that no mass leaves the grid
        hi = max(0.0, m1 + 10.0 * s1, 10.0 * math.sqrt(float(np.max(sigma2(np.pi / 2, np.array(ws))))))
        edges = np.linspace(lo, hi, int(n_cells) + 1)
    else:
        edges = np.asarray(grid, dtype=np.float64).ravel()
        if edges.size < 3 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
            raise InputError("grid must be ≥ 3 finite, strictly increasing cell edges of x = ln sin²θ")
    centres = 0.5 * (edges[1:] + edges[:-1])
    ncell = centres.size
    mass = np.zeros((depth + 1, ncell))
    x0 = float(log_sin2(np.float64(t0)))
    j0 = int(np.clip(np.searchsorted(edges, x0, side="right") - 1, 0, ncell - 1))
    mass[0, j0] = 1.0
    outside = np.zeros(depth + 1)
    mass[1] = np.diff(ndtr((edges - m1) / s1)) if s1 > 0 else np.eye(ncell)[int(np.clip(
        np.searchsorted(edges, m1, side="right") - 1, 0, ncell - 1))]
    outside[1] = 1.0 - mass[1].sum()
    means = np.empty(depth + 1)
    sds = np.empty(depth + 1)
    means[0], sds[0] = x0, 0.0
    means[1], sds[1] = m1, s1
    cache: dict[int, sparse.csr_matrix] = {}
    for k in range(1, depth):
        n = ws[k]
        if n not in cache:
            cache[n] = _transition(edges, centres, n, kernel)
        mass[k + 1] = cache[n] @ mass[k]
        outside[k + 1] = 1.0 - mass[k + 1].sum()
    for k in range(2, depth + 1):
        tot = mass[k].sum()
        means[k] = float(mass[k] @ centres / tot)
        sds[k] = float(np.sqrt(max(mass[k] @ (centres - means[k]) ** 2 / tot, 0.0)))
    cum = np.concatenate([np.zeros((depth + 1, 1)), np.cumsum(mass, axis=1)], axis=1)
    cum = cum / np.maximum(cum[:, -1:], 1e-300)
    return DensityPrediction(
        theta0=t0,
        widths=ws,
        kernel=kernel,
        edges=edges,
        grid=centres,
        mass=mass,
        density=mass / np.diff(edges)[None, :],
        mean=means,
        sd=sds,
        mass_outside=outside,
        _cum=cum,
    )
