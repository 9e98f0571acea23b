"""Interpolation-matrix analysis on tiny hand-built networks with known answers."""

from __future__ import annotations

import numpy as np
import torch

from depthlab.interp.layer_analysis import analyse
from depthlab.interp.network_files import load_network, save_network
from depthlab.interp.theory.interpolation_matrix import triangular_order
from depthlab.interp.theory.network import ReluNet


def _hand_net() -> tuple[ReluNet, np.ndarray, np.ndarray]:
    """x ∈ R, data 0.5, 1.5, 2.5, 3.5. Layer 1: σ(x − 1), σ(x − 2), σ(x − 3) (nested staircase); layer 2:
    σ(h1 − 2 h2) and σ(h3 − 1/4), two units that never fire on the same point."""
    W1 = np.array([[1.0], [1.0], [1.0]])
    b1 = np.array([-1.0, -2.0, -3.0])
    W2 = np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 1.0]])
    b2 = np.array([0.0, -0.25])
    net = ReluNet([W1, W2], [b1, b2], np.array([[1.0], [1.0]]), np.zeros(1), name="hand")
    X = np.array([[0.5], [1.5], [2.5], [3.5]])
    labels = np.array([0, 1, 1, 0])
    return net, X, labels


def test_hand_built_network_known_answer() -> None:
    net, X, labels = _hand_net()
    H1, H2 = net.hidden(X)
    np.testing.assert_array_equal(H1, [[0, 0, 0], [0.5, 0, 0], [1.5, 0.5, 0], [2.5, 1.5, 0.5]])
    np.testing.assert_array_equal(H2, [[0, 0], [0.5, 0], [0.5, 0], [0, 0.25]])
    t = analyse(net, X, labels)
    assert list(t["zero_fraction"]) == [6 / 12, 5 / 8]
    assert list(t["dead"]) == [0, 0]
    assert list(t["max_nnz_row"]) == [3, 1]
    assert t["nested"].iloc[0] == 1.0 and t["disjoint"].iloc[0] == 0.0  # staircase: nested active sets
    assert t["disjoint"].iloc[1] == 1.0  # the two layer-2 units never fire together
    assert list(t["rank"]) == [4, 3]  # [1 | H1] is 4×4 lower triangular, nonsingular; [1 | H2] has rank 3
    assert bool(t["triangular"].iloc[0])  # [1 | H1] is the triangular-bias structure
    assert t["resembles"].iloc[0] == "triangular (one-sided)"
    assert t["resembles"].iloc[1] == "one-hot / block-sparse"
    # layer-2 active sets: {}, {u1}, {u1}, {u2}; class 1 = rows 1, 2 (Jaccard 1), class 0 = rows 0, 3 (0)
    assert t["within_jaccard"].iloc[1] == 0.5 and t["between_jaccard"].iloc[1] == 0.0


def test_triangular_order_recovers_permutation() -> None:
    rng = np.random.default_rng(0)
    L = np.tril(rng.uniform(1, 2, (8, 8)))
    P, Q = rng.permutation(8), rng.permutation(8)
    H = L[P][:, Q]
    rows, cols = triangular_order(H)
    T = H[rows][:, cols]
    assert np.all(np.triu(T, 1) == 0) and np.all(np.diag(T) != 0)
    H[0, :] = 1.0  # a dense row plus a dense... still triangularisable? make it not: two dense rows
    H[1, :] = 1.0
    assert triangular_order(H) is None


def test_analysis_cpu_matches_numpy_and_roundtrip(tmp_path) -> None:
    net, X, labels = _hand_net()
    save_network(net, tmp_path / "n.npz")
    net2 = load_network(tmp_path / "n.npz")
    np.testing.assert_array_equal(net2(X), net(X))
    a = analyse(net2, X, labels, device=torch.device("cpu"))
    assert list(a["max_nnz_row"]) == [3, 1]


def test_fast_overlap_and_patterns_match_brute_force() -> None:
    import torch

    from depthlab.interp.layer_analysis import class_overlap, distinct_rows

    rng = np.random.default_rng(21)
    active = torch.as_tensor(rng.random((300, 40)) < 0.3)
    active[5] = active[7]  # a repeated pattern
    active[9] = False  # an empty active set (Jaccard 1 by convention)
    labels = rng.integers(0, 4, 300)
    B = active.double()
    inter = B @ B.T
    union = B.sum(1)[:, None] + B.sum(1)[None, :] - inter
    jac = torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(inter)).numpy()
    same = labels[:, None] == labels[None, :]
    off = ~np.eye(300, dtype=bool)
    w, b = class_overlap(active, labels)
    assert abs(w - jac[same & off].mean()) < 1e-12 and abs(b - jac[~same].mean()) < 1e-12
    assert distinct_rows(active) == torch.unique(active, dim=0).shape[0]
