"""The tree committee machine: forward pass, group partition, labels and success logic, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.committee.model import (
    CommitteeSpec,
    adjusted_N,
    check_alpha,
    check_solutions,
    make_instances,
    n_errors,
    n_patterns,
    output_field,
    preactivations,
    random_weights,
    stabilities,
)
from depthlab.errors import ConfigError
from depthlab.seeding import numpy_rng


def test_relu_forward_matches_hand_computation() -> None:
    # N = 4, K = 2, n = 2; unit 1 sees (ξ1, ξ2), unit 2 sees (ξ3, ξ4); c = (+1, −1).
    W = torch.tensor([[[1.0, 1.0], [3.0, -1.0]]], dtype=torch.float64)  # |W_1| = √2, |W_2| = √10
    X = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]], [[1.0, -1.0], [-1.0, -1.0]]]], dtype=torch.float64)
    lam = preactivations(W, X)
    expected = torch.tensor([[[2 / math.sqrt(2), 2 / math.sqrt(10)], [0.0, -2 / math.sqrt(10)]]],
                            dtype=torch.float64)
    torch.testing.assert_close(lam, expected, rtol=0, atol=1e-15)
    field = output_field(lam, "relu")
    torch.testing.assert_close(field, torch.tensor([[math.sqrt(2) - 2 / math.sqrt(10), 0.0]],
                                                   dtype=torch.float64), rtol=0, atol=1e-15)
    y = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    # Pattern 2 has field exactly 0: a tie, which counts as an error (CommReLU.jl convention Δ ≤ 0).
    assert n_errors(W, X, y, "relu").tolist() == [1]
    assert check_solutions(W, X, y, "relu").tolist() == [False]
    assert n_errors(W, X[:, :1], y[:, :1], "relu").tolist() == [0]


def test_sign_forward_is_majority_vote() -> None:
    # K = 3, n = 1: the output is the majority of sign(W_l ξ_l).
    W = torch.tensor([[[1.0], [-2.0], [0.5]]], dtype=torch.float64)
    X = torch.tensor([[[[1.0], [1.0], [1.0]], [[-1.0], [1.0], [1.0]]]], dtype=torch.float64)
    # Pattern 1: signs (+, −, +) → Σ = +1. Pattern 2: signs (−, −, +) → Σ = −1.
    field = output_field(preactivations(W, X), "sign")
    assert field.tolist() == [[1.0, -1.0]]
    y = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    assert stabilities(W, X, y, "sign").tolist() == [[1.0, -1.0]]


def test_output_weight_convention() -> None:
    assert CommitteeSpec(8, 4, "relu").output_weights().tolist() == [1, 1, -1, -1]
    assert CommitteeSpec(9, 3, "sign").output_weights().tolist() == [1, 1, 1]


def test_group_partition_and_data_seeding() -> None:
    spec = CommitteeSpec(12, 3, "sign")
    X, y = make_instances(spec, 5, "k", [0, 7], dtype=torch.float64)
    assert X.shape == (2, 5, 3, 4) and y.shape == (2, 5)
    # Unit l sees inputs l·n … (l+1)·n − 1 of the flat pattern, drawn from (key, index) only.
    rng = numpy_rng("k", 7)
    flat = rng.integers(0, 2, size=(5, 12), dtype=np.int8) * 2 - 1
    labels = rng.integers(0, 2, size=5, dtype=np.int8) * 2 - 1
    for l in range(3):
        np.testing.assert_array_equal(X[1, :, l, :].numpy(), flat[:, 4 * l:4 * (l + 1)])
    np.testing.assert_array_equal(y[1].numpy(), labels)
    # Batching does not change an instance.
    X7, _ = make_instances(spec, 5, "k", [7], dtype=torch.float64)
    assert torch.equal(X7[0], X[1])
    # Group-wise fields equal the loop over groups of the flat pattern.
    W = random_weights(spec, "w", [0, 7], dtype=torch.float64)
    lam = preactivations(W, X)
    for l in range(3):
        direct = torch.from_numpy(flat[:, 4 * l:4 * (l + 1)].astype(float)) @ W[1, l] / W[1, l].norm()
        torch.testing.assert_close(lam[1, :, l], direct, rtol=0, atol=1e-12)


def test_random_weights_on_sphere_and_binary() -> None:
    W = random_weights(CommitteeSpec(40, 4, "relu"), "w", [0, 1, 2], dtype=torch.float64)
    torch.testing.assert_close(W.square().sum(-1), torch.full((3, 4), 10.0, dtype=torch.float64))
    Wb = random_weights(CommitteeSpec(40, 4, "relu", "binary"), "w", [0, 1], dtype=torch.float64)
    assert set(Wb.unique().tolist()) == {-1.0, 1.0}


def test_labels_balanced() -> None:
    _, y = make_instances(CommitteeSpec(10, 2), 2000, "b", [0])
    # Mean of 2000 fair ±1 labels: standard error 1/√2000 ≈ 0.022; 5 SE tolerance.
    assert abs(float(y.mean())) < 5 / math.sqrt(2000)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"N": 10, "K": 4}, "does not divide"),
    ({"N": 12, "K": 4, "activation": "sign"}, "odd K"),
    ({"N": 12, "K": 3, "activation": "relu"}, "even K"),
    ({"N": 12, "K": 2, "activation": "tanh"}, "unknown activation"),
    ({"N": 12, "K": 2, "weights": "ternary"}, "unknown weights"),
    ({"N": 0, "K": 2}, "N must be"),
])
def test_bad_specs(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CommitteeSpec(**kwargs)


@pytest.mark.parametrize("alpha", [0, -1.0, float("nan")])
def test_bad_alpha(alpha: float) -> None:
    with pytest.raises(ConfigError, match="alpha"):
        check_alpha(alpha)


def test_pattern_count_and_adjusted_N() -> None:
    assert n_patterns(2.5, 64) == 160
    assert adjusted_N(1024, 15) == 1020
    assert adjusted_N(1024, 16) == 1024


def test_select_and_repeat_machines_keep_values_and_layout():
    """Layout-preserving gathers equal plain indexing and keep the (M, K, n, P) storage group_dot is fast on."""
    from depthlab.committee.model import group_dot, repeat_machines, select_machines

    spec = CommitteeSpec(12, 3, "sign")
    X, _ = make_instances(spec, 5, "layout", list(range(4)))
    idx = torch.tensor([2, 0, 3])
    got = select_machines(X, idx)
    assert torch.equal(got, X[idx]) and got.stride() == X[:3].stride()
    rep = repeat_machines(X, 2)
    assert torch.equal(rep, X.repeat_interleave(2, dim=0)) and rep.permute(0, 2, 3, 1).is_contiguous()
    W = torch.randn(4, 3, 4)
    ref = torch.einsum("mpkn,mkn->mpk", X.contiguous(), W)
    torch.testing.assert_close(group_dot(X, W), ref)  # float32 sums of ±1·N(0,1): rounding only


def test_binary_relu_ties_are_errors_exactly() -> None:
    """Binary weights: n_errors equals an integer-arithmetic count in which an output of exactly 0 is an error.

    Binary ReLU machines tie often (K = 2, n = 6: relu(k1) = relu(k2) for integer fields); dividing by the inexact
    √n before summing once let rounding turn ties into tiny non-zero outputs. Exact equality: no tolerance.
    """
    from depthlab.committee.model import n_errors

    rng = np.random.default_rng(7)
    M, P, K, n = 200, 12, 2, 6
    W = rng.choice([-1.0, 1.0], size=(M, K, n))
    X = rng.choice([-1.0, 1.0], size=(M, P, K, n))
    y = rng.choice([-1.0, 1.0], size=(M, P))
    fields = np.einsum("mkn,mpkn->mpk", W.astype(np.int64), X.astype(np.int64))
    out = np.maximum(fields[..., 0], 0) - np.maximum(fields[..., 1], 0)
    expect = (y.astype(np.int64) * out <= 0).sum(axis=1)
    assert (out == 0).any()  # ties occur
    for dt in (torch.float64, torch.float32):
        got = n_errors(torch.as_tensor(W, dtype=dt), torch.as_tensor(X, dtype=dt), torch.as_tensor(y, dtype=dt),
                       "relu").numpy()
        np.testing.assert_array_equal(got, expect)
