"""Exact Markov-chain simulator vs the full network (two-sample KS) and vs the theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import ks_2samp

from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full

#: Significance level of the two-sample KS tests below: under the null (same law) each test fails with
#: probability 1e-3; the seeds are fixed, so the outcome is deterministic.
P_MIN = 1e-3


@pytest.mark.parametrize(
    ("theta0", "widths", "kw"),
    [
        (math.pi / 2, [16] * 8, {}),  # small width: the chain must be exact where the 1/n theory fails
        (0.1, [64] * 6, {}),
        (1.0, [8, 48, 12, 32, 16], {}),  # varying widths: n_{ℓ+1} enters each step
        (1.0, [32] * 5, {"activation": "tanh", "sigma_b": 0.3}),
        (1.2, [32] * 5, {"activation": "relu", "sigma_b": 0.5}),
    ],
)
def test_chain_has_the_law_of_the_full_network(theta0, widths, kw):
    full = simulate_full(theta0, widths, 1024, seed=3, **kw)
    chain = simulate_markov(theta0, widths, 4096, seed=4, **kw)
    for ell in (1, len(widths)):
        p = ks_2samp(full.layer(ell), chain.layer(ell)).pvalue
        assert p > P_MIN, (ell, p)


def test_chain_detects_a_wrong_width():
    # power check: the same KS test rejects a chain run at the wrong width (16 instead of 8 in every
    # step)
    full = simulate_full(math.pi / 2, [8] * 6, 1024, seed=3)
    wrong = simulate_markov(math.pi / 2, [16] * 6, 4096, seed=4)
    assert ks_2samp(full.layer(6), wrong.layer(6)).pvalue < P_MIN


def test_chain_does_not_depend_on_chunking():
    a = simulate_markov(0.4, 32, 200, depth=3, seed=9, chunk=64)
    b = simulate_markov(0.4, 32, 500, depth=3, seed=9, chunk=256)
    np.testing.assert_array_equal(a.theta, b.theta[:200])


def test_one_step_moments_match_theorem1_within_standard_error():
    # width 1024, θ = 0.3: μ, σ² are accurate to O(n⁻²) ≈ 1e-6 (Theorem 1), far below the MC error of
    # 20 000 draws.
    from depthlab.angles.theory.finite import mu, sigma2

    run = simulate_markov(0.3, [1024], 8000, seed=0)
    x = run.layer(1)
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - float(mu(0.3, 1024))) < 4 * se
    # variance: SE of a sample variance ≈ σ²·√(2/(N−1)) for a near-Gaussian variable; 4 SE tolerance
    s2 = float(sigma2(0.3, 1024))
    assert abs(x.var(ddof=1) - s2) < 4 * s2 * math.sqrt(2 / (len(x) - 1))


def test_collapse_is_recorded_not_crashing():
    # width 2 networks often collapse to θ = 0 (only one active neuron in both inputs) — counted, not
    # NaN stats
    run = simulate_markov(1.0, 2, 2000, depth=10, seed=0)
    assert run.collapsed()[-1] > 0
    assert np.all(np.isfinite(run.mean_log_sin2()))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_chain_gpu_vs_cpu():
    cpu = simulate_markov(0.5, 64, 8192, depth=10, seed=0, device="cpu")
    gpu = simulate_markov(0.5, 64, 8192, depth=10, seed=0, device="cuda")
    assert ks_2samp(cpu.layer(10), gpu.layer(10)).pvalue > P_MIN
