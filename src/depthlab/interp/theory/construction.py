"""Shared pieces of the constructions: the result type, the separating projection and threshold placement.

A *separating direction* ``w`` (‖w‖ = 1) gives pairwise distinct projections ``t_i = w·x_i``; for distinct points a
Gaussian direction does so with probability one. Among ``tries`` random directions we keep the one with the
largest minimum gap between sorted projections (relative to their spread): the conditioning of every construction
built on the projection scales like 1/min-gap (measured; see docs/interp.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from depthlab.errors import InputError
from depthlab.interp.theory.network import ReluNet
from depthlab.interp.theory.numerics import widen_gaps

#: Default fraction of the gap (t_(j-1), t_(j)) at which threshold c_j is placed, measured from t_(j-1).
#: 0.5 (midpoints) makes the slopes of the interpolant alternate and grow; a small fraction θ keeps the network
#: close to the piecewise-linear interpolant: the slope recursion is S_j = −θ/(1−θ)·S_{j−1} + Δy_j/((1−θ) g_j), so
#: |a_j| = |S_j − S_{j−1}| is smallest as θ → 0. 0.1 gave 10–1000× smaller residuals than midpoints; 0.02 another
#: 1.1–1.5× (docs/interp.md, "Numerics"). θ = 0 would put c_j on a data point (H singular).
THRESHOLD_FRACTION = 0.02


@dataclass
class Construction:
    """A network built to interpolate data, with the facts a referee checks.

    Attributes:
        name: construction name (see :data:`~.one_hidden_layer.CONSTRUCTIONS`).
        net: the network.
        residual: ``max |f(X) − Y| / max(1, max |Y|)`` evaluated with the network's own forward pass.
        hidden_neurons: Σ n_ℓ of ``net``.
        stated_neurons: the neuron count the construction's formula states for this N (and K, groups, ...).
        cond: condition number of the output-layer system (see :func:`~.interpolation_matrix.condition`).
        rank: rank of the output-layer system.
        order: data indices in the order that makes the (last) interpolation matrix triangular/block-structured.
        info: construction-specific facts (direction, thresholds, groups, ...).
    """

    name: str
    net: ReluNet
    residual: float
    hidden_neurons: int
    stated_neurons: int
    cond: float
    rank: int
    order: np.ndarray
    info: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """JSON-ready summary (no arrays; a condition number that is not computed or infinite, or a rank
        that is not computed, is ``None``, so the JSON is strict)."""
        return {
            "construction": self.name,
            "residual": self.residual,
            "hidden_neurons": self.hidden_neurons,
            "stated_neurons": self.stated_neurons,
            "cond": self.cond if np.isfinite(self.cond) else None,
            "rank": self.rank if self.rank >= 0 else None,
            "depth": self.net.depth,
            "widths": self.net.widths,
            "parameters": self.net.parameters,
            **{k: v for k, v in self.info.items() if np.isscalar(v)},
        }


def candidate_directions(
    X: np.ndarray, rng: np.random.Generator, tries: int = 32, k: int = 1, widen: bool = True
) -> list[np.ndarray]:
    """The ``k`` best of ``tries`` random unit directions by relative minimum gap, each widened locally.

    Args:
        X: distinct points, shape ``(N, d)``.
        rng: random generator.
        tries: number of Gaussian directions to compare.
        k: how many directions to return (best first by the score before widening).
        widen: apply :func:`~.numerics.widen_gaps` (2–20× larger smallest gap, docs/interp.md).

    Raises:
        InputError: no direction among ``tries`` separates the points (only for nearly coincident points).
    """
    N, d = X.shape
    W = rng.standard_normal((d, tries))
    W /= np.linalg.norm(W, axis=0, keepdims=True)
    T = X @ W
    Ts = np.sort(T, axis=0)
    if N > 1:
        spread = np.maximum(Ts[-1] - Ts[0], np.finfo(float).tiny)
        score = np.diff(Ts, axis=0).min(axis=0) / spread
    else:
        score = np.ones(tries)
    k = 1 if d == 1 else k  # in R^1 every direction is ±1: one candidate
    best = np.argsort(-score, kind="stable")[: max(1, min(k, tries))]
    if N > 1 and score[best[0]] <= 0:
        raise InputError(
            "no separating projection direction found: some points coincide to float64 precision "
            "along every direction tried; remove nearly duplicate points"
        )
    return [widen_gaps(X, W[:, j].copy()) if widen else W[:, j].copy() for j in best if N == 1 or score[j] > 0]


def separating_direction(
    X: np.ndarray, rng: np.random.Generator, tries: int = 32, widen: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A unit direction with pairwise distinct projections: the best (largest relative min gap) of ``tries``,
    then locally improved by :func:`~.numerics.widen_gaps` (its smallest gap only grows).

    Returns:
        ``(w, t)``: direction, shape ``(d,)``, and projections ``t = X w``, shape ``(N,)``.

    Raises:
        InputError: see :func:`candidate_directions`.
    """
    w = candidate_directions(X, rng, tries, 1, widen)[0]
    return w, X @ w


