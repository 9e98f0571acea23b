"""Deep constructions with sparse interpolation matrices (Huang, arXiv 2208.07498: "sparse-matrix principle").

Huang's abstract states a *sparse-matrix principle* for deep layers, an advantage of deep layers over shallower
ones manifested in it, and a general deep solution for classification built from it. The paper's precise statement
and neuron counts were not reachable (docs/interp.md, "sources"), so this module gives **our own exact
constructions realising those claims**, and the study measures them:

``grouped`` (two hidden layers, interpolation of any targets). Sort the projections ``t = w·x`` and cut the
sorted points into G consecutive groups (cuts at locally largest gaps). Layer 1 (2G − 1 neurons): ``σ(t − e_0)``
(active everywhere) and, inside each gap between groups, two neurons ``σ(t − e_h)``, ``σ(t − e′_h)``. On the
points of group g every layer-1 neuron is affine in t, and a combination of them can have **any slope and any
intercept on each group independently** (two free coefficients per gap). Layer 2 (2·s·m
neurons, s = largest group,
m outputs): neuron (o, k, ±) equals, on group g, the k-th neuron ``|a_gk| σ(t − θ_gk)`` of that group's own
triangular solution (see :mod:`depthlab.interp.shallow`) if ``sign a_gk = ±``, and is inactive (pre-activation
−1) otherwise. The output layer is fixed: +1 / −1. So the layer-2 interpolation matrix is **sparse**: a row of
group g has at most ``s_g`` nonzeros among ``2 s m`` columns (≥ 3/4 zeros), lower triangular inside each group,
and the number of neurons is ``2G − 1 + 2 s m ≈ 4√(N m)`` against N for one hidden layer. For
data on a line (d =
1) one hidden layer needs at least ``⌈N/2⌉ − 1`` neurons for generic targets (a
piecewise-linear function with n
breakpoints has n + 1 pieces, each through at most 2 generic points), so the depth advantage is rigorous there.

``classifier`` (four hidden layers, K classes). ``grouped`` with the class index as scalar target f, then
layer 3: ``v_j = σ(f − j)`` (K neurons) and layer 4: for each class k the pair ``σ(3 hat_k − 1)``,
``σ(3 hat_k − 2)`` with the hat function ``hat_k = v_{k−1} − 2 v_k + v_{k+1}`` (1 on class k, 0 on the others),
output ``σ(3 hat_k − 1) − σ(3 hat_k − 2)`` (a clamp to [0, 1]). The last interpolation matrix is **class-block
sparse**: each point activates exactly the 2 neurons of its own class (sparsity (K − 1)/K, exact zeros), the
output is one-hot to rounding and every training point is classified correctly, with ``2G − 1 + 2s + 3K`` neurons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from depthlab.errors import InputError
from depthlab.interp.base import (
    Construction,
    best_of,
    candidate_directions,
    left_thresholds,
    need_neurons,
    verified_candidates,
)
from depthlab.interp.checks import as_labels, prepare
from depthlab.interp.counts import best_groups, classifier_neurons, grouped_neurons
from depthlab.interp.matrix import relative_residual
from depthlab.interp.network import ReluNet
from depthlab.interp.shallow import _forward_slopes

WINDOW = True
#: The steep layer-1 pair of a gap sits at fractions RAMP and 1 − RAMP of the gap: the wider the ramp, the smaller its
#: layer-2 weights ≈ jump / (ramp width) and their rounding (0.05: 2.7× smaller than the former 1/3–2/3 pair).
RAMP = 0.05


def _group_bounds(ts: np.ndarray, G: int) -> np.ndarray:
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
        a = _forward_slopes(tg, th, yg)  # (s_g, m)
        k = np.arange(tg.size)
        for o in range(m):
            cols = 2 * (o * s + k) + (a[:, o] < 0)
            slope[g, cols], theta[g, cols], active[g, cols] = np.abs(a[:, o]), th, True
    return slope, theta, active


def grouped(
    X, Y, *, rng: np.random.Generator, tries: int = 32, groups: int | None = None, neurons: int | None = None
) -> Construction:
    """Two-hidden-layer exact interpolation with ``2G − 1 + 2 s m`` neurons and a sparse layer-2 matrix.

    Args:
        X: distinct points, shape ``(N, d)``.
        Y: targets, shape ``(N,)`` or ``(N, m)``.
        rng: random generator (direction search).
        tries: random directions compared by :func:`depthlab.interp.base.candidate_directions` (the best few
            are built and the network with the smallest residual is kept).
        groups: G; default minimises the neuron count (:func:`depthlab.interp.counts.best_groups`).
        neurons: if given, the total the caller allows; an error if the construction needs more.
    """
    return over_directions(X, Y, rng, tries, groups, best_groups, lambda X, Y, w, G: _grouped_from(X, Y, w, G, neurons))


def over_directions(X, Y, rng: np.random.Generator, tries: int, groups: int | None,
                    default_groups: Callable[[int, int], int],
                    build_from: Callable[[np.ndarray, np.ndarray, np.ndarray, int], Construction]) -> Construction:
    """Shared driver of the grouped constructions: check the data, pick G, build along the best few directions.

    Args:
        X, Y: points ``(N, d)`` and targets ``(N,)`` or ``(N, m)`` (validated by :func:`prepare`).
        rng, tries: direction search (:func:`depthlab.interp.base.candidate_directions`).
        groups: G, or None for ``default_groups(N, m)``.
        build_from: ``(X, Y, w, G) -> Construction`` along one direction ``w``.

    Returns:
        The built network with the smallest measured residual (:func:`depthlab.interp.base.best_of`).
    """
    X, Y = prepare(X, Y)
    N, m = X.shape[0], Y.shape[1]
    G = default_groups(N, m) if groups is None else int(groups)
    if not 1 <= G <= N:
        raise InputError(f"groups must be between 1 and N = {N}, got {G}")
    dirs = candidate_directions(X, rng, tries, verified_candidates(N))
    return best_of(build_from(X, Y, w, G) for w in dirs)


def sorted_groups(X: np.ndarray, Y: np.ndarray, w: np.ndarray, G: int):
    """Project on ``w``, sort, and cut into G groups.

    Returns:
        ``(order, ts, ys, starts, ends, s)``: the sorting permutation ``(N,)``, sorted projections ``(N,)`` and
        targets ``(N, m)``, group starts and ends ``(G,)``, and the largest group size s.
    """
    t = X @ w
    order = np.argsort(t, kind="stable")
    ts, ys = t[order], Y[order]
    starts = _group_bounds(ts, G)
    ends = np.append(starts[1:], X.shape[0])
    return order, ts, ys, starts, ends, int((ends - starts).max())


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
    A = np.zeros((n2, m))
    for o in range(m):
        A[2 * o * s : 2 * (o + 1) * s : 2, o] = 1.0
        A[2 * o * s + 1 : 2 * (o + 1) * s : 2, o] = -1.0
    net = ReluNet([np.tile(w, (n1, 1)), W2], [-thr1, b2], A, np.zeros(m), name="grouped", factors=(w, np.ones(n1)))
    res = relative_residual(net(X), Y)
    return Construction(
        name="grouped",
        net=net,
        residual=res,
        hidden_neurons=net.hidden_neurons,
        stated_neurons=grouped_neurons(N, G, m, s),
        cond=float("nan"),
        rank=-1,
        order=order,
        info={"groups": G, "group_size": s, "min_gap": gmin},
    )


def classifier(
    X,
    labels,
    *,
    rng: np.random.Generator,
    tries: int = 32,
    groups: int | None = None,
    neurons: int | None = None,
    num_classes: int | None = None,
    base: str = "grouped",
) -> Construction:
    """Deep K-class classifier with an exactly one-hot last interpolation matrix (module docstring).

    Args:
        X: distinct points, shape ``(N, d)``.
        labels: integer classes ``0..K−1``, shape ``(N,)``.
        num_classes: K (default ``max(labels) + 1``).
        base: the interpolating network for the class index: ``"grouped"`` (2 hidden layers, so the classifier
            has 4) or ``"windowed"`` (3 hidden layers, :mod:`depthlab.interp.windowed`; the classifier has 5).

    Returns:
        A :class:`Construction` whose network outputs K scores; its ``residual`` is measured against the one-hot
        targets and ``info["accuracy"]`` is the training accuracy of argmax.
    """
    Xc, _ = prepare(X, np.zeros(np.asarray(X).shape[0] if np.ndim(X) else 0))
    y = as_labels(labels, Xc.shape[0])
    K = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if K < int(y.max()) + 1:
        raise InputError(f"num_classes = {K} but labels go up to {int(y.max())}")
    if base == "grouped":
        inner = grouped(Xc, y.astype(np.float64), rng=rng, tries=tries, groups=groups)
    elif base == "windowed":
        from depthlab.interp.windowed import windowed

        inner = windowed(Xc, y.astype(np.float64), rng=rng, tries=tries, groups=groups)
    else:
        raise InputError(f"classifier base must be 'grouped' or 'windowed', got {base!r}")
    G, s = inner.info["groups"], inner.info["group_size"]
    stated = classifier_neurons(Xc.shape[0], G, K, s, base=base)
    need_neurons("classifier", stated, neurons)
    A2 = inner.net.out_weight[:, 0]
    # layer 3: v_j = σ(f − j), j = 0..K−1, with f = A2·h2.
    W3 = np.tile(A2, (K, 1))
    b3 = -np.arange(K, dtype=np.float64)
    # layer 4: hat_k = v_{k−1} − 2 v_k + v_{k+1}; v_{−1} = v_0 + 1 and v_K = 0 on data (0 ≤ f ≤ K − 1).
    W4 = np.zeros((K, K))
    b4 = np.zeros(K)
    for k in range(K):
        W4[k, k] = -2.0
        if k + 1 < K:
            W4[k, k + 1] = 1.0
        if k >= 1:
            W4[k, k - 1] = 1.0
        else:
            W4[k, 0] += 1.0
            b4[k] = 1.0
    # Layer 4 clamps 3·hat − 1 to [0, 1] with two ReLUs per class: σ(3 hat − 1) − σ(3 hat − 2). On data hat is
    # 1 ± δ on the class and ±δ off it, so both neurons are exactly 0 off-class and the output is exactly 1 on it
    # (up to one rounding) for |δ| < 1/3: the output residual does not inherit the rounding of f.
    W4 = np.repeat(3.0 * W4, 2, axis=0)
    b4 = np.repeat(3.0 * b4, 2) - np.tile([1.0, 2.0], K)
    A4 = np.zeros((2 * K, K))
    A4[0::2, :] = np.eye(K)
    A4[1::2, :] = -np.eye(K)
    net = ReluNet(
        [*inner.net.weights, W3, W4],
        [*inner.net.biases, b3, b4],
        A4,
        np.zeros(K),
        name="classifier",
        factors=inner.net.factors,
    )
    scores = net(Xc)
    onehot = np.eye(K)[y]
    acc = float(np.mean(np.argmax(scores, axis=1) == y))
    return Construction(
        name="classifier",
        net=net,
        residual=relative_residual(scores, onehot),
        hidden_neurons=net.hidden_neurons,
        stated_neurons=stated,
        cond=float("nan"),
        rank=-1,
        order=inner.order,
        info={"groups": G, "group_size": s, "classes": K, "accuracy": acc, "base": base,
              "base_residual": inner.residual},
    )


__all__ = ["classifier", "group_solutions", "grouped"]
