"""1RSB capacity at finite K = 2 (ReLU tree, spherical weights, ties = "error") by deterministic quadrature.

Model: the tree committee machine of Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), with K = 2 ReLU
units on disjoint inputs, output weights (+1, −1), output sign(relu(h1) − relu(h2)); an output of 0 is an
error. For label +1 the feasible set of the pre-activations is the closure
S = {h ∈ R² : h1 ≥ 0, h1 ≥ h2}, a convex polyhedral cone of opening 135° with boundary rays r_a = (0, −1) and
r_b = (1, 1)/√2 (label −1 maps to it by swapping the units, which leaves the Gaussian averages unchanged).

1RSB at the SAT/UNSAT point (q1 → 1, y = m/(1 − q1) fixed), derived as for K → ∞ in
:mod:`depthlab.committee.theory.one_rsb` (Gardner, J. Phys. A 21, 257 (1988); Krauth & Mézard, J. Phys. 50,
3057 (1989)) but keeping the K-dimensional field: the capacity is the stationary point of
α(q0, y) = −A(q0, y)·y / B_2(q0, y), with A = :func:`~depthlab.committee.theory.one_rsb.coef_a` and::

    B_2(q0, y) = E_{z0} ln I(√q0 z0),   I(μ) = E_{z1} exp(−(y/2) d(μ + s z1, S)²),   s² = 1 − q0,

z0, z1 ~ N(0, I_2). The corner q0 → 1 gives the RS value 1/E[d²] = 4/3.

Inner integral without sampling (derived here). With h = μ + s z1 ~ N(μ, s² I), a = 1/s² + y and
r = s² a = 1 + y s², R² splits into four regions on which d has a simple form:

* S itself (d = 0): the term is P(h ∈ S), a wedge probability.
* the two face regions {h·r ≥ 0, h·n ≥ 0} (n the outward unit normal of the face along r), where d = h·n. In
  the orthonormal coordinates (h·r, h·n) the Gaussian factorises, and the term is Φ(μ·r/s)·g(μ·n) with
  g(m) = ∫_0^∞ φ_s(u − m) e^{−y u²/2} du = r^{−1/2} exp(−y m²/(2r)) Φ(m/(s√r)).
* the apex region, the polar cone {h·r_a ≤ 0, h·r_b ≤ 0} (a 45° wedge), where d = |h|: completing the square,
  the term is r^{−1} exp(−y|μ|²/(2r)) · P(N(μ/r, (s²/r) I) ∈ polar cone).

ln I is the log-sum-exp of the four log terms. Wedge probabilities of N(c, σ² I) (wedge of polar angles
[θ1, θ2], opening ≤ π, apex at 0; ρ = |c|/σ, ψ = θ − arg c) come from the polar-angle formula
(1/2π)∫[e^{−ρ²/2} + ρ cos ψ √(2π) Φ(ρ cos ψ) e^{−ρ² sin²ψ/2}] dψ, rewritten (derived here) so that the peak of
width 1/ρ at ψ = 0 is integrated exactly::

    P = Φ(ρ sin ψ_hi⁺) − Φ(ρ sin ψ_lo⁺) + (e^{−ρ²/2}/2π) ∫_{ψ1}^{ψ2} [1 − G(ρ |cos ψ|)] dψ,

where [ψ_lo⁺, ψ_hi⁺] is the part of [ψ1, ψ2] with cos ψ > 0 and G(x) = x Φ(−x)/φ(x) = x √(π/2) erfcx(x/√2)
(bounded in [0, 1), smooth for x ≥ 0). The remaining integral is split at ψ = ±π/2 and done by Gauss–Legendre;
both parts are positive, the exact part is taken as a difference of upper tails, so P keeps its relative
accuracy when it is tiny (it must: far outside S, P(h ∈ S) ~ e^{−d²/(2s²)} is below the face term
~ e^{−y d²/(2r)} by a factor that tends to 1 as y → ∞).

Outer average: a product Gauss–Hermite grid over z0 ∈ R² (ln I is analytic in μ, a Gaussian convolution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from scipy.optimize import minimize
from scipy.special import erfcx, log_ndtr, logsumexp, ndtr, roots_legendre

from depthlab.committee.theory.kernels import gauss_hermite
from depthlab.committee.theory.one_rsb import coef_a

#: Gauss–Hermite nodes per axis for the z0 average (see :func:`solve_1rsb_relu_k2` for the convergence).
OUTER_NODES = 80
#: Gauss–Legendre nodes per angular piece for the wedge probabilities.
ANGLE_NODES = 16
#: Distances (in units of 1/ρ) of the sub-edges that grade the angular pieces towards the kinks of |cos ψ|.
GRADING = np.array([0.5, 2.0, 8.0, 32.0, 128.0])
#: The RS corner value 1/E[d²] for K = 2 ReLU, ties = "error".
RS_CORNER_K2 = 4.0 / 3.0
#: How far below the corner a minimum must be (and q0 < 0.999, y > 1e-3) to count as interior.
INTERIOR_MARGIN = 1e-7

_SQ2 = math.sqrt(2.0)
#: Boundary rays, outward normals and wedge angles of S = {h1 ≥ 0, h1 ≥ h2}.
RAY_A = np.array([0.0, -1.0])
NORMAL_A = np.array([-1.0, 0.0])
RAY_B = np.array([1.0, 1.0]) / _SQ2
NORMAL_B = np.array([-1.0, 1.0]) / _SQ2
CONE_ANGLES = (-0.5 * math.pi, 0.25 * math.pi)  # S: from r_a to r_b (135°)
POLAR_ANGLES = (0.75 * math.pi, math.pi)  # apex region {h·r_a ≤ 0, h·r_b ≤ 0} (45°)


@lru_cache(maxsize=8)
def _legendre01(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = roots_legendre(n)
    return 0.5 * (x + 1.0), 0.5 * w


def _one_minus_g(x: np.ndarray) -> np.ndarray:
    """1 − G(x), G(x) = x Φ(−x)/φ(x), for x ≥ 0 (the asymptotic series 1/x² − 3/x⁴ + … beyond x = 50)."""
    x = np.asarray(x, dtype=np.float64)
    direct = 1.0 - x * math.sqrt(0.5 * math.pi) * erfcx(x / _SQ2)
    big = x > 50.0
    if np.any(big):
        xb = x[big]
        inv = 1.0 / (xb * xb)
        ser = np.zeros_like(xb)
        term = inv.copy()
        for k in range(1, 10):
            ser += term
            term = -term * (2 * k + 1) * inv
        direct = np.where(big, 0.0, direct)
        direct[big] = ser
    return direct


def wedge_probability(c: np.ndarray, sigma: np.ndarray | float, theta1: float, theta2: float,
                      nodes: int = ANGLE_NODES) -> np.ndarray:
    """P(h ∈ W) for h ~ N(c, σ² I_2) and the wedge W = {polar angle ∈ [θ1, θ2]} with apex at 0 (θ2 − θ1 ≤ π).

    Args:
        c: means, shape [n, 2].
        sigma: standard deviation(s), scalar or shape [n].
        theta1, theta2: the wedge's polar angles (radians), θ1 < θ2 ≤ θ1 + π.
        nodes: Gauss–Legendre nodes per smooth angular piece.

    Returns:
        Probabilities, shape [n], relative accuracy ~1e-12 also when tiny (formula in the module docstring).
    """
    c = np.asarray(c, dtype=np.float64)
    rho = np.hypot(c[:, 0], c[:, 1]) / sigma
    phase = np.arctan2(c[:, 1], c[:, 0])
    psi1 = np.mod(theta1 - phase + math.pi, 2 * math.pi) - math.pi  # in [−π, π)
    psi2 = psi1 + (theta2 - theta1)  # < 2π
    # exact peak part: the cos ψ > 0 sub-intervals (−π/2, π/2) and (3π/2, 5π/2) (sin is 2π-periodic)
    peak = np.zeros_like(rho)
    for lo_b, hi_b in ((-0.5 * math.pi, 0.5 * math.pi), (1.5 * math.pi, 2.5 * math.pi)):
        lo = np.maximum(psi1, lo_b)
        hi = np.minimum(psi2, hi_b)
        ok = hi > lo
        a = rho * np.sin(np.where(ok, lo, 0.0))
        b = rho * np.sin(np.where(ok, hi, 0.0))
        dif = np.where(a > 0, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))  # upper tails: relative accuracy
        peak += np.where(ok, dif, 0.0)
    # smooth remainder, split where |cos ψ| has its kinks
    # smooth remainder, split where |cos ψ| has its kinks; it is ≤ e^{−ρ²/2}/2 < 1e-17 beyond ρ = 9, skipped
    # there only where the peak part is ≥ 1e-3 (P is needed to relative accuracy: when P is tiny its term can
    # still matter next to a face term that is not much larger)
    t, wt = _legendre01(nodes)
    near = np.flatnonzero((rho < 9.0) | (peak < 1e-3))
    rho_n, p1, p2 = rho[near], psi1[near], psi2[near]
    rem = np.zeros_like(rho_n)
    # pieces between the kinks (ψ = ±π/2, 3π/2), graded towards each kink: 1 − G(ρ |cos ψ|) changes on the
    # scale 1/ρ there, so sub-edges at distances GRADING/ρ (clipped to π/2) keep every piece resolved
    kinks = np.array([-0.5 * math.pi, 0.5 * math.pi, 1.5 * math.pi])
    dist = np.minimum(GRADING[None, :] / np.maximum(rho_n, 1e-300)[:, None], 0.5 * math.pi)  # [n, G]
    sub = kinks[None, :, None, None] + np.array([-1.0, 1.0])[None, None, :, None] * dist[:, None, None, :]
    edges = np.concatenate([np.broadcast_to(np.array([-math.pi, 2.0 * math.pi, *kinks]), (len(rho_n), 5)),
                            sub.reshape(len(rho_n), -1)], axis=1)
    edges = np.sort(np.clip(edges, -math.pi, 2.0 * math.pi), axis=1)
    for e in range(edges.shape[1] - 1):
        lo = np.maximum(p1, edges[:, e])
        ln = np.maximum(np.minimum(p2, edges[:, e + 1]) - lo, 0.0)
        psi = lo[:, None] + ln[:, None] * t[None, :]
        f = _one_minus_g(rho_n[:, None] * np.abs(np.cos(psi)))
        rem += ln * (f @ wt)
    peak[near] += np.exp(-0.5 * rho_n * rho_n) / (2 * math.pi) * rem
    return peak


def log_face(m: np.ndarray, s: float, y: float) -> np.ndarray:
    """ln g(m), g(m) = ∫_0^∞ φ_s(u − m) e^{−y u²/2} du = r^{−1/2} exp(−y m²/(2r)) Φ(m/(s√r)), r = 1 + y s²."""
    r = 1.0 + y * s * s
    return -0.5 * math.log(r) - y * m * m / (2.0 * r) + log_ndtr(m / (s * math.sqrt(r)))


def _safe_log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.maximum(p, 0.0))


def log_inner_relu_k2(mu: np.ndarray, s: float, y: float, nodes: int = ANGLE_NODES) -> np.ndarray:
    """ln I(μ) = ln E_{z1} exp(−(y/2) d(μ + s z1, S)²) for the K = 2 ReLU cone S (ties = "error").

    Args:
        mu: shape [n, 2]; s > 0: the inner standard deviation √(1 − q0); y ≥ 0.
        nodes: Gauss–Legendre nodes per angular piece of the wedge probabilities.

    Returns:
        ln I, shape [n] (four-region decomposition of the module docstring, combined by log-sum-exp).
    """
    mu = np.asarray(mu, dtype=np.float64)
    r = 1.0 + y * s * s
    t_s = _safe_log(wedge_probability(mu, s, *CONE_ANGLES, nodes=nodes))
    t_a = log_ndtr(mu @ RAY_A / s) + log_face(mu @ NORMAL_A, s, y)
    t_b = log_ndtr(mu @ RAY_B / s) + log_face(mu @ NORMAL_B, s, y)
    p_apex = wedge_probability(mu / r, s / math.sqrt(r), *POLAR_ANGLES, nodes=nodes)
    t_apex = -math.log(r) - y * np.einsum("ij,ij->i", mu, mu) / (2.0 * r) + _safe_log(p_apex)
    return logsumexp(np.stack([t_s, t_a, t_b, t_apex]), axis=0)


def log_inner_halfline(mu: np.ndarray, s: float, y: float) -> np.ndarray:
    """K = 1 linear analogue: S = [0, ∞), ln[Φ(μ/s) + g(−μ)] (the same face formula with n = −1)."""
    mu = np.asarray(mu, dtype=np.float64)
    return np.logaddexp(log_ndtr(mu / s), log_face(-mu, s, y))


#: Region boundaries (polar angles) of the K = 2 decomposition: face a | S | face b | apex.
SECTOR_EDGES = (-math.pi, -0.5 * math.pi, 0.25 * math.pi, 0.75 * math.pi, math.pi)
#: Radial cut-off of the polar outer grid (the Gaussian weight beyond it is e^{−72} ≈ 5e-32).
R_MAX = 12.0


@lru_cache(maxsize=8)
def outer_grid(n: int, kind: str = "polar") -> tuple[np.ndarray, np.ndarray]:
    """Nodes z0, shape [M, 2], and weights, shape [M] (sum 1), for E_{z0 ~ N(0, I_2)}.

    * ``"polar"`` (default): Gauss–Legendre in the radius on [0, R_MAX] with the weight r e^{−r²/2} (n nodes)
      times Gauss–Legendre in the polar angle on each of the four sectors of :data:`SECTOR_EDGES` (n/2 nodes
      each). As q0 → 1, ln I(√q0 z0) → −(y/2r) d(z0)², whose second derivative jumps on the sector edges; the
      split keeps every sector smooth, so the grid converges fast also near the corner.
    * ``"hermite"``: the n × n product Gauss–Hermite grid (nodes of weight < 1e-40 dropped).
    """
    if kind == "hermite":
        x, w = gauss_hermite(n)
        z = np.stack(np.meshgrid(x, x, indexing="ij"), axis=-1).reshape(-1, 2)
        ww = np.outer(w, w).ravel()
        keep = ww > 1e-40
        return z[keep], ww[keep] / ww[keep].sum()
    t, wt = _legendre01(n)
    r = R_MAX * t
    wr = R_MAX * wt * r * np.exp(-0.5 * r * r)
    ta, wa = _legendre01(max(n // 2, 2))
    th = np.concatenate([lo + (hi - lo) * ta for lo, hi in pairwise(SECTOR_EDGES)])
    wth = np.concatenate([(hi - lo) * wa for lo, hi in pairwise(SECTOR_EDGES)])
    z = np.stack([np.outer(r, np.cos(th)), np.outer(r, np.sin(th))], axis=-1).reshape(-1, 2)
    w = np.outer(wr, wth).ravel() / (2 * math.pi)
    return z, w / w.sum()


def coef_b_relu_k2(q0: float, y: float, outer: int = OUTER_NODES, nodes: int = ANGLE_NODES,
                   kind: str = "polar") -> float:
    """B_2(q0, y) = E_{z0 ~ N(0, I_2)} ln I(√q0 z0) on :func:`outer_grid` (``outer``, ``kind``); B < 0."""
    z, w = outer_grid(outer, kind)
    s = math.sqrt(max(1.0 - q0, 1e-300))
    return float(w @ log_inner_relu_k2(math.sqrt(q0) * z, s, y, nodes))


def alpha_relu_k2(q0: float, y: float, outer: int = OUTER_NODES, nodes: int = ANGLE_NODES) -> float:
    """The 1RSB load α(q0, y) = −A(q0, y)·y / B_2(q0, y) for the K = 2 ReLU tree."""
    return float(-coef_a(q0, y) * y / coef_b_relu_k2(q0, y, outer, nodes))


@dataclass(frozen=True)
class OneRSBK2Result:
    """The finite-K (K = 2) 1RSB answer.

    Attributes:
        alpha: α_1RSB (the interior minimum if it lies below the RS corner, else the corner 4/3).
        interior: whether an interior stationary point below the corner was found.
        grid_q0, grid_y, grid_alpha: the coarse-grid minimum (40 × 40 in logit q0, ln y).
        nm_q0, nm_y, nm_alpha: where Nelder–Mead, seeded there, ended.
        grad_norm: |∇α| in (logit q0, ln y) at the Nelder–Mead end point (central differences).
        corner_alpha: α at q0 = 1 − 1e-6 (y = 1) on the same quadrature, ≈ 4/3.
    """

    alpha: float
    interior: bool
    grid_q0: float
    grid_y: float
    grid_alpha: float
    nm_q0: float
    nm_y: float
    nm_alpha: float
    grad_norm: float
    corner_alpha: float


def _alpha_uv(p: np.ndarray, outer: int, nodes: int) -> float:
    return alpha_relu_k2(1.0 / (1.0 + math.exp(-p[0])), math.exp(p[1]), outer, nodes)


@lru_cache(maxsize=4)
def solve_1rsb_relu_k2(outer: int = OUTER_NODES, nodes: int = ANGLE_NODES, grid_outer: int = 24,
                       grid: int = 40) -> OneRSBK2Result:
    """Minimise α(q0, y) over q0 ∈ (0.05, 0.995), y ∈ (0.1, 1000): a ``grid``² grid (on ``grid_outer`` outer
    nodes per axis), then Nelder–Mead in (logit q0, ln y) on ``outer`` nodes, as
    :func:`~depthlab.committee.theory.one_rsb.solve_1rsb` does at K → ∞. Returns the corner value 4/3 unless
    the minimum found is interior (q0 < 0.999, y > 1e-3: both edges q0 → 1 and y → 0 give the RS value) and
    below it by more than :data:`INTERIOR_MARGIN`.
    """
    qs = np.linspace(0.05, 0.995, grid)
    ys = np.geomspace(0.1, 1000.0, grid)
    vals = np.array([[alpha_relu_k2(q, yy, grid_outer, 8) for yy in ys] for q in qs])
    i, j = np.unravel_index(np.nanargmin(vals), vals.shape)
    p0 = np.array([math.log(qs[i] / (1 - qs[i])), math.log(ys[j])])
    res = minimize(_alpha_uv, p0, args=(outer, nodes), method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 400})
    h = 1e-4
    g = np.empty(2)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        g[k] = (_alpha_uv(res.x + e, outer, nodes) - _alpha_uv(res.x - e, outer, nodes)) / (2 * h)
    q0 = 1.0 / (1.0 + math.exp(-res.x[0]))
    corner = alpha_relu_k2(1.0 - 1e-6, 1.0, outer, nodes)
    y = math.exp(res.x[1])
    # both edges q0 → 1 and y → 0 are RS (α → 1/E[d²]); below the corner by less than the quadrature's error
    # (≲ 1e-8 on 40 radial nodes at small y) is not a new minimum
    interior = bool(res.fun < RS_CORNER_K2 - INTERIOR_MARGIN and q0 < 0.999 and y > 1e-3)
    return OneRSBK2Result(alpha=float(res.fun) if interior else RS_CORNER_K2, interior=interior,
                          grid_q0=float(qs[i]), grid_y=float(ys[j]), grid_alpha=float(vals[i, j]),
                          nm_q0=q0, nm_y=y, nm_alpha=float(res.fun),
                          grad_norm=float(np.linalg.norm(g)), corner_alpha=corner)
