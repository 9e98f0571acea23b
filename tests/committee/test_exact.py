"""The perceptron's exact storage decision by linear programming, and the ReLU K = 2 LP bracket
(depthlab.committee.exact)."""

import numpy as np
import pytest
import torch

from depthlab.committee.exact import (
    MARGIN_TOL,
    bracket_instance,
    bracket_instances,
    bracket_table,
    check_exact,
    constraints,
    cover_probability,
    exact_instances,
    free_norm_rows,
    gap,
    max_margin,
    relu2_constraints,
    segment_root,
)
from depthlab.committee.experiment import SweepConfig
from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances
from depthlab.errors import ConfigError, InputError


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
        SweepConfig(activation="relu", Ks=(4,), Ns=(64,), algorithm="exact")
    with pytest.raises(ConfigError, match="restarts"):
        SweepConfig(activation="sign", Ks=(1,), Ns=(64,), algorithm="exact", restarts=2)
    with pytest.raises(ConfigError, match="linear form"):
        constraints(np.ones((3, 2, 4)), np.ones(3), "sign")
    with pytest.raises(ConfigError, match="spherical weights only"):
        SweepConfig(activation="relu", weights="binary", Ks=(2,), Ns=(64,), algorithm="exact")
    with pytest.raises(ConfigError, match="ties"):
        check_exact(CommitteeSpec(8, 2, "relu"), ties="correct")
    with pytest.raises(ConfigError, match=r"\(P, 2, n\)"):
        relu2_constraints(np.ones((3, 1, 4)), np.ones(3))
    with pytest.raises(ConfigError, match="ReLU K=2"):
        bracket_instances(CommitteeSpec(9, 1, "sign"), 4, "test/exact/bad", 1)
    assert SweepConfig(activation="relu", Ks=(2,), Ns=(64,), algorithm="exact").cell(2, 64, 1.0)["algorithm"] \
        == "lp-bracket"


# ReLU K = 2 -------------------------------------------------------------------------------------------------