def verified_candidates(N: int) -> int:
    """How many candidate directions a one-direction construction builds and verifies (keeping the network with
    the smallest measured residual): 8 up to N = 1000, 4 up to 2000, 2 up to 4000, else 1. Each costs one forward
    pass over N² neuron–point pairs; the spread of residuals over directions is about 10× (docs/interp.md)."""
    return 8 if N <= 1000 else 4 if N <= 2000 else 2 if N <= 4000 else 1


def best_of(builds) -> Construction:
    """The construction with the smallest residual among an iterable of constructions (stops at an exact one)."""
    best = None
    for con in builds:
        if best is None or con.residual < best.residual:
            best = con
        if best.residual == 0.0:
            break
    return best


def left_thresholds(ts: np.ndarray, fraction: float = THRESHOLD_FRACTION) -> np.ndarray:
    """Thresholds for sorted distinct projections ``ts``: ``c_1 < t_(1)``, ``c_j ∈ (t_(j-1), t_(j))``.

    ``c_1 = t_(1) − g`` with g the smallest gap (or 1 for a single point); ``c_j = t_(j-1) + fraction·(t_(j) −
    t_(j-1))``. Then ``σ(t_(i) − c_j) = 0`` for ``i < j`` and ``> 0`` for ``i ≥ j``: lower triangular.
    """
    gaps = np.diff(ts)
    c = np.empty_like(ts)
    c[0] = ts[0] - (gaps.min() if gaps.size else 1.0)
    c[1:] = ts[:-1] + fraction * gaps
    return c


def forward_slopes(ts: np.ndarray, c: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Output weights of ``f(t) = Σ_j a_j σ(t − c_j)`` with ``f(t_(i)) = y_(i)``, in O(N·m).

    Forward substitution on the triangular system, written as the piecewise-linear recursion: on data, f is
    linear between consecutive thresholds, so ``f(t_(i))`` before adding neuron i equals
    ``y_(i-1) + S_(i-1)(t_(i) − t_(i-1))`` with ``S`` the running slope Σ_{j<i} a_j.
    """
    N, m = ys.shape
    a = np.empty((N, m))
    slope = np.zeros(m)
    prev_t, prev_y = ts[0], np.zeros(m)
    for i in range(N):
        pred = prev_y + slope * (ts[i] - prev_t) if i else np.zeros(m)
        a[i] = (ys[i] - pred) / (ts[i] - c[i])
        slope = slope + a[i]
        prev_t, prev_y = ts[i], ys[i]
    return a


def need_neurons(name: str, needed: int, given: int | None) -> int:
    """``needed``, or a clear error if the caller asked for fewer neurons than the construction needs."""
    if given is not None and given < needed:
        raise InputError(
            f"too few neurons: construction {name!r} needs {needed} hidden neurons for these data, "
            f"got {given}; raise --neurons or choose another construction"
        )
    return needed
