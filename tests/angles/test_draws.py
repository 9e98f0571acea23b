"""The NumPy (SFC64) draws of the CPU float64 path have the law of the torch-generator draws they replaced.

Both samplers are exact N(0, 1) samplers, so two-sample Kolmogorov–Smirnov tests between them have uniformly
distributed p-values; with fixed seeds each test is deterministic and the threshold p > 1e-3 is the
significance level (a false alarm would need a 1-in-1000 seed).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from scipy.stats import ks_2samp

from depthlab.angles import markov, montecarlo, simcore


def test_raw_draws_same_law_and_packing_invariant():
    new = simcore.fill_normal(torch.empty(4 * simcore.BLOCK, 4096, dtype=torch.float64), 7, 1, 0, 3)
    old = simcore.fill_normal(torch.empty(4 * simcore.BLOCK, 4096, dtype=torch.float64), 7, 1, 0, 3,
                              generator="torch")
    assert ks_2samp(new.ravel().numpy(), old.ravel().numpy()).pvalue > 1e-3
    assert abs(float(new.mean())) < 5 / math.sqrt(new.numel())  # 5 standard errors of the mean
    # block 2 drawn alone equals rows 128..191 of the four-block draw (seeds depend on the block, not the packing)
    alone = simcore.fill_normal(torch.empty(simcore.BLOCK, 4096, dtype=torch.float64), 7, 1, 2, 3)
    assert torch.equal(alone, new[2 * simcore.BLOCK : 3 * simcore.BLOCK])


def _with_torch_draws(module, monkeypatch):
    monkeypatch.setattr(module, "fill_normal", functools.partial(simcore.fill_normal, generator="torch"))


def test_full_network_law_unchanged(monkeypatch):
    new = montecarlo.simulate_full(math.pi / 2, 64, 512, depth=8, seed=3)
    _with_torch_draws(montecarlo, monkeypatch)
    old = montecarlo.simulate_full(math.pi / 2, 64, 512, depth=8, seed=3)
    assert not np.array_equal(new.theta, old.theta)  # the samples did change
    for ell in (1, 8):
        assert ks_2samp(new.layer(ell), old.layer(ell)).pvalue > 1e-3


def test_markov_law_unchanged(monkeypatch):
    new = markov.simulate_markov(math.pi / 3, 128, 4096, depth=20, seed=5)
    _with_torch_draws(markov, monkeypatch)
    old = markov.simulate_markov(math.pi / 3, 128, 4096, depth=20, seed=5)
    for ell in (1, 20):
        assert ks_2samp(new.layer(ell), old.layer(ell)).pvalue > 1e-3
