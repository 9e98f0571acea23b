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


def _perceptron_energy_exact(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, d: float):
    """Exact expected error fraction of a perceptron moved to distance d along a uniform random direction.

    The move is W(d) = |W|(q Ŵ + s û), q = 1 − 2d, s = √(1 − q²), û uniform on the unit sphere of the
    (n − 1)-dimensional complement of Ŵ. For pattern x with stability Δ = y Ŵ·x > 0 and orthogonal part of
    norm r = √(|x|² − (Ŵ·x)²), y Ŵ(d)·x ∝ qΔ + s r T with T = û·x⊥/r, and T² ~ Beta(1/2, (n − 2)/2)
    (a coordinate of a uniform point on S^{n−2}). The pattern is misclassified iff y T ≤ −qΔ/(s r) =: −a, with
    probability P(T ≥ a) = ½ I_{1−a²}((n − 2)/2, 1/2) for 0 ≤ a < 1 and 0 for a ≥ 1 (regularized incomplete beta,
    by the symmetry of T). Returns ``(M,)``: the mean over patterns.
    """
    from scipy.special import betainc

    w = (W / W.norm(dim=-1, keepdim=True))[:, 0].numpy()  # (M, n)
    x = X[:, :, 0].numpy()  # (M, P, n)
    n = w.shape[-1]
    h = (x * w[:, None, :]).sum(-1)
    delta = y.numpy() * h
    r = (((x * x).sum(-1) - h * h).clip(min=0.0)) ** 0.5
    q = 1.0 - 2.0 * d
    s = math.sqrt(1.0 - q * q)
    a = q * delta / (s * r)
    p = 0.5 * betainc((n - 2) / 2.0, 0.5, (1.0 - a * a).clip(min=0.0))
    return torch.from_numpy(((a < 1.0) * p).mean(-1))


@pytest.mark.parametrize("d", [0.002, 0.01, 0.05, 0.2])
def test_local_energy_of_a_perceptron_matches_its_closed_form(d: float) -> None:
    """distance_profile on teacher-labelled perceptrons (K = 1, sign) against the exact expectation above.

    Each machine's estimate averages ``draws`` independent directions, so the differences estimate − exact are
    independent across the M machines with mean 0; the test allows 4 of their standard errors (two-sided
    false-alarm rate 6e-5, fixed seeds) and checks the estimate is not trivially 0 where the exact value is not.
    """
    from depthlab.committee.model import group_dot

    M, n, P = 64, 101, 200
    spec = CommitteeSpec(n, 1, "sign", "spherical")
    X, _ = make_instances(spec, P, "perceptron", list(range(M)), dtype=torch.float64)
    W = random_weights(spec, "perceptron/w", list(range(M)), dtype=torch.float64)
    y = torch.sign(group_dot(X, W)[..., 0])  # the teacher's labels: W is a solution, stabilities known
    energy, _ = distance_profile(W, X, y, "sign", [d], draws=64, seed=11)
    est = torch.from_numpy(energy[0])
    exact = _perceptron_energy_exact(W, X, y, d)
    diff = est - exact
    se = float(diff.std()) / math.sqrt(M)
    assert float(exact.mean()) > 0
    assert abs(float(diff.mean())) <= 4 * se + 1e-12, (float(est.mean()), float(exact.mean()), se)
