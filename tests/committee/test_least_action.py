"""Least-action learning for sign committee machines: the update rule, chunk independence, the perceptron case."""

from __future__ import annotations

import math

import pytest
import torch

from depthlab.committee.least_action import (
    LeastActionSettings,
    least_action,
    least_action_instances,
    least_action_updates,
)
from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances, random_weights
from depthlab.errors import ConfigError


def test_updates_pick_the_least_action_units():
    """K = 5: a pattern with 1 safe unit needs 2 more; the two unsafe units with the largest y·λ are chosen."""
    lam = torch.tensor([[[0.9, -0.1, -2.0, -0.5, 0.05]]])  # (M=1, P=1, K=5)
    sel = least_action_updates(lam, torch.tensor([[1.0]]), margin=0.1)
    assert sel.tolist() == [[[False, True, False, False, True]]]
    # Label −1 flips every stability: with κ = 0.05 three units (−λ = 0.1, 2.0, 0.5) are safe: no update.
    assert not least_action_updates(lam, torch.tensor([[-1.0]]), margin=0.05).any()


def test_perceptron_limit_stores_separable_patterns():
    """K = 1 is the batch perceptron: at α = 0.5 (far below Cover's 2, N = 41) every problem is separable
    and the algorithm must find a solution (perceptron convergence theorem)."""
    spec = CommitteeSpec(41, 1, "sign")
    X, y = make_instances(spec, 20, "la-perc", list(range(8)))
    W0 = random_weights(spec, "la-perc/init", list(range(8)))
    W, epochs = least_action(W0, X, y, LeastActionSettings(epochs=500))
    assert bool(check_solutions(W, X, y, "sign").all())
    assert int(epochs.max()) < 500
    torch.testing.assert_close(W.norm(dim=-1), torch.full((8, 1), math.sqrt(41.0), dtype=torch.float64))


def test_committee_stores_patterns_and_results_do_not_depend_on_chunking():
    spec = CommitteeSpec(45, 3, "sign")
    one = least_action_instances(spec, 45, "la-chunk", 6, 2, LeastActionSettings(epochs=300, chunk=12))
    many = least_action_instances(spec, 45, "la-chunk", 6, 2, LeastActionSettings(epochs=300, chunk=5))
    for k in ("solved", "restarts_solved", "errors_min"):
        assert one[k].tolist() == many[k].tolist(), k
    assert one["solved"].all()  # α = 1 with K = 3 (RS capacity 4.02): well inside the easy phase


def test_bad_settings_are_rejected():
    with pytest.raises(ConfigError, match="odd K"):
        least_action(torch.ones(1, 2, 3), torch.ones(1, 4, 2, 3), torch.ones(1, 4), LeastActionSettings())
    with pytest.raises(ConfigError, match="block"):
        LeastActionSettings(block=-1)
