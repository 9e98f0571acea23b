"""Numerics of the constructions: wider projection gaps, iterative refinement, a float64 rounding bound.

Why this module exists. Every one-direction construction evaluates a piecewise-linear function of
``t = w·x`` whose slopes are about Δy / gap of the sorted projections, so its float64 error is about
``eps · max slope · spread`` (docs/interp.md, "Numerics"). Three tools act on that:

* :func:`widen_gaps` — a local improvement of the projection direction: the largest smallest gap that a
  direction keeping the current order can reach is a *least-distance program*
  ``min ‖v‖ s.t. D v ≥ 1`` (rows of D = differences of consecutive points; then ``w = v / ‖v‖`` has
  every gap ≥ 1/‖v‖). It is solved with the Lawson–Hanson reduction to non-negative least squares
  (Lawson & Hanson, *Solving Least Squares Problems*, 1974, ch. 23, algorithm LDP) on the currently
  smallest gaps (cutting planes), accepting a step only if the smallest gap over *all* points grows.
* :func:`refine_output` — iterative refinement of the output layer with the residual of the network's
  own float64 forward pass: ``r = Y − f(X)``, solve ``H δ = r`` with the interpolation matrix the forward
  pass computes, ``A ← A + δ``. It removes the error of the solve; it cannot remove rounding in the evaluation itself.
* :func:`rounding_bound` — a rigorous first-order a-posteriori bound on the float64 rounding error of the
  forward pass at every point (standard running-error analysis, Higham, *Accuracy and Stability of
  Numerical Algorithms*, 2nd ed., §3.1 and §3.5: ``|fl(xᵀy) − xᵀy| ≤ γ_n |x|ᵀ|y|`` with
  ``γ_n = n u / (1 − n u)``, u = 2⁻⁵³; ReLU is 1-Lipschitz, so an error in a pre-activation passes on at
  most unchanged). A residual below this bound is at rounding level for that network.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize as so

from depthlab.interp.theory.network import ReluNet

U = np.finfo(np.float64).eps / 2  # unit roundoff of float64


def gamma(n: int) -> float:
    """Higham's ``γ_n = n u / (1 − n u)``: the relative error bound of an n-term float64 dot product."""
    return n * U / (1.0 - n * U)


def _ldp_direction(D: np.ndarray) -> np.ndarray | None:
    """Unit v maximising ``min_i (D v)_i`` (all positive), or None if no such v exists.

    Least-distance program ``min ‖v‖ s.t. D v ≥ 1`` by Lawson–Hanson's reduction to NNLS:
    ``min ‖E u − f‖, u ≥ 0`` with ``E = [Dᵀ; 1ᵀ]``, ``f = e_{d+1}``; ``v = −r_{1:d} / r_{d+1}``, ``r = E u − f``.
    """
    m, d = D.shape
    E = np.vstack([D.T, np.ones((1, m))])
    f = np.zeros(d + 1)
    f[-1] = 1.0
    try:
        u, _ = so.nnls(E, f, maxiter=max(50 * m, 1000))
    except RuntimeError:  # iteration limit: keep the current direction
        return None
    r = E @ u - f
    if not np.isfinite(r).all() or abs(r[-1]) < 1e-300:
        return None
    v = -r[:d] / r[-1]
    nv = np.linalg.norm(v)
    return v / nv if nv > 0 else None


def _min_gap(t: np.ndarray) -> float:
    return float(np.diff(np.sort(t)).min()) if t.size > 1 else np.inf


def widen_gaps(X: np.ndarray, w: np.ndarray, rounds: int = 6, active: int | None = None) -> np.ndarray:
    """Move the unit direction ``w`` locally so that the smallest gap of the sorted projections grows.

    Args:
        X: distinct points, shape ``(N, d)``.
        w: unit start direction, shape ``(d,)``, with pairwise distinct projections.
        rounds: cutting-plane rounds (each: one small NNLS and one projection of all points).
        active: how many of the currently smallest gaps enter each round's least-distance program
            (default ``max(64, 4d)``); the pairs of earlier rounds are kept.

    Returns:
        A unit direction whose smallest gap is at least that of ``w`` (``w`` itself if nothing helped).
    """
    N, d = X.shape
    if N < 3 or d < 2:
        return w
    k = min(N - 1, active or max(64, 4 * d))
    best_w, best = w, _min_gap(X @ w)
    pairs = np.empty((0, 2), dtype=np.int64)
    for _ in range(rounds):
        t = X @ best_w
        o = np.argsort(t, kind="stable")
        g = np.diff(t[o])
        idx = np.argpartition(g, k - 1)[:k] if k < g.size else np.arange(g.size)
        new = np.column_stack([o[idx + 1], o[idx]])
        pairs = np.unique(np.vstack([pairs, new]), axis=0)
        D = X[pairs[:, 0]] - X[pairs[:, 1]]
        D *= np.sign(D @ best_w)[:, None]  # orient every pair along the current order
        v = _ldp_direction(D)
        if v is None:
            break
        improved = False
        for lam in (1.0, 0.5, 0.25, 0.125):  # accept the largest step that widens the smallest gap over all points
            cand = best_w + lam * (v - best_w)
            cand /= np.linalg.norm(cand)
            gap = _min_gap(X @ cand)
            if gap > best * (1 + 1e-9):
                best_w, best, improved = cand, gap, True
                break
        if not improved:
            break
    return best_w


