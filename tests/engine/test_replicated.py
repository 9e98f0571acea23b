"""The replicated (robust-ensemble) solver: independence at zero coupling, collapse at strong coupling,
chunk/packing invariance, its mini-batch permutations and its input checks.

Small committee machines (N = 32, K = 4, ReLU) in float64, a few dozen steps: each test runs in well under a
second per fit. "Bit for bit" tests compare with ``torch.equal``: every operation of the solver acts row by row
(batched matrix products over the machine dimension, elementwise Adam), and the coupling term is skipped at
γ = 0, so nothing but the row's own numbers enters its trajectory.
"""

from __future__ import annotations

import pytest
import torch

from depthlab.committee.model import CommitteeSpec, n_errors, random_weights
from depthlab.committee.training import _stack, committee_family
from depthlab.engine import FitConfig, fit
from depthlab.engine.replicated import ReplicatedSettings, epoch_permutations
from depthlab.errors import ConfigError

SPEC = CommitteeSpec(32, 4, "relu")
FAM = committee_family(32, 4, "relu", leak=0.3)


def _data(P: int, instances: int, y: int):
    X, Y, idx = _stack(SPEC, P, "rep-test", instances, y, torch.float64, "cpu")
    W0 = random_weights(SPEC, "rep-test/init", idx, dtype=torch.float64)
    return X, Y.unsqueeze(-1), W0


def _fit(X, Y, W0, st: ReplicatedSettings, *, chunk: int | None = None, indices=None):
    cfg = FitConfig(mode="classification", stages=("replicated",), margin=0.1, adam_dtype="float64",
                    replicated=st)
    return fit(FAM, (X, Y), key="rep-test", indices=indices, config=cfg, device="cpu", init={"W": W0},
               chunk_size=chunk)


def test_zero_coupling_is_independent_training_bit_for_bit():
    """γ = 0, y = 3 replicas per instance == the same 3·I rows trained alone (y = 1), same seeds and batches.

    α = 3 (P = 96) is above capacity, so no row stops early (a y = 3 group stops when any replica solves);
    the precondition is asserted."""
    X, Y, W0 = _data(96, 2, 3)
    base = dict(gamma0=0.0, gamma1=0.0, batch=16, steps=40, lr=0.05, check_every=10)
    grouped = _fit(X, Y, W0, ReplicatedSettings(y=3, **base))
    alone = _fit(X, Y, W0, ReplicatedSettings(y=1, **base))
    assert not grouped.success.any() and not alone.success.any()
    assert torch.equal(grouped.params["W"], alone.params["W"])
    # and the mini-batches matter: full-batch training from the same starts ends elsewhere
    full = _fit(X, Y, W0, ReplicatedSettings(y=3, **{**base, "batch": 0}))
    assert not torch.equal(full.params["W"], grouped.params["W"])


def _spread(W: torch.Tensor, y: int) -> torch.Tensor:
    """Mean squared distance of the replicas to their centre, per group: ``(G,)``."""
    g = W.reshape(-1, y, W[0].numel())
    return (g - g.mean(1, keepdim=True)).square().sum(-1).mean(1)


def test_strong_coupling_collapses_replicas():
    """SGD with lr·γ = 1: after every step θ_a − θ̄ = −lr (g_a − ḡ) (then the sphere projection), so the spread
    falls from O(N) (independent uniform starts on the spheres: E‖θ_a − θ̄‖² = (1 − 1/y)·N) to O(lr²‖g‖²); at
    γ = 0 it stays O(N). The 1e-4 bound is loose: lr = 1e-3 and the per-replica gradient norm is O(1) here."""
    y = 4
    X, Y, W0 = _data(96, 2, y)
    s0 = _spread(W0, y)
    common = dict(y=y, gamma1=0.0, gamma_max=1e3, batch=8, steps=30, lr=1e-3, optimiser="sgd")
    strong = _fit(X, Y, W0, ReplicatedSettings(gamma0=1e3, **common))
    free = _fit(X, Y, W0, ReplicatedSettings(gamma0=0.0, **common))
    assert (_spread(strong.params["W"], y) < 1e-4 * s0).all()
    assert (_spread(free.params["W"], y) > 0.5 * s0).all()


def test_chunk_and_packing_invariance():
    """Chunks of one group vs all groups at once, and the groups in reverse order: identical rows."""
    y = 2
    X, Y, W0 = _data(64, 4, y)  # α = 2: mixed outcomes over a short run
    st = ReplicatedSettings(y=y, gamma0=0.05, gamma1=0.01, batch=16, steps=60, lr=0.05)
    ref = _fit(X, Y, W0, st)
    small = _fit(X, Y, W0, st, chunk=y)
    assert small.n_chunks == 4
    assert torch.equal(ref.params["W"], small.params["W"])
    order = torch.arange(8).view(4, y).flip(0).reshape(-1)  # groups reversed, replicas kept in order
    rev = _fit(X[order], Y[order], W0[order], st, indices=order.tolist(), chunk=2 * y)
    assert torch.equal(rev.params["W"], ref.params["W"][order])
    assert (rev.success == ref.success[order.numpy()]).all()


def test_success_means_a_replica_stores_every_pattern():
    """Below capacity most groups stop early; a certified row has zero training errors on the true machine."""
    y = 3
    X, Y, W0 = _data(24, 4, y)  # α = 0.75
    res = _fit(X, Y, W0, ReplicatedSettings(y=y, gamma0=0.01, gamma1=0.01, batch=8, steps=400, lr=0.05))
    errs = n_errors(res.params["W"], X, Y.squeeze(-1), "relu")
    assert res.success.reshape(4, y).any(1).all()
    assert (errs[torch.as_tensor(res.success)] == 0).all()
    assert (res.steps["replicated"] < 400).all()


def test_epoch_permutations_are_permutations_and_row_local():
    seeds = torch.tensor([1, -5, 2**62, 7], dtype=torch.long)
    p = epoch_permutations(seeds, 3, 50)
    assert torch.equal(p.sort(1).values, torch.arange(50).expand(4, 50))
    assert torch.equal(epoch_permutations(seeds[2:3], 3, 50), p[2:3])
    assert not torch.equal(epoch_permutations(seeds, 4, 50), p)


@pytest.mark.parametrize("kwargs", [{"y": 0}, {"gamma0": -1.0}, {"gamma1": -0.1}, {"batch": -1},
                                    {"optimiser": "rmsprop"}, {"steps": 0}, {"lr": 0.0}])
def test_bad_settings(kwargs):
    with pytest.raises(ConfigError):
        ReplicatedSettings(**kwargs)


def test_bad_runs():
    X, Y, W0 = _data(16, 2, 3)
    with pytest.raises(ConfigError, match="exceeds"):
        _fit(X, Y, W0, ReplicatedSettings(y=3, batch=17, steps=5))
    with pytest.raises(ConfigError, match="multiple of y"):
        _fit(X[:5], Y[:5], W0[:5], ReplicatedSettings(y=3, steps=5))
    with pytest.raises(ConfigError, match="ReplicatedSettings"):
        FitConfig(stages=("replicated",), replicated={"y": 3})
