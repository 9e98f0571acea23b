"""Robustness metrics on cases with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from depthlab.committee.annealing import anneal
from depthlab.committee.model import CommitteeSpec, make_instances, n_patterns, random_weights
from depthlab.committee.robustness import (
    distance_profile,
    input_noise_errors,
    move_to_distance,
    weight_noise_errors,
)
from depthlab.errors import ConfigError
from depthlab.seeding import torch_generator


@pytest.fixture(scope="module")
def sign_solutions():
    """Binary sign machines (K = 3, N = 63) that store α = 0.2 of patterns, found by annealing."""
    spec = CommitteeSpec(63, 3, "sign", "binary")
    X, y = make_instances(spec, n_patterns(0.2, 63), "rob", list(range(16)), dtype=torch.float64)
    W0 = random_weights(spec, "rob/init", list(range(16)), dtype=torch.float64)
    res = anneal(W0, X, y, "sign", sweeps=200, seed=0)
    keep = res.solved
    assert keep.sum() >= 8
    return res.weights[keep], X[keep], y[keep]


def test_zero_perturbation_keeps_solutions(sign_solutions) -> None:
    W, X, y = sign_solutions
    assert (weight_noise_errors(W, X, y, "sign", [0.0], weights="binary", draws=2) == 0).all()
    assert (input_noise_errors(W, X, y, "sign", [0.0], draws=2) == 0).all()
    energy, frac = distance_profile(W, X, y, "sign", [0.0], weights="binary", draws=2)
    assert (energy == 0).all() and (frac == 1).all()


def test_full_flip_inverts_every_output(sign_solutions) -> None:
    # Flipping every weight (p = 1, or distance d = 1) negates every λ; with odd K and all c_l = +1 the output
    # flips, so every stored pattern becomes an error: the error fraction is exactly 1.
    W, X, y = sign_solutions
    assert (weight_noise_errors(W, X, y, "sign", [1.0], weights="binary", draws=1) == 1).all()
    energy, frac = distance_profile(W, X, y, "sign", [1.0], weights="binary", draws=1)
    assert (energy == 1).all() and (frac == 0).all()
    Wc = W + 0.0  # the same machines read as spherical weights: d = 1 means W → −W as well
    energy, _ = distance_profile(Wc, X, y, "sign", [1.0], weights="spherical", draws=1)
    assert energy == pytest.approx(1.0)


def test_huge_input_noise_gives_chance_level(sign_solutions) -> None:
    W, X, y = sign_solutions
    err = input_noise_errors(W, X, y, "sign", [1e3], draws=8)
    # Noise dominates the pattern, so each (pattern, draw) is a fair coin: SE = 0.5/√(#trials);
    # 5 SE tolerance.
    trials = X.shape[0] * X.shape[1] * 8
    assert abs(err.mean() - 0.5) < 5 * 0.5 / math.sqrt(trials)


@pytest.mark.parametrize("d", [0.05, 0.25, 0.5])
def test_move_to_distance_exact(d: float) -> None:
    W = random_weights(CommitteeSpec(60, 4, "relu"), "m", [0, 1], dtype=torch.float64)
    Wd = move_to_distance(W, d, torch_generator(0, 0))
    q = (W * Wd).sum(-1) / (W.norm(dim=-1) * Wd.norm(dim=-1))
    torch.testing.assert_close(q, torch.full_like(q, 1 - 2 * d), rtol=0, atol=1e-12)
    Wb = random_weights(CommitteeSpec(60, 4, "relu", "binary"), "m", [0, 1], dtype=torch.float64)
    flips = (move_to_distance(Wb, d, torch_generator(0, 1), weights="binary") != Wb).sum(-1)
    assert (flips == round(d * 15)).all()


def test_bad_levels(sign_solutions) -> None:
    W, X, y = sign_solutions
    with pytest.raises(ConfigError, match="sigma"):
        weight_noise_errors(W, X, y, "sign", [1.5], weights="binary")
    with pytest.raises(ConfigError, match="distance"):
        distance_profile(W, X, y, "sign", [-0.1])
