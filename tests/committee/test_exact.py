"""The perceptron's exact storage decision by linear programming (depthlab.committee.exact)."""

import numpy as np
import pytest
import torch

from depthlab.committee.exact import constraints, cover_probability, exact_instances, max_margin
from depthlab.committee.experiment import SweepConfig
from depthlab.committee.model import CommitteeSpec, make_instances
from depthlab.errors import ConfigError


def test_cover_probability_closed_forms():
    # P ≤ N: always separable; P = N + 1: 1 − 2^{−N}; P = 2N: exactly ½ (Cover 1965).
    assert cover_probability(5, 8) == 1.0
    assert cover_probability(9, 8) == pytest.approx(1 - 2.0**-8, abs=1e-13)  # log-gamma rounding
    for N in (3, 10, 50):
        assert cover_probability(2 * N, N) == pytest.approx(0.5, abs=1e-12)


def test_planted_and_contradictory():
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], size=(40, 1, 21))
    w0 = rng.standard_normal(21)
    y = np.sign(X[:, 0] @ w0)
    t, w, _ = max_margin(constraints(X, y, "sign"))
    assert t > 1e-3 and np.all(y * (X[:, 0] @ w) > 0)   # a planted rule is storable
    Xc = np.concatenate([X[:1], X[:1]])
    t, _, _ = max_margin(constraints(Xc, np.array([1.0, -1.0]), "sign"))
    assert abs(t) < 1e-12                                  # ξ with both labels: no w stores both


def test_success_fraction_matches_cover():
    # P = 2N: Cover's probability is ½ for points in general position; ±1 patterns at N = 24 are close to it.
    # 160 problems: binomial SE √(¼/160) = 0.040; allow 4 SE.
    N, P, m = 24, 48, 160
    res = exact_instances(CommitteeSpec(N, 1, "sign"), P, "test/exact/cover", m)
    frac = res["solved"].mean()
    assert abs(frac - cover_probability(P, N)) <= 4 * np.sqrt(0.25 / m)
    assert np.all(res["margin"][~res["solved"]] < 1e-9) and np.all(res["margin"][res["solved"]] > 1e-9)
    # the same data as the trained algorithms' cells
    X, y = make_instances(CommitteeSpec(N, 1, "sign"), P, "test/exact/cover", [0], dtype=torch.float64)
    t, _, _ = max_margin(constraints(X[0].numpy(), y[0].numpy(), "sign"))
    assert t == pytest.approx(res["margin"][0], abs=1e-12)


def test_bad_configs():
    with pytest.raises(ConfigError, match="perceptron"):
        SweepConfig(activation="relu", Ks=(2,), Ns=(64,), algorithm="exact")
    with pytest.raises(ConfigError, match="restarts"):
        SweepConfig(activation="sign", Ks=(1,), Ns=(64,), algorithm="exact", restarts=2)
    with pytest.raises(ConfigError, match="linear form"):
        constraints(np.ones((3, 2, 4)), np.ones(3), "sign")