def _check(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> bool:
    """True-machine float64 check of ``W (2, n)`` on ``X (P, 2, n)``, ``y (P,)``."""
    return bool(check_solutions(torch.from_numpy(W[None]), torch.from_numpy(X[None]), torch.from_numpy(y[None]),
                                "relu")[0])


def _free_lp_infeasible(A: np.ndarray) -> bool:
    """Independent of max_margin: is {A w ≥ 1} empty (HiGHS status 2)? A w > 0 is solvable iff it is."""
    from scipy.optimize import linprog

    res = linprog(np.zeros(A.shape[1]), A_ub=-A, b_ub=-np.ones(A.shape[0]), bounds=[(None, None)] * A.shape[1],
                  method="highs")
    return res.status == 2


def test_relu2_constraints_are_the_machine():
    # A w > 0 ⇔ the free-norm machine sign(relu(a1) − relu(a2)) stores every pattern; at |w1| = |w2| that is
    # the true (normalised) machine.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 2, 5))
    y = rng.choice([-1.0, 1.0], size=30)
    A = relu2_constraints(X, y)
    for _ in range(200):
        W = rng.standard_normal((2, 5))
        a = np.einsum("pkn,kn->pk", X, W)
        out = y * (np.maximum(a[:, 0], 0) - np.maximum(a[:, 1], 0))
        rows = (A @ W.reshape(-1)).reshape(2, 30)
        assert np.array_equal(out > 0, (rows > 0).all(axis=0))


def test_planted_spherical_solution_is_certified():
    # A teacher with |w1| = |w2|: labels from the true machine, patterns with output 0 dropped.
    rng = np.random.default_rng(0)
    n = 10
    T = rng.standard_normal((2, n))
    T *= np.sqrt(n) / np.linalg.norm(T, axis=1, keepdims=True)
    X = rng.standard_normal((60, 2, n))
    a = np.einsum("pkn,kn->pk", X, T)
    out = np.maximum(a[:, 0], 0) - np.maximum(a[:, 1], 0)
    keep = np.abs(out) > 1e-3
    X, y = X[keep], np.sign(out[keep])
    r = bracket_instance(X, y)
    assert r.outcome == "stored" and r.free_margin > MARGIN_TOL
    assert np.allclose(np.linalg.norm(r.W, axis=1), np.sqrt(n)) and _check(r.W, X, y)


def test_free_norm_only_instance_is_never_certified_stored():
    # n = 1, two label-+1 patterns (1, 1) and (1, −1): stored iff w1 > 0, w1 > w2 and w1 > −w2, i.e.
    # w1 > |w2|: the free-norm cone is non-empty but never meets |w1| = |w2|.
    X = np.array([[[1.0], [1.0]], [[1.0], [-1.0]]])
    y = np.array([1.0, 1.0])
    r = bracket_instance(X, y)
    assert r.free_margin > MARGIN_TOL and r.outcome == "undecided"
    # the same pattern with both labels: certified not storable
    r = bracket_instance(np.concatenate([X[:1], X[:1]]), np.array([1.0, -1.0]))
    assert r.outcome == "not-storable" and r.W is None


def test_segment_root():
    rng = np.random.default_rng(1)
    for _ in range(50):
        p, q = rng.standard_normal(8), rng.standard_normal(8)
        if gap(p) < gap(q):
            p, q = q, p
        if not gap(p) >= 0 >= gap(q):
            continue
        r = segment_root(p, q)
        s = np.dot(r - p, q - p) / np.dot(q - p, q - p)
        assert -1e-12 <= s <= 1 + 1e-12 and np.allclose(r, p + s * (q - p))
        assert abs(gap(r)) <= 1e-10 * np.dot(r, r)
    with pytest.raises(InputError):
        segment_root(np.array([0.0, 1.0]), np.array([1.0, 0.0]))


def test_bracket_on_random_problems():
    # lower ≤ upper; every certified answer is checked again here: stored on the true machine in float64,
    # not-storable by an independent feasibility LP.
    spec = CommitteeSpec(16, 2, "relu")
    seen = set()
    for P in (14, 20, 24, 28):
        key = f"test/exact/relu2/P{P}"
        res = bracket_instances(spec, P, key, 8)
        assert np.all(res["solved"] <= res["free_feasible"])
        assert np.array_equal(res["undecided"], res["free_feasible"] & ~res["solved"])
        X, y = make_instances(spec, P, key, list(range(8)), dtype=torch.float64)
        for i in range(8):
            r = bracket_instance(X[i].numpy(), y[i].numpy())
            seen.add(r.outcome)
            if r.outcome == "stored":
                assert _check(r.W, X[i].numpy(), y[i].numpy()) and res["errors_min"][i] == 0
            elif r.outcome == "not-storable":
                assert _free_lp_infeasible(relu2_constraints(X[i].numpy(), y[i].numpy()))
            assert (r.outcome == "stored") == res["solved"][i]
    assert {"stored", "not-storable"} <= seen


def test_brute_force_hit_is_never_not_storable():
    # n = 2: every spherical solution is a pair of angles (θ1, θ2). A dense scan (offset so no grid angle is
    # special) that finds a pair with every stability > 1e-9 proves storability, so the bracket must not say
    # not-storable there (one-directional: a miss of the scan proves nothing, the solution set can be thin).
    rng = np.random.default_rng(7)
    th = np.linspace(0, 2 * np.pi, 360, endpoint=False) + 0.0123
    U = np.stack([np.cos(th), np.sin(th)], axis=1)                  # (G, 2) unit vectors
    hits = certified = 0
    for _ in range(40):
        P = int(rng.integers(3, 8))
        X = rng.choice([-1.0, 1.0], size=(P, 2, 2))
        y = rng.choice([-1.0, 1.0], size=P)
        l1, l2 = U @ X[:, 0].T, U @ X[:, 1].T                       # (G, P): fields of unit 1, unit 2
        out = y[None, None, :] * (np.maximum(l1, 0)[:, None, :] - np.maximum(l2, 0)[None, :, :])
        hit = bool((out.min(axis=2) > 1e-9).any())
        r = bracket_instance(X, y)
        if hit:
            hits += 1
            assert r.outcome != "not-storable"
        if r.outcome == "stored":
            certified += 1
            assert _check(r.W, X, y)
    assert hits >= 5 and certified >= 5


def test_bracket_table_and_free_norm_rows():
    import pandas as pd

    df = pd.DataFrame({"algorithm": "lp-bracket", "K": 2, "N": 16, "alpha": [1.0, 1.0, 1.5, 1.5],
                       "solved": [True, False, False, False], "free_feasible": [True, True, True, False],
                       "undecided": [False, True, True, False], "seconds": 0.5})
    t = bracket_table(df)
    assert list(t["lower"]) == [0.5, 0.0] and list(t["upper"]) == [1.0, 0.5] and list(t["undecided"]) == [0.5, 0.5]
    up = free_norm_rows(df)
    assert set(up["algorithm"]) == {"lp-free-norm"} and list(up["solved"]) == [True, True, True, False]
