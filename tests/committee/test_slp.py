"""Sequential linear programming for ReLU committee machines (``committee/slp.py``).

Every assertion is exact or at solver precision: a stored pattern has Δ > 0 on the true machine in float64, and
the linearisation is an inequality that holds for every real input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from depthlab.committee import slp
from depthlab.committee.experiment import SweepConfig
from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances
from depthlab.errors import ConfigError


def _planted(K: int, n: int, P: int, seed: int, gap: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Patterns ±1 ``(P, K, n)`` labelled by a random spherical teacher; patterns with |Δ| < gap dropped."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((K, n))
    X = rng.integers(0, 2, size=(8 * P, K, n)) * 2.0 - 1.0
    lam = slp.fields(W, X)
    h = K // 2
    out = np.maximum(lam, 0)[:, :h].sum(1) - np.maximum(lam, 0)[:, h:].sum(1)
    keep = np.abs(out) > gap
    return X[keep][:P], np.sign(out[keep])[:P]


def test_linearisation_is_a_lower_bound() -> None:
    """Σ_j θ_μj a_{F_μj} ≤ Σ_j relu(a_{F_μj}) for every pattern (relu(a) ≥ θa, θ ∈ {0, 1}), with equality where
    some F unit is active; patterns with no active F unit get θ = 1 on all of them."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((500, 4))
    a[:20, :2] = -np.abs(a[:20, :2])          # label +1 rows with both F units dead
    y = np.ones(500)
    y[250:] = -1
    F, _ = slp.unit_sides(y, 4)
    theta = slp.linearisation(a, F)
    aF = np.take_along_axis(a, F, axis=1)
    lin, true = (theta * aF).sum(1), np.maximum(aF, 0).sum(1)
    assert np.all(lin <= true + 1e-15)
    alive = (aF > 0).any(axis=1)
    np.testing.assert_allclose(lin[alive], true[alive], rtol=0, atol=1e-15)
    assert np.all(theta[~alive] == 1.0) and (~alive[:20]).all()


def test_unit_sides() -> None:
    F, G = slp.unit_sides(np.array([1.0, -1.0]), 4)
    assert F.tolist() == [[0, 1], [2, 3]] and G.tolist() == [[2, 3], [0, 1]]


def test_free_stage_zero_slack_stores_the_free_machine() -> None:
    """An LP point with zero slack satisfies the linearised (inner) system, hence stores every pattern on the
    free-norm machine: Δ ≥ 1 − solver tolerance with unnormalised fields."""
    X, y = _planted(4, 10, 30, seed=1)
    W0 = np.random.default_rng(2).standard_normal((4, 10))
    W, slack, lps = slp.free_stage(X, y, W0)
    assert slack <= 1e-9 and lps >= 1
    assert np.all(slp.stabilities(W, X, y, normalise=False) >= 1 - 1e-7)


@pytest.mark.parametrize(("K", "n", "P"), [(2, 12, 24), (4, 10, 40)])
def test_planted_problems_are_stored(K: int, n: int, P: int) -> None:
    """Teacher-labelled patterns (a solution exists, with margin 0.3): SLP returns spherical weights that
    store all of them, checked on the true machine in float64."""
    X, y = _planted(K, n, P, seed=K)
    W0 = np.random.default_rng(5).standard_normal((K, n))
    W, lps = slp.slp_instance(X, y, W0)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), math.sqrt(n), rtol=1e-12)
    Xt = torch.from_numpy(X.reshape(1, P, K, n))
    assert bool(check_solutions(torch.from_numpy(W[None]), Xt, torch.from_numpy(y[None]), "relu")[0])
    assert lps >= 1


def test_sphere_stage_keeps_a_solution() -> None:
    """Started at a solution, the spherical stage returns it unchanged after zero LPs."""
    X, y = _planted(4, 8, 30, seed=3)
    rng = np.random.default_rng(3)
    W_teacher = rng.standard_normal((4, 8))       # the same draw _planted made first
    W, ok, lps = slp.sphere_stage(X, y, W_teacher)
    assert ok and lps == 0
    np.testing.assert_allclose(W, W_teacher / np.linalg.norm(W_teacher, axis=1, keepdims=True), rtol=1e-14)


def test_instances_summary_is_checked_and_deterministic() -> None:
    spec = CommitteeSpec(16, 4, "relu")
    a = slp.slp_instances(spec, 12, "test/slp", 3, restarts=2)
    b = slp.slp_instances(spec, 12, "test/slp", 3, restarts=2)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["solved"].dtype == bool and a["restarts_solved"].max() <= 2
    assert np.all(a["errors_min"][a["solved"]] == 0) and np.all(a["errors_min"][~a["solved"]] > 0)
    assert np.all(np.isnan(a["steps"][~a["solved"]]))
    # α = 0.75 with K = 4 is far below every capacity: all stored
    assert a["solved"].all()
    X, _ = make_instances(spec, 12, "test/slp", [0], dtype=torch.float64)
    assert X.shape == (1, 12, 4, 4)


def test_bad_inputs() -> None:
    with pytest.raises(ConfigError, match="ReLU committee machines with spherical weights"):
        slp.check_slp(CommitteeSpec(9, 3, "sign"))
    with pytest.raises(ConfigError, match="ReLU committee machines with spherical weights"):
        slp.check_slp(CommitteeSpec(8, 2, "relu", "binary"))
    with pytest.raises(ConfigError, match="kappa"):
        slp.SLPSettings(kappa=-1.0)
    with pytest.raises(ConfigError, match="radius_max"):
        slp.SLPSettings(radius0=5.0, radius_max=2.0)
    with pytest.raises(ConfigError, match="ReLU committee machines"):
        SweepConfig(activation="sign", Ks=(3,), algorithm="slp")
    with pytest.raises(ConfigError, match="slp_iterations"):
        SweepConfig(Ks=(2,), algorithm="slp", slp_iterations=0)
