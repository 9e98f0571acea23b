"""``grouped``: two hidden layers, exact interpolation with a sparse layer-2 matrix (our construction).

Huang (arXiv 2208.07498, abstract) states a *sparse-matrix principle* for deep layers, an advantage of deep layers
over shallower ones manifested in it, and a general deep solution for classification built from it. The paper's
precise statement and neuron counts were not reachable (docs/interp.md, "What we could read"), so this module and
:mod:`~.deep_windowed` and :mod:`~.deep_classifier` give **our own exact
constructions realising those claims**, and the study measures them.

``grouped`` (interpolation of any targets). Sort the projections ``t = w·x`` and cut the sorted points into G
consecutive groups (cuts at locally largest gaps, :mod:`~.groups`). Layer 1 (2G − 1
neurons): ``σ(t − e_0)`` (active everywhere) and, inside each gap between groups, two neurons ``σ(t − e_h)``,
``σ(t − e′_h)``. On the points of group g every layer-1 neuron is affine in t, and a combination of them can have
**any slope and any intercept on each group independently** (two free coefficients per gap). Layer 2 (2·s·m
neurons, s = largest group, m outputs): neuron (o, k, ±) equals, on group g, the k-th neuron ``|a_gk| σ(t − θ_gk)``
of that group's own triangular solution (see :mod:`~.one_hidden_layer`) if
``sign a_gk = ±``, and is inactive (pre-activation −1) otherwise. The output layer is fixed: +1 / −1. So the
layer-2 interpolation matrix is **sparse**: a row of group g has at most ``s_g`` nonzeros among ``2 s m`` columns
(≥ 3/4 zeros), lower triangular inside each group, and the number of neurons is ``2G − 1 + 2 s m ≈ 4√(N m)``
against N for one hidden layer. For data on a line (d = 1) one hidden layer needs at least ``⌈N/2⌉ − 1`` neurons
for generic targets (a piecewise-linear function with n breakpoints has n + 1 pieces, each through at most 2
generic points), so the depth advantage is rigorous there.
"""

from __future__ import annotations

import numpy as np

from depthlab.interp.theory.construction import Construction, need_neurons
from depthlab.interp.theory.groups import (
    group_solutions,
    grouped_result,
    over_directions,
    signed_output,
    sorted_groups,
)
from depthlab.interp.theory.network import ReluNet
from depthlab.interp.theory.neuron_counts import best_groups, grouped_neurons

#: The steep layer-1 pair of a gap sits at fractions RAMP and 1 − RAMP of the gap: the wider the ramp, the smaller its
#: layer-2 weights ≈ jump / (ramp width) and their rounding (0.05: 2.7× smaller than the former 1/3–2/3 pair).
RAMP = 0.05


def grouped(
    X, Y, *, rng: np.random.Generator, tries: int = 32, groups: int | None = None, neurons: int | None = None
) -> Construction:
    """Two-hidden-layer exact interpolation with ``2G − 1 + 2 s m`` neurons and a sparse layer-2 matrix.

    Args:
        X: distinct points, shape ``(N, d)``.
        Y: targets, shape ``(N,)`` or ``(N, m)``.
        rng: random generator (direction search).
        tries: random directions compared by :func:`~.construction.candidate_directions` (the best few
            are built and the network with the smallest residual is kept).
        groups: G; default minimises the neuron count (:func:`~.neuron_counts.best_groups`).
        neurons: if given, the total the caller allows; an error if the construction needs more.
    """
    return over_directions(X, Y, rng, tries, groups, best_groups, lambda X, Y, w, G: _grouped_from(X, Y, w, G, neurons))


def _grouped_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray, G: int, neurons: int | None) -> Construction:
    N, m = X.shape[0], Y.shape[1]
    order, ts, ys, starts, ends, s = sorted_groups(X, Y, w, G)
    need_neurons("grouped", grouped_neurons(N, G, m, s), neurons)
    gmin = float(np.diff(ts).min()) if N > 1 else 1.0
    # ---- layer 1: σ(t − e_0) and the gap pairs σ(t − e_h), σ(t − e'_h), h = 1..G−1.
    e0 = ts[0] - max(gmin, 1e-3 * max(float(ts[-1] - ts[0]), 1.0))
    left, right = ts[starts[1:] - 1], ts[starts[1:]]
    e, e2 = left + RAMP * (right - left), right - RAMP * (right - left)
    thr1 = np.concatenate([[e0], np.ravel(np.column_stack([e, e2]))])
    n1 = thr1.size
    # ---- per-group triangular solutions: slopes α and intercepts β of every layer-2 neuron on every group.
    n2 = 2 * s * m
    slope, theta, active = group_solutions(ts, ys, starts, ends, s, m)
    alpha = slope
    beta = np.where(active, -slope * theta, -1.0)  # inactive: slope 0, value −1
    # An inactive neuron keeps the previous group's affine function when that is already negative on the whole
    # group (no jump at the gap: fewer large layer-2 weights, smaller rounding errors); else
    # slope 0, value −1.
    for g in range(1, G):
        tg = ts[starts[g] : ends[g]]
        inactive = (alpha[g] == 0) & (beta[g] == -1)
        worst = np.maximum(alpha[g - 1] * tg[0] + beta[g - 1], alpha[g - 1] * tg[-1] + beta[g - 1])
        keep = inactive & (worst <= -0.5)
        alpha[g, keep], beta[g, keep] = alpha[g - 1, keep], beta[g - 1, keep]
    # ---- layer-2 weights from the per-group affine functions (see module docstring).
    W2 = np.zeros((n2, n1))
    W2[:, 0] = alpha[0]
    b2 = beta[0] + alpha[0] * e0
    dS, dI = np.diff(alpha, axis=0), np.diff(beta, axis=0)  # (G−1, n2)
    V = (-dI - dS * e[:, None]) / (e2 - e)[:, None]
    W2[:, 1::2] = (dS - V).T
    W2[:, 2::2] = V.T
    A = signed_output(s, m)
    net = ReluNet([np.tile(w, (n1, 1)), W2], [-thr1, b2], A, np.zeros(m), name="grouped", factors=(w, np.ones(n1)))
    return grouped_result("grouped", net, X, Y, grouped_neurons(N, G, m, s), order, G, s, gmin)


__all__ = ["RAMP", "grouped"]
