"""Continuous-weight training through the shared engine: surrogates, success logic, easy and impossible loads."""

from __future__ import annotations

import pytest
import torch

from depthlab.committee.model import CommitteeSpec, make_instances, n_errors, n_patterns, random_weights
from depthlab.committee.training import (
    TrainSettings,
    committee_family,
    committee_forward,
    train_instances,
    train_weights,
)
from depthlab.errors import ConfigError


@pytest.mark.parametrize(("activation", "K"), [("relu", 4), ("sign", 3)])
def test_forward_value_is_the_true_machine(activation: str, K: int) -> None:
    # The straight-through surrogates change only the gradient: the forward value is Σ c_l g(λ_l) exactly.
    spec = CommitteeSpec(12 * K, K, activation)
    X, _ = make_instances(spec, 30, "fw", [0, 1], dtype=torch.float64)
    W = random_weights(spec, "fw/w", [0, 1], dtype=torch.float64)
    from depthlab.committee.model import output_field, preactivations

    torch.testing.assert_close(committee_forward(W, X, activation, beta=2.0, leak=0.3),
                               output_field(preactivations(W, X), activation), rtol=0, atol=1e-14)


def test_surrogate_gradients() -> None:
    # One unit with n = 2 and ξ = (1, 0): λ = a/√(a² + b²) for W = (a, b) = (±0.6, 0.8), so
    # dλ/da = b²/|W|³ = 0.64 and dλ/db = −ab/|W|³ = ∓0.48.
    X = torch.tensor([[[[1.0, 0.0]]]], dtype=torch.float64)  # (M=1, P=1, K=1, n=2)
    W = torch.tensor([[[0.6, 0.8]]], dtype=torch.float64, requires_grad=True)
    f = committee_forward(W, X, "sign", beta=2.0)
    assert f.item() == 1.0  # forward: the true sign
    (g,) = torch.autograd.grad(f.sum(), W)
    sech2 = 1.0 / torch.cosh(torch.tensor(2.0 * 0.6, dtype=torch.float64)) ** 2
    torch.testing.assert_close(g[0, 0], 2.0 * sech2 * torch.tensor([0.64, -0.48], dtype=torch.float64))
    # ReLU, two units (c = +1, −1); unit 1 off (λ = −0.6): straight-through slope ``leak`` instead of 0.
    X2 = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
    W2 = torch.tensor([[[-0.6, 0.8], [0.6, 0.8]]], dtype=torch.float64, requires_grad=True)
    f2 = committee_forward(W2, X2, "relu", leak=0.25)
    torch.testing.assert_close(f2, torch.tensor([[-0.6]], dtype=torch.float64))  # relu(−0.6) − relu(0.6)
    (g2,) = torch.autograd.grad(f2.sum(), W2)
    torch.testing.assert_close(g2[0], torch.tensor([[0.25 * 0.64, 0.25 * 0.48], [-0.64, 0.48]],
                                                   dtype=torch.float64))


def test_family_registered_with_engine() -> None:
    from depthlab.engine import make_family

    fam = make_family("committee", N=8, K=2, activation="relu")
    assert fam.shapes == {"W": (2, 4)} and fam.in_shape == (2, 4) and fam.out_shape == (1,)
    with pytest.raises(ConfigError, match="odd K"):
        committee_family(8, 2, "sign")


@pytest.mark.parametrize(("activation", "K", "N"), [("relu", 4, 64), ("sign", 3, 63)])
def test_small_alpha_always_solved(activation: str, K: int, N: int) -> None:
    # α = 0.2 is a tenth of even the perceptron capacity 2 (Cover 1965), so a solution exists with overwhelming
    # probability and Adam finds it within a few hundred steps.
    res = train_instances(CommitteeSpec(N, K, activation), n_patterns(0.2, N), "small", 16, 1,
                          TrainSettings(steps=400), device="cpu")
    assert res["solved"].all()
    assert (res["errors_min"] == 0).all()


@pytest.mark.parametrize(("activation", "K", "N"), [("relu", 2, 40), ("sign", 3, 39)])
def test_far_above_capacity_never_solved(activation: str, K: int, N: int) -> None:
    # α = 10 is far above the RS capacities (ReLU K = 2: 3.81, proved an upper bound by Stojnic, arXiv
    # 2402.05696; sign K = 3: 4.03 from our calculator; the Mitchison–Durbin bound for sign TCMs is O(ln K)), and
    # success is checked on the true machine, so no training trick can report a solution that does not exist.
    res = train_instances(CommitteeSpec(N, K, activation), n_patterns(10.0, N), "big", 8, 1,
                          TrainSettings(steps=100), device="cpu")
    assert not res["solved"].any()
    assert (res["errors_min"] > 0).all()


def test_train_weights_returns_verified_solutions() -> None:
    spec = CommitteeSpec(32, 2, "relu")
    X, y = make_instances(spec, n_patterns(0.5, 32), "tw", list(range(8)))
    W, steps = train_weights(spec, X, y, "tw", [(i, 0) for i in range(8)], TrainSettings(steps=300))
    assert W.shape == (8, 2, 16) and W.dtype == torch.float64 and steps.shape == (8,)
    errs = n_errors(W, X.double(), y.double(), "relu")
    assert (errs == 0).float().mean() >= 0.9


def test_restarts_count_per_instance() -> None:
    res = train_instances(CommitteeSpec(24, 2, "relu"), n_patterns(0.3, 24), "rs", 4, 3, TrainSettings(steps=200))
    assert res["solved"].shape == (4,) and res["restarts_solved"].max() <= 3


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="leak"):
        TrainSettings(leak=2.0)
    with pytest.raises(ConfigError, match="steps"):
        TrainSettings(steps=0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (CI has none)")
def test_cuda_matches_cpu() -> None:
    spec = CommitteeSpec(64, 4, "relu")
    X, _ = make_instances(spec, 64, "gpu", list(range(8)), dtype=torch.float64)
    W = random_weights(spec, "gpu/w", list(range(8)), dtype=torch.float64)
    # Same float64 forward on both devices, to rounding.
    torch.testing.assert_close(committee_forward(W.cuda(), X.cuda(), "relu").cpu(),
                               committee_forward(W, X, "relu"), rtol=1e-12, atol=1e-12)
    res = train_instances(spec, n_patterns(0.2, 64), "gpu", 16, 1, TrainSettings(steps=400), device="cuda")
    assert res["solved"].all()


def test_lr_final_default_keeps_results_and_validates():
    """lr_final defaults to 1.0 (the constant-rate Adam the study measures); values outside (0, 1] are refused."""
    from depthlab.committee.training import TrainSettings
    from depthlab.errors import ConfigError, InputError

    with pytest.raises((ConfigError, InputError, ValueError)):
        TrainSettings(lr_final=0.0)
    with pytest.raises((ConfigError, InputError, ValueError)):
        TrainSettings(lr_final=1.5)
    assert TrainSettings().lr_final == 1.0
