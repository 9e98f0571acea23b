"""``windowed``: three hidden layers, exact interpolation with *local* coordinates on every group (our construction).

Why. ``grouped`` (:mod:`~.deep_grouped`, two hidden layers) switches each layer-2 neuron from one group's
affine function to the next with a steep ramp inside the gap between groups; the ramp's coefficients are about
(jump)/(gap), they stay active on every later group and cancel there, and their rounding dominates its float64
residual (4.5e-10 at N = 1000, d = 10; docs/interp.md "Numerics"). One more layer removes the cancellation:

* **Layer 1** (2G − 1 neurons, one direction w, ``t = w·x``): ramps ``r_g = σ(t − e_g)`` (g = 0..G−1; e_0 below
  every point, e_g at 1/3 of the gap before group g) and steep left-facing ramps
  ``p_h = σ((e′_h − t)/δ_h)`` (h = 1..G−1; e′_h at 2/3 of the gap, δ_h = gap/3): ``p_h`` is exactly 0 on groups
  ≥ h and ≥ 2 on groups < h.
* **Layer 2** (2G neurons): windows ``ω_g = σ(r_g − (M/δ_{g+1}) r_{g+1})`` (equal to ``t − e_g`` on group g and
  exactly 0 elsewhere, M = spread of t) and indicators ``ι_g = σ(1 − p_g − r_{g+1}/δ_{g+1})`` (exactly 1 on group
  g, exactly 0 elsewhere). On the data every one of these is exact up to one rounding of ``t − e_g``: the
  pre-activations off the group are ≤ −1 (margins from the 1/3–2/3 placement), so ReLU returns exact zeros.
* **Layer 3** (2 s m neurons): neuron (o, k, ±) has pre-activation ``Σ_g α_gk ω_g + c_gk ι_g``, which on group g
  is that group's own triangular neuron ``|a_gk| (t − θ_gk)`` (``α = |a|``, ``c = |a|(e_g − θ)``), or −1
  (inactive) when the group's k-th weight has the other sign or k > s_g. Output weights ±1 (as in ``grouped``).

So the layer-3 interpolation matrix is block sparse (a point of group g activates at most s_g of 2 s m neurons),
each block is the triangular matrix of its group, and the float64 evaluation error is that of a triangular network
on s points (no cross-group cancellation). Neurons: ``4G − 1 + 2 s m`` (≈ 4√2·√(N m) at the best G, against
≈ 4√(N m) for ``grouped`` and N for one hidden layer).
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
from depthlab.interp.theory.neuron_counts import best_windowed_groups, windowed_neurons


def windowed(
    X, Y, *, rng: np.random.Generator, tries: int = 32, groups: int | None = None, neurons: int | None = None
) -> Construction:
    """Three-hidden-layer exact interpolation with ``4G − 1 + 2 s m`` neurons (module docstring).

    Arguments as :func:`~.deep_grouped.grouped`, except that the default G minimises this construction's neuron
    count (:func:`~.neuron_counts.best_windowed_groups`).
    """
    return over_directions(X, Y, rng, tries, groups, best_windowed_groups,
                           lambda X, Y, w, G: _windowed_from(X, Y, w, G, neurons))


def _windowed_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray, G: int, neurons: int | None) -> Construction:
    N, m = X.shape[0], Y.shape[1]
    order, ts, ys, starts, ends, s = sorted_groups(X, Y, w, G)
    need_neurons("windowed", windowed_neurons(N, G, m, s), neurons)
    gmin = float(np.diff(ts).min()) if N > 1 else 1.0
    spread = float(ts[-1] - ts[0]) if N > 1 else 0.0
    # ---- layer 1: r_g = σ(t − e_g), g = 0..G−1, and p_h = σ((e′_h − t)/δ_h), h = 1..G−1.
    e = np.empty(G)
    e[0] = ts[0] - max(gmin, 1e-3 * max(spread, 1.0))
    left, right = ts[starts[1:] - 1], ts[starts[1:]]
    delta = (right - left) / 3
    e[1:] = left + delta
    e2 = left + 2 * delta
    scale1 = np.concatenate([np.ones(G), -1.0 / delta])
    b1 = np.concatenate([-e, e2 / delta])
    n1 = 2 * G - 1
    # ---- layer 2: windows ω_g (rows 0..G−1) and indicators ι_g (rows G..2G−1); columns: r_0..r_{G−1}, p_1..p_{G−1}.
    M = float(ts[-1] - e[0])
    W2 = np.zeros((2 * G, n1))
    b2 = np.zeros(2 * G)
    W2[np.arange(G), np.arange(G)] = 1.0
    for g in range(G):
        if g + 1 < G:
            W2[g, g + 1] = -M / delta[g]  # r_{g+1} ≥ 2 δ_{g+1} on later groups: pre-activation ≤ r_g − 2M < 0
            W2[G + g, g + 1] = -1.0 / delta[g]
        if g >= 1:
            W2[G + g, G + g - 1] = -1.0  # p_g (column G + g − 1)
        b2[G + g] = 1.0
    # ---- layer 3: per-group triangular neurons in local coordinates.
    slope, theta, active = group_solutions(ts, ys, starts, ends, s, m)
    n3 = 2 * s * m
    W3 = np.zeros((n3, 2 * G))
    W3[:, :G] = slope.T
    W3[:, G:] = np.where(active, slope * (e[:, None] - theta), -1.0).T
    A = signed_output(s, m)
    net = ReluNet(
        [scale1[:, None] * w[None, :], W2, W3],
        [b1, b2, np.zeros(n3)],
        A,
        np.zeros(m),
        name="windowed",
        factors=(w, scale1),
    )
    return grouped_result("windowed", net, X, Y, windowed_neurons(N, G, m, s), order, G, s, gmin)


__all__ = ["windowed"]