def rounding_bound(net: ReluNet, X: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Per-point bound on ``|fl(f(x)) − f(x)|`` for the float64 forward pass of :class:`ReluNet`, shape ``(N, m)``.

    Running error analysis of ``h_ℓ = σ(W_ℓ h_{ℓ-1} + b_ℓ)``, ``f = Aᵀ h_L + β`` (first order in u): with
    ``e_0 = 0`` (inputs exact) and ``|·|`` elementwise,
    ``e_ℓ = |W_ℓ| e_{ℓ-1} + γ_{n+1} (|W_ℓ| |ĥ_{ℓ-1}| + |b_ℓ|)`` and the output error
    ``|A|ᵀ e_L + γ_{n_L+1} (|A|ᵀ |ĥ_L| + |β|)`` (Higham 2002, eq. 3.5 for the inner products; ReLU is
    1-Lipschitz so ``|σ(ẑ) − σ(z)| ≤ |ẑ − z|``, and both are exactly 0 where ``ẑ + e < 0``). A factored
    first layer (``W_1 = s wᵀ``, see :class:`ReluNet`) is bounded as it is evaluated: ``t = X w`` then
    ``t s + b``. The bound uses the
    computed activations ĥ; it is rigorous to first order in u (the neglected terms are O(u²)).
    """
    X = np.asarray(X, dtype=np.float64)
    parts = []
    for start in range(0, max(X.shape[0], 1), chunk):
        x = X[start : start + chunk]
        h, e = x, np.zeros_like(x)
        for ell, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            if ell == 0 and net.factors is not None:
                w, s = net.factors
                t = x @ w
                et = gamma(x.shape[1]) * (np.abs(x) @ np.abs(w))  # error of t
                z = t[:, None] * s[None, :] + b
                ez = np.abs(s)[None, :] * et[:, None] + 2 * U * (np.abs(t[:, None] * s[None, :]) + np.abs(b))
            else:
                z = h @ W.T + b
                ez = e @ np.abs(W).T + gamma(W.shape[1] + 1) * (np.abs(h) @ np.abs(W).T + np.abs(b))
            # ReLU: |σ(ẑ) − σ(z)| ≤ |ẑ − z|, and exactly 0 where ẑ + e < 0 (then z < 0 too: both outputs are 0)
            h, e = np.maximum(z, 0.0), np.where(z + ez < 0, 0.0, ez)
        A, beta = net.out_weight, net.out_bias
        parts.append(e @ np.abs(A) + gamma(A.shape[0] + 1) * (np.abs(h) @ np.abs(A) + np.abs(beta)))
    return np.concatenate(parts, axis=0)


def relative_rounding_bound(net: ReluNet, X: np.ndarray, Y: np.ndarray) -> float:
    """``max rounding_bound / max(1, max|Y|)`` — on the scale of the reported relative residual."""
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    return float(np.max(rounding_bound(net, X))) / max(1.0, float(np.max(np.abs(Y))))


def refine_output(net: ReluNet, X: np.ndarray, Y: np.ndarray, solve, steps: int = 2) -> ReluNet:
    """Iterative refinement of the output weights with the residual of the network's own forward pass.

    Args:
        net: network whose last hidden layer is interpolating (``H A = Y`` solvable with the given ``solve``).
        X: points, shape ``(N, d)``.
        Y: targets, shape ``(N, m)``.
        solve: ``r ↦ δ`` solving ``H δ = r`` for the interpolation matrix H of ``net`` on X (shape ``(N, m)``
            in, ``(n_L, m)`` out); e.g. a triangular solve in the construction's order.
        steps: refinement steps; a step is kept only if the max residual decreases.

    Returns:
        ``net`` with refined ``out_weight`` (modified in place and returned).
    """
    res = np.max(np.abs(net(X) - Y))
    for _ in range(steps):
        if res == 0:
            break
        old = net.out_weight.copy()
        net.out_weight = old + solve(Y - net(X))
        new = np.max(np.abs(net(X) - Y))
        if not new < res:
            net.out_weight = old
            break
        res = new
    return net


__all__ = ["gamma", "refine_output", "relative_rounding_bound", "rounding_bound", "widen_gaps"]
