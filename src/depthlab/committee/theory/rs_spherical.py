"""Replica-symmetric (RS) capacity of tree committee machines with spherical weights.

Two routes, both from the RS Gardner volume in the limit where the overlap q between two solutions goes to 1
(Gardner, J. Phys. A 21, 257 (1988); for committee machines Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992)
and Engel et al., PRA 45, 7590 (1992); the q → 1 limits are derived in ``docs/committee-theory.md``):

* **K → ∞ (closed form).** The output field becomes Gaussian with replica covariance κ(q) (see
  :func:`~depthlab.committee.theory.kernels.kernel`); as q → 1, 1 − κ(q) ≈ κ′(1)(1 − q), hence::

      α_RS(K → ∞) = 2 κ′(1) = 2 E[g′(z)²] / Var g(z)

  = 2π/(π − 1) ≈ 2.93388 for ReLU, 2 for linear, ∞ for sign (g′ is a delta function, 1 − κ ∝ √(1 − q)).

* **Finite K (distance to the feasible cone).** With S = {z ∈ R^K : Σ_l c_l g(z_l) ≥ 0}, the RS energetic
  term behaves like −E[d(z, S)²] / (2(1 − q)) and the entropic term like 1/(2(1 − q)), so::

      α_RS(K) = 1 / E_{z ~ N(0, I_K)}[ d(z, S)² ].

  S is a cone (g positively homogeneous), so d² is homogeneous of degree 2 and E[d(z,S)²] = K · E_u[d(u,S)²]
  with u uniform on the unit sphere; we estimate the latter with randomly scrambled Sobol points (quasi-Monte
  Carlo) and report a standard error from independent scramblings.

* **Ties.** A ReLU machine outputs exactly 0 when every unit is inactive (probability 2^{-K} at random
  weights). ``ties="error"`` (default; the model's convention, sign(0) matches no label, as in the authors'
  ``GraphCommReLU`` code where Δ ≤ 0 is an error) uses the closure of {Σ c relu > 0}; ``ties="correct"`` uses
  S = {Σ c relu ≥ 0} (an output of 0 then matches both labels). For ReLU at K = 2 both are done in closed
  form by integrating over the angle (derived here): E[d²] = 3/4, α = 4/3 (ties="error"); E[d²] = 3/8 − √2/(4π),
  α = 8π/(3π − 2√2) ≈ 3.81010 (ties="correct"; an independent plain Monte Carlo gives 3.812 ± 0.007).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ndtri
from scipy.stats import qmc

from depthlab.committee.theory.kernels import kernel_slope_at_one
from depthlab.committee.theory.machine import INF, check_activation, check_k, output_weights
from depthlab.errors import InputError

#: Default quasi-Monte Carlo budget for finite-K values: ``QMC_POINTS`` Sobol points × ``QMC_REPLICAS``
#: scramblings.
QMC_POINTS = 2**15
QMC_REPLICAS = 8


@dataclass(frozen=True)
class FiniteKEstimate:
    """A finite-K RS capacity from quasi-Monte Carlo.

    Attributes:
        alpha: the estimate 1 / mean(d²).
        stderr: its standard error (delta method over ``replicas`` independent Sobol scramblings).
        mean_d2: the estimate of E[d(z, S)²] and ``mean_d2_stderr`` its standard error.
        points: Sobol points per scrambling; replicas: number of scramblings.
    """

    alpha: float
    stderr: float
    mean_d2: float
    mean_d2_stderr: float
    points: int
    replicas: int


def alpha_rs_infinite_k(activation: str) -> float:
    """RS capacity at K → ∞ for spherical weights: α = 2 κ′(1) = 2 E[g′²]/Var g (∞ for sign)."""
    return 2.0 * kernel_slope_at_one(check_activation(activation))


TIES = ("error", "correct")


def check_ties(ties: str) -> bool:
    """Return ``strict`` (True for ties="error"); raise :class:`InputError` for anything else."""
    if ties not in TIES:
        raise InputError(f"unknown ties convention {ties!r}; choose 'error' (an output of exactly 0 is a "
                         f"mistake, the model's convention) or 'correct' (an output of 0 matches both labels)")
    return ties == "error"


def alpha_rs_relu_k2_exact(ties: str = "error") -> float:
    """Closed-form RS capacity of the K = 2 ReLU tree (c = (+1, −1)), derived here by angular integration.

    * ties="error" (output 0 is a mistake): E[d²] = 3/4, α = 4/3.
    * ties="correct" (S = {relu(w1) ≥ relu(w2)}): E[d²] = 3/8 − √2/(4π),
      α = 8π/(3π − 2√2) ≈ 3.81010.
    """
    if check_ties(ties):
        return 4.0 / 3.0
    return 8.0 * math.pi / (3.0 * math.pi - 2.0 * math.sqrt(2.0))


def sq_distance_relu(z: np.ndarray, strict: bool = True) -> np.ndarray:
    """Squared Euclidean distance from each row of z to S = {Σ_{l<K/2} relu(w_l) ≥ Σ_{l≥K/2} relu(w_l)}.

    With ``strict`` (ties count as errors, the model's convention: output sign(0) matches no label) S is
    replaced by the closure of {Σ_+ relu > Σ_− relu}, i.e. S with at least one "+" unit ≥ 0. This matters at
    finite K because all units can be inactive with probability 2^{-K}: those points must lift the "+" unit
    nearest 0, and "push every positive − unit to 0" is no solution when no "+" unit is positive.

    The nearest point raises every positive "+" unit by a common t, lowers every positive "−" unit by min(t,
    z_l), and lifts the k negative "+" units closest to zero to z_l + t > 0 (KKT with one multiplier on each
    activation pattern). For each k = 0..K/2 the piecewise-linear gain equation gain(t) = deficit is solved
    exactly on its breakpoints; the cheapest valid k wins.

    Args:
        z: shape [n, K], K even; the first K/2 columns have output weight +1, the rest −1.
        strict: ties are errors (default) or count as correct.

    Returns:
        d², shape [n] (0 where z ∈ S).
    """
    n, K = z.shape
    h = K // 2
    A, B = z[:, :h], z[:, h:]
    bpos = np.sort(np.maximum(B, 0.0), axis=1)  # [n, h] ascending
    deficit = bpos.sum(axis=1) - np.maximum(A, 0.0).sum(axis=1)
    out = np.zeros(n)
    if strict:  # all units inactive: a tie; lift the "+" unit nearest 0 to 0
        tie = (deficit <= 0) & ~(A > 0).any(axis=1)
        out[tie] = np.max(A[tie], axis=1) ** 2
    bad = deficit > 0
    if not bad.any():
        return out
    A, b, D = A[bad], bpos[bad], deficit[bad]
    m = A.shape[0]
    p = (A > 0).sum(axis=1).astype(np.float64)  # [m]
    negs = -np.sort(-np.where(A > 0, -np.inf, A), axis=1)  # [m, h] negatives, nearest 0 first
    S = np.concatenate([np.zeros((m, 1)), np.cumsum(negs, axis=1)], axis=1)  # [m, h+1] prefix sums S_k
    kk = np.arange(h + 1, dtype=np.float64)  # [h+1]
    C = np.concatenate([np.zeros((m, 1)), np.cumsum(b, axis=1)], axis=1)  # [m, h+1] C_j, j = 0..h
    T = np.concatenate([np.zeros((m, 1)), b], axis=1)  # breakpoints T_0 = 0, T_j = b_j
    jj = np.arange(h + 1, dtype=np.float64)
    slope_base = h - jj  # number of b_i > t on segment j
    best = np.full(m, np.inf)
    with np.errstate(invalid="ignore"):
        for k in range(h + 1):
            Sk = S[:, k]  # [m]
            pk = p + kk[k]
            g = pk[:, None] * T + Sk[:, None] + C + T * slope_base[None, :]  # gain at breakpoints [m, h+1]
            jstar = np.clip((g < D[:, None]).sum(axis=1) - 1, 0, h)
            rows = np.arange(m)
            slope = pk + slope_base[jstar]
            t = T[rows, jstar] + (D - g[rows, jstar]) / np.where(slope > 0, slope, np.nan)
            cost = pk * t**2 + (np.minimum(t[:, None], b) ** 2).sum(axis=1)
            valid = np.isfinite(Sk) & np.isfinite(t) & (g[rows, jstar] <= D)
            if k > 0:
                valid &= t + negs[:, k - 1] >= -1e-12 * (1.0 + t)  # lifted unit ends ≥ 0 (rounding slack)
            elif strict:
                valid &= p > 0  # no "+" unit positive and none lifted: the result would be a tie
            best = np.where(valid & (cost < best), cost, best)
    out[bad] = best
    return out


def sq_distance_sign(z: np.ndarray) -> np.ndarray:
    """Squared distance from each row of z (K odd) to the majority-positive cone {#(w_l > 0) ≥ (K+1)/2}.

    The nearest point flips the m = (K+1)/2 − #(z_l > 0) negative coordinates closest to 0 (cost z_l² each).
    """
    n, K = z.shape
    need = np.maximum((K + 1) // 2 - (z > 0).sum(axis=1), 0)
    sq = np.sort(np.where(z > 0, np.inf, z * z), axis=1)
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(np.isfinite(sq), sq, 0.0), axis=1)], axis=1)
    return cs[np.arange(n), need]


def sq_distance_linear(z: np.ndarray) -> np.ndarray:
    """Squared distance to the half-space {c·w ≥ 0}: relu(−c·z)² / K (c = ±1 halves for even K, all
    +1 for odd)."""
    K = z.shape[1]
    c = output_weights(K, "linear")
    return np.maximum(-(z @ c), 0.0) ** 2 / K


def sq_distance(z: np.ndarray, activation: str, strict: bool = True) -> np.ndarray:
    """Squared distance d(z, S)², shape [n], for z of shape [n, K] and a checked activation.

    ``strict`` (ties are errors) only matters for ReLU; sign with odd K and linear have no ties.
    """
    if activation == "relu":
        return sq_distance_relu(z, strict)
    if activation == "sign":
        return sq_distance_sign(z)
    return sq_distance_linear(z)


def mean_sq_distance_qmc(activation: str, K: int, *, points: int = QMC_POINTS, replicas: int = QMC_REPLICAS,
                         seed: int = 0, chunk: int = 2**14, strict: bool = True) -> tuple[float, float]:
    """E_{z~N(0,I_K)}[d(z,S)²] by randomised QMC on the sphere: returns (mean, standard error).

    Each of ``replicas`` independent Owen-scrambled Sobol sequences of ``points`` points is mapped to
    Gaussian vectors (inverse normal CDF), normalised to the unit sphere, and K · mean(d(u,S)²) is averaged;
    the standard error is the spread of the replicas / √replicas.
    """
    if points < 2 or points & (points - 1):
        raise InputError(f"points must be a power of 2 (Sobol balance), got {points}")
    if replicas < 2:
        raise InputError(f"replicas must be ≥ 2 to estimate an error, got {replicas}")
    rng = np.random.default_rng(seed)
    means = np.empty(replicas)
    for r in range(replicas):
        sob = qmc.Sobol(d=K, scramble=True, seed=rng)
        total = 0.0
        done = 0
        while done < points:
            m = min(chunk, points - done)
            u = sob.random(m)
            u = np.clip(u, 1e-300, 1 - 1e-16)
            z = ndtri(u)
            z /= np.linalg.norm(z, axis=1, keepdims=True)
            total += float(sq_distance(z, activation, strict).sum())
            done += m
        means[r] = K * total / points
    mean = float(means.mean())
    se = float(means.std(ddof=1) / math.sqrt(replicas))
    return mean, se


@lru_cache(maxsize=256)
def alpha_rs_finite_k(activation: str, K: int, *, points: int = QMC_POINTS, replicas: int = QMC_REPLICAS,
                      seed: int = 0, ties: str = "error") -> FiniteKEstimate:
    """Finite-K RS capacity for spherical weights, α = 1/E[d(z,S)²], with its QMC standard error.

    Args:
        activation: "relu" (K even), "sign" (K odd) or "linear".
        K: number of hidden units (finite).
        points, replicas, seed: the QMC budget (see :func:`mean_sq_distance_qmc`).
        ties: "error" (an output of exactly 0 is a mistake; default, the model's convention) or "correct".
            Only ReLU has ties (all units inactive, probability 2^{-K} at random weights).

    Returns:
        A :class:`FiniteKEstimate`.
    """
    strict = check_ties(ties)
    activation = check_activation(activation)
    K = check_k(K, activation)
    if K == INF:
        raise InputError("alpha_rs_finite_k needs a finite K; use alpha_rs_infinite_k for K = inf")
    mean, se = mean_sq_distance_qmc(activation, int(K), points=points, replicas=replicas, seed=seed,
                                    strict=strict)
    alpha = 1.0 / mean
    return FiniteKEstimate(alpha=alpha, stderr=alpha * alpha * se, mean_d2=mean, mean_d2_stderr=se,
                           points=points, replicas=replicas)
