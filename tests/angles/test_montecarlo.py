"""Full-network Monte Carlo: batching independence, robust angles, agreement with theory, clear
errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.angles.montecarlo import simulate_full
from depthlab.angles.simcore import pair_stats
from depthlab.errors import InputError


def test_results_do_not_depend_on_batching():
    # network m depends only on (seed, m): a chunk of 64 and a chunk of 128, 100 vs 300 networks agree
    # exactly
    a = simulate_full(0.3, 32, 100, depth=4, seed=5, chunk=64)
    b = simulate_full(0.3, 32, 300, depth=4, seed=5, chunk=128)
    np.testing.assert_array_equal(a.theta, b.theta[:100])
    c = simulate_full(0.3, 32, 100, depth=4, seed=6, chunk=64)
    assert not np.array_equal(a.theta, c.theta)


def test_layer_zero_is_the_input_angle_and_angles_are_acute():
    run = simulate_full(2.5, 16, 64, depth=3, seed=0)
    assert np.all(run.theta[:, 0] == 2.5)
    # post-ReLU vectors are non-negative, so θ_ℓ ≤ π/2 for ℓ ≥ 1
    assert np.all(run.theta[:, 1:] <= math.pi / 2 + 1e-12)


def test_robust_sin2_resolves_tiny_angles():
    # two vectors at angle 1e-9: 1 − cos² would give 0 in float64; the projection formula keeps the
    # digits
    g = torch.Generator().manual_seed(0)
    a = torch.rand(3, 50, generator=g, dtype=torch.float64)
    u = torch.randn(3, 50, generator=g, dtype=torch.float64)
    u = u - ((u * a).sum(-1) / (a * a).sum(-1)).unsqueeze(-1) * a
    u = u / u.norm(dim=-1, keepdim=True) * a.norm(dim=-1, keepdim=True)
    t = 1e-9
    b = math.cos(t) * a + math.sin(t) * u
    st = pair_stats(a, b)
    np.testing.assert_allclose(st["sin2"].numpy(), math.sin(t) ** 2, rtol=1e-6)
    np.testing.assert_allclose(st["theta"].numpy(), t, rtol=1e-6)


def test_mean_matches_algorithm1_within_monte_carlo_error():
    # width 256, depth 5 from θ_0 = π/2: the 1/n law is accurate here (error ≤ 0.003 at ℓ =
    # 5,
    # far below the MC standard error of 192 networks ≈ 0.013). Tolerance: 4 standard errors.
    from depthlab.angles.theory.predict import predict_mean_path

    run = simulate_full(math.pi / 2, 256, 192, depth=5, seed=1)
    pred = predict_mean_path(math.pi / 2, [256] * 5)["mean_log_sin2"]
    m, se = run.mean_log_sin2(), run.sem_log_sin2()
    assert np.all(np.abs(m[1:] - pred[1:]) <= 4 * se[1:]), (m, pred, se)


def test_varying_widths_run_and_bias_and_activations():
    run = simulate_full(1.0, [8, 32, 4, 16], 64, seed=0, activation="tanh", sigma_b=0.2)
    assert run.theta.shape == (64, 5)
    assert np.all(np.isfinite(run.theta))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"theta0": 0.1, "widths": 1, "depth": 3}, "≥ 2"),
        ({"theta0": 0.1, "widths": [16, 1], "depth": None}, "≥ 2"),
        ({"theta0": -0.1, "widths": 16, "depth": 3}, r"\[0, π\]"),
        ({"theta0": 3.2, "widths": 16, "depth": 3}, r"\[0, π\]"),
        ({"theta0": 0.1, "widths": 16, "depth": 0}, "depth"),
        ({"theta0": 0.1, "widths": [], "depth": None}, "depth"),
    ],
)
def test_bad_inputs_give_clear_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        simulate_full(kwargs["theta0"], kwargs["widths"], 10, depth=kwargs["depth"])


def test_bad_networks_and_activation():
    from depthlab.errors import DepthlabError

    with pytest.raises(DepthlabError, match="networks"):
        simulate_full(0.1, 16, 0, depth=2)
    with pytest.raises(InputError, match="activation"):
        simulate_full(0.1, 16, 4, depth=2, activation="swish")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_agrees_with_cpu_in_distribution():
    from scipy.stats import ks_2samp

    cpu = simulate_full(0.5, 64, 2000, depth=10, seed=0, device="cpu")
    gpu = simulate_full(0.5, 64, 2000, depth=10, seed=0, device="cuda")
    assert ks_2samp(cpu.layer(10), gpu.layer(10)).pvalue > 1e-3
