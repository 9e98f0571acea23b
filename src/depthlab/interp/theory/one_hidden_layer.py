"""Three-layer (one hidden layer) ReLU networks that interpolate N distinct points exactly.

Huang (arXiv 2208.07498, abstract) classifies the solutions of three-layer networks and models them in a
normalised form. The paper's body (definitions, theorem numbers) was not reachable from this project (only the
abstract and introduction are stored; see docs/interp.md "sources"), so every construction below is a
**standard construction that realises the stated claim**, named after the solution type it represents:

=================  ========================================================================  ==========
name               construction                                                              hidden neurons
=================  ========================================================================  ==========
triangular         one separating direction, N parallel hyperplanes between sorted           N
                   projections; H lower triangular with positive diagonal
triangular-bias    the same without the first neuron; the output bias plays its role         N − 1 (+ bias)
normalized         ``triangular`` rescaled by positive homogeneity to unit-diagonal H         N
                   (the "normalized form")
two-sided          left-facing units on the lower half, right-facing on the upper half       N
                   (Huang 2411.06728 "two-sided bases"): H block diagonal, two triangles
peeling            a different direction per neuron, each cutting off one extreme point of   N
                   the remaining set (convex-hull vertex); H triangular after reordering
overparameterized  random hidden layer with n = 2N neurons, minimum-norm output layer        2N
                   (rank N, an (n − N)-dimensional family of exact solutions)
=================  ========================================================================  ==========

All are float64; each reports its residual ``max|f(X) − Y| / max(1, max|Y|)`` from the network's own forward
pass, the rank and condition number of its output system, and multi-output targets ``Y ∈ R^{N×m}`` share one
hidden layer (one interpolation matrix serves every output column).
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
    need_neurons,
    verified_candidates,
)
from depthlab.interp.theory.inputs import prepare
from depthlab.interp.theory.interpolation_matrix import condition, relative_residual, solve_output
from depthlab.interp.theory.network import ReluNet


def _finish(
    name: str,
    net: ReluNet,
    X: np.ndarray,
    Y: np.ndarray,
    stated: int,
    cond: float,
    rank: int,
    order: np.ndarray,
    **info,
) -> Construction:
    res = relative_residual(net(X), Y)
    return Construction(
        name=name,
        net=net,
        residual=res,
        hidden_neurons=net.hidden_neurons,
        stated_neurons=stated,
        cond=cond,
        rank=rank,
        order=order,
        info=info,
    )


def _directions(X: np.ndarray, rng: np.random.Generator, tries: int) -> list[np.ndarray]:
    """Candidate directions of the one-direction constructions: each is built and verified, the network with the
    smallest residual is kept (:func:`~.construction.verified_candidates`)."""
    return candidate_directions(X, rng, tries, verified_candidates(X.shape[0]))


def _triangular_parts(X: np.ndarray, Y: np.ndarray, w: np.ndarray):
    t = X @ w
    order = np.argsort(t, kind="stable")
    ts, ys = t[order], Y[order]
    return w, order, ts, ys, left_thresholds(ts)


def _structured_cond(ts: np.ndarray, c: np.ndarray, scale: np.ndarray | None = None) -> float:
    """cond of the sorted interpolation matrix ``σ(t_(i) − c_j)·scale_j``; exact SVD up to N =
    2000, else trcon."""
    if ts.size > 4000:
        return float("nan")  # an N×N matrix this large is not formed; the residual is the check
    H = np.maximum(ts[:, None] - c[None, :], 0.0)
    if scale is not None:
        H = H * scale[None, :]
    return condition(H, triangular=True)


def triangular(X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None) -> Construction:
    """N parallel hyperplanes along one separating direction; lower-triangular H (thresholds: ``left_thresholds``).

    Neuron j: ``σ(w·x − c_j)``; with rows sorted by ``t = w·x``, ``H_ij = σ(t_(i) − c_j)`` is zero above the
    diagonal and positive on it, so the output weights follow by forward substitution. Several candidate
    directions are built and the network with the smallest measured residual is kept (:func:`_directions`).
    """
    X, Y = prepare(X, Y)
    N = X.shape[0]
    need_neurons("triangular", N, neurons)
    return best_of(_triangular_from(X, Y, w) for w in _directions(X, rng, tries))


def _triangular_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> Construction:
    N = X.shape[0]
    w, order, ts, ys, c = _triangular_parts(X, Y, w)
    a = forward_slopes(ts, c, ys)
    net = ReluNet([np.tile(w, (N, 1))], [-c], a, np.zeros(Y.shape[1]), name="triangular", factors=(w, np.ones(N)))
    return _finish(
        "triangular",
        net,
        X,
        Y,
        N,
        _structured_cond(ts, c),
        N,
        order,
        min_gap=float(np.diff(ts).min()) if N > 1 else 0.0,
    )


def triangular_bias(X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None) -> Construction:
    """``triangular`` without neuron 1: ``[1 | H]`` is lower triangular, the output bias β = y_(1)."""
    X, Y = prepare(X, Y)
    N = X.shape[0]
    need_neurons("triangular-bias", N - 1, neurons)
    return best_of(_triangular_bias_from(X, Y, w) for w in _directions(X, rng, tries))


def _triangular_bias_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> Construction:
    N = X.shape[0]
    w, order, ts, ys, c = _triangular_parts(X, Y, w)
    # f(t) = β + Σ_{j≥2} a_j σ(t − c_j); on data this is the triangular recursion started from f(t_(1)) = β.
    a = forward_slopes(ts, c, ys - ys[0])[1:] if N > 1 else np.zeros((0, Y.shape[1]))
    net = ReluNet(
        [np.tile(w, (N - 1, 1))],
        [-c[1:]],
        a,
        ys[0].copy(),
        name="triangular-bias",
        factors=(w, np.ones(N - 1)),
    )
    cond = float("nan")
    if N <= 4000:
        M = np.hstack([np.ones((N, 1)), np.maximum(ts[:, None] - c[None, 1:], 0.0)])
        cond = condition(M, triangular=True)
    return _finish("triangular-bias", net, X, Y, N - 1, cond, N, order)


def normalized(X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None) -> Construction:
    """``triangular`` in normalised form: neuron j scaled by ``1/D_j`` (D = diag H), so diag H = 1.

    Positive homogeneity ``σ(z/D) = σ(z)/D`` with the output weight multiplied by D keeps f unchanged.
    """
    X, Y = prepare(X, Y)
    need_neurons("normalized", X.shape[0], neurons)
    return best_of(_normalized_from(X, Y, w) for w in _directions(X, rng, tries))


def _normalized_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> Construction:
    base = _triangular_from(X, Y, w)
    ts = (X @ base.net.factors[0])[base.order]
    c = -base.net.biases[0]
    D = ts - c  # diagonal entries σ(t_(j) − c_j) > 0
    w = base.net.factors[0]
    net = ReluNet(
        [np.tile(w, (X.shape[0], 1)) / D[:, None]],
        [-c / D],
        base.net.out_weight * D[:, None],
        base.net.out_bias,
        name="normalized",
        factors=(w, 1.0 / D),
    )
    return _finish("normalized", net, X, Y, X.shape[0], _structured_cond(ts, c, 1.0 / D), X.shape[0], base.order)


def two_sided(X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None) -> Construction:
    """Two-sided basis: right-facing ReLUs ``σ(t − c)`` for the upper half, left-facing ``σ(c − t)`` for the lower.

    Named after the "two-sided bases" of Huang, arXiv 2411.06728 (only its summary was available to us; this is
    our realisation). Right-facing neuron j ≥ k (k = ⌈N/2⌉) is zero on every point below t_(k); left-facing neuron
    j < k is zero on every point above t_(k-1). With the lower rows in reverse order, H is block diagonal with two
    lower-triangular blocks: about 3/4 of its entries are zero instead of 1/2.
    """
    X, Y = prepare(X, Y)
    need_neurons("two-sided", X.shape[0], neurons)
    return best_of(_two_sided_from(X, Y, w) for w in _directions(X, rng, tries))


def _two_sided_from(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> Construction:
    N = X.shape[0]
    w, order, ts, ys, c = _triangular_parts(X, Y, w)
    k = (N + 1) // 2
    # upper half: the triangular recursion on t_(k..N), thresholds c_k < t_(k) (right of t_(k-1)).
    up_c = c[k:].copy()
    if k < N:
        up_c[0] = ts[k - 1] + 0.9 * (ts[k] - ts[k - 1]) if k > 0 else c[k]
    a_up = forward_slopes(ts[k:], up_c, ys[k:]) if k < N else np.zeros((0, Y.shape[1]))
    # lower half: mirror (t → −t) of the recursion on t_(k-1), ..., t_(1).
    lo_t = -ts[:k][::-1]
    lo_c = left_thresholds(lo_t)
    if k < N:
        lo_c[0] = lo_t[0] - 0.9 * (ts[k] - ts[k - 1])
    a_lo = forward_slopes(lo_t, lo_c, ys[:k][::-1])
    W = np.concatenate([-np.ones(k), np.ones(N - k)])[:, None] * w[None, :]
    b = np.concatenate([-lo_c, -up_c])  # left-facing σ(−t − lo_c) = σ(c′ − t) with c′ = −lo_c
    net = ReluNet(
        [W],
        [b],
        np.vstack([a_lo, a_up]),
        np.zeros(Y.shape[1]),
        name="two-sided",
        factors=(w, np.concatenate([-np.ones(k), np.ones(N - k)])),
    )
    cond = float("nan")
    row_order = np.concatenate([order[:k][::-1], order[k:]])
    if N <= 4000:
        H = net.hidden(X[row_order])[0]
        cond = condition(H, triangular=True)
    return _finish("two-sided", net, X, Y, N, cond, N, row_order)


def peeling(X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None) -> Construction:
    """A different direction per neuron: neuron j cuts off the extreme point of the points not yet cut off.

    At step j, among ``tries`` random directions u, take the one maximising (top − second projection)/spread over
    the remaining set; the threshold sits halfway between top and second, so neuron j is active on its own point
    and inactive on every later point. Rows in reverse removal order make H lower triangular; each neuron is
    normalised to unit diagonal (positive homogeneity). Cost O(N²·d·tries): intended for N ≤ a few thousand.
    """
    X, Y = prepare(X, Y)
    N, d = X.shape
    need_neurons("peeling", N, neurons)
    remaining = np.ones(N, dtype=bool)
    Ws, bs, removed = [], [], []
    for _ in range(N):
        idx = np.flatnonzero(remaining)
        if idx.size == 1:
            p = int(idx[0])
            u = rng.standard_normal(d)
            u /= np.linalg.norm(u)
            top = X[p] @ u
            thr = top - 1.0
        else:
            U = rng.standard_normal((d, tries))
            U /= np.linalg.norm(U, axis=0, keepdims=True)
            P = X[idx] @ U
            part = np.sort(P, axis=0)
            spread = np.maximum(part[-1] - part[0], np.finfo(float).tiny)
            score = (part[-1] - part[-2]) / spread
            k = int(np.argmax(score))
            if score[k] <= 0:
                raise InputError("peeling found no direction with a unique extreme point; points nearly coincide")
            u = U[:, k]
            p = int(idx[np.argmax(P[:, k])])
            top, second = part[-1, k], part[-2, k]
            thr = 0.5 * (top + second)
        scale = 1.0 / (top - thr)  # unit diagonal: σ(scale(u·x_p − thr)) = 1
        Ws.append(u * scale)
        bs.append(-thr * scale)
        removed.append(p)
        remaining[p] = False
    W, b = np.array(Ws), np.array(bs)
    rows = np.array(removed[::-1])
    H = np.maximum(X[rows] @ W[::-1].T + b[::-1], 0.0)  # neurons in reverse order too → lower triangular
    sol = solve_output(H, Y[rows], lower_triangular=True)
    net = ReluNet([W[::-1]], [b[::-1]], sol.A, np.zeros(Y.shape[1]), name="peeling")
    return _finish("peeling", net, X, Y, N, sol.cond, sol.rank, rows)


def overparameterized(
    X, Y, *, rng: np.random.Generator, tries: int = 32, neurons: int | None = None, ratio: float = 2.0
) -> Construction:
    """Random hidden layer with ``n = ⌈ratio·N⌉`` neurons and the minimum-norm exact output layer.

    Each neuron's hyperplane passes near a random data point (bias = −w·x_p + small offset) so no neuron is dead on
    all data. With ``n > N`` and ``rank H = N`` the exact output layers form an (n − N)-dimensional affine family;
    the pseudo-inverse picks its minimum-norm member. ``neurons`` overrides n (must be ≥ N).

    A random layer is not always of rank N (e.g. points on a line, where many hinges fall into the same gap with
    the same orientation: N = 10, d = 1 gave rank < N and residual 0.09). Rank-deficient draws are redrawn, up
    to 8 draws; ``info["draws"]`` says how many were used, and the residual reports a failure honestly.
    """
    X, Y = prepare(X, Y)
    N, d = X.shape
    n = int(np.ceil(ratio * N)) if neurons is None else neurons
    need_neurons("overparameterized", N, n)
    draws = 0
    while True:
        draws += 1
        W = rng.standard_normal((n, d))
        W /= np.linalg.norm(W, axis=1, keepdims=True)
        anchors = rng.integers(0, N, n)
        b = -np.einsum("ij,ij->i", W, X[anchors]) + rng.uniform(0.01, 0.1, n) * max(float(X.std()), 1.0)
        H = np.maximum(X @ W.T + b, 0.0)
        sol = solve_output(H, Y)
        if sol.rank >= N or draws == 8:
            break
    net = ReluNet([W], [b], sol.A, np.zeros(Y.shape[1]), name="overparameterized")
    return _finish(
        "overparameterized",
        net,
        X,
        Y,
        n,
        sol.cond,
        sol.rank,
        np.arange(N),
        free_dims=sol.free_dims,
        zero_fraction=float(np.mean(H == 0)),
        draws=draws,
    )


#: Named three-layer constructions: ``name -> f(X, Y, *, rng, tries, neurons) -> Construction``.
CONSTRUCTIONS: dict[str, Callable[..., Construction]] = {
    "triangular": triangular,
    "triangular-bias": triangular_bias,
    "normalized": normalized,
    "two-sided": two_sided,
    "peeling": peeling,
    "overparameterized": overparameterized,
}


def sorted_interpolation_matrix(con: Construction, X) -> np.ndarray:
    """The (first-layer) interpolation matrix of a construction with rows in ``con.order``."""
    X = np.asarray(X, dtype=np.float64)
    return con.net.hidden(X[con.order])[0]


__all__ = [
    "CONSTRUCTIONS",
    "normalized",
    "overparameterized",
    "peeling",
    "sorted_interpolation_matrix",
    "triangular",
    "triangular_bias",
    "two_sided",
]
