"""What ``grouped``, ``windowed`` and the classifiers share: projection groups and per-group triangular solutions.

Every grouped construction (:mod:`~.deep_grouped`, :mod:`~.deep_windowed`,
:mod:`~.deep_classifier`) projects the points on one direction ``w``, sorts the projections
``t = w·x``, cuts them into G consecutive groups (:func:`sorted_groups`, cuts at locally largest gaps,
:func:`group_bounds`) and lays every group's own triangular solution
(:func:`~.construction.forward_slopes`) on 2·s·m shared neurons (:func:`group_solutions`)
with the fixed ±1 output layer :func:`signed_output`. :func:`over_directions` is their common driver: validate,
pick G, build along the best few directions and keep the smallest measured residual.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from depthlab.errors import InputError
from depthlab.interp.theory.construction import (
    Construction,
    best_of,
    candidate_directions,
    forward_slopes,
    left_thresholds,
    verified_candidates,
)
from depthlab.interp.theory.inputs import prepare
from depthlab.interp.theory.interpolation_matrix import relative_residual
from depthlab.interp.theory.network import ReluNet

#: Move each ideal cut towards the widest gap within ±N/(4G) positions (100× smaller residuals, docs/interp.md).
WINDOW = True


def group_bounds(ts: np.ndarray, G: int) -> np.ndarray:
    """Start indices of G consecutive groups of the sorted projections, cuts at locally largest gaps.

    The ideal cut j·N/G is moved to the largest gap within ±N/(4G) positions (wider gaps between groups make the
    layer-1 steps better conditioned). Returns ``starts`` of length G with ``starts[0] = 0``.
    """
    N = ts.size
    gaps = np.diff(ts)
    starts = [0]
    win = max(0, N // (4 * G)) if WINDOW else 0
    for j in range(1, G):
        ideal = round(j * N / G)
        lo, hi = max(starts[-1] + 1, ideal - win), min(N - (G - j), ideal + win)
        hi = max(hi, lo)
        cut = lo + int(np.argmax(gaps[lo - 1 : hi])) if hi > lo else lo
        starts.append(cut)
    return np.array(starts)


def sorted_groups(X: np.ndarray, Y: np.ndarray, w: np.ndarray, G: int):
    """Project on ``w``, sort, and cut into G groups.

    Returns:
        ``(order, ts, ys, starts, ends, s)``: the sorting permutation ``(N,)``, sorted projections ``(N,)`` and
        targets ``(N, m)``, group starts and ends ``(G,)``, and the largest group size s.
    """
    t = X @ w
    order = np.argsort(t, kind="stable")
    ts, ys = t[order], Y[order]
    starts = group_bounds(ts, G)
    ends = np.append(starts[1:], X.shape[0])
    return order, ts, ys, starts, ends, int((ends - starts).max())


def group_solutions(
    ts: np.ndarray, ys: np.ndarray, starts: np.ndarray, ends: np.ndarray, s: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every group's own triangular solution, laid out on the 2·s·m shared neurons of ``grouped``/``windowed``.

    Neuron column ``2(o s + k) + (0 if a ≥ 0 else 1)`` carries, on group g, the k-th neuron
    ``|a_gk| σ(t − θ_gk)`` of output o (output weight +1 or −1 by the column parity).

    Returns:
        ``(slope, theta, active)``, each of shape ``(G, 2 s m)``: ``|a_gk|``, ``θ_gk`` and whether the column is
        used on group g (unused columns: slope 0, θ 0).
    """
    G = starts.size
    n2 = 2 * s * m
    slope, theta, active = np.zeros((G, n2)), np.zeros((G, n2)), np.zeros((G, n2), dtype=bool)
    for g in range(G):
        tg, yg = ts[starts[g] : ends[g]], ys[starts[g] : ends[g]]
        th = left_thresholds(tg)
        a = forward_slopes(tg, th, yg)  # (s_g, m)
        k = np.arange(tg.size)
        for o in range(m):
            cols = 2 * (o * s + k) + (a[:, o] < 0)
            slope[g, cols], theta[g, cols], active[g, cols] = np.abs(a[:, o]), th, True
    return slope, theta, active


def signed_output(s: int, m: int) -> np.ndarray:
    """The fixed output layer of ``grouped`` and ``windowed``: column ``2(o s + k)`` carries +1 and column
    ``2(o s + k) + 1`` carries −1 for output o, shape ``(2 s m, m)`` (see :func:`group_solutions`)."""
    A = np.zeros((2 * s * m, m))
    for o in range(m):
        A[2 * o * s : 2 * (o + 1) * s : 2, o] = 1.0
        A[2 * o * s + 1 : 2 * (o + 1) * s : 2, o] = -1.0
    return A


def grouped_result(name: str, net: ReluNet, X: np.ndarray, Y: np.ndarray, stated: int, order: np.ndarray,
                   G: int, s: int, min_gap: float) -> Construction:
    """The :class:`Construction` of a grouped network: its residual from its own forward pass, no output solve
    (cond and rank not computed), ``info`` with G, the largest group s and the smallest projection gap."""
    return Construction(name=name, net=net, residual=relative_residual(net(X), Y), hidden_neurons=net.hidden_neurons,
                        stated_neurons=stated, cond=float("nan"), rank=-1, order=order,
                        info={"groups": G, "group_size": s, "min_gap": min_gap})


def over_directions(X, Y, rng: np.random.Generator, tries: int, groups: int | None,
                    default_groups: Callable[[int, int], int],
                    build_from: Callable[[np.ndarray, np.ndarray, np.ndarray, int], Construction]) -> Construction:
    """Shared driver of the grouped constructions: check the data, pick G, build along the best few directions.

    Args:
        X, Y: points ``(N, d)`` and targets ``(N,)`` or ``(N, m)`` (validated by :func:`prepare`).
        rng, tries: direction search (:func:`~.construction.candidate_directions`).
        groups: G, or None for ``default_groups(N, m)``.
        build_from: ``(X, Y, w, G) -> Construction`` along one direction ``w``.

    Returns:
        The built network with the smallest measured residual (:func:`~.construction.best_of`).
    """
    X, Y = prepare(X, Y)
    N, m = X.shape[0], Y.shape[1]
    G = default_groups(N, m) if groups is None else int(groups)
    if not 1 <= G <= N:
        raise InputError(f"groups must be between 1 and N = {N}, got {G}")
    dirs = candidate_directions(X, rng, tries, verified_candidates(N))
    return best_of(build_from(X, Y, w, G) for w in dirs)


__all__ = ["group_bounds", "group_solutions", "grouped_result", "over_directions", "signed_output", "sorted_groups"]
