"""The positivity obstruction: Wendel's probability, the LP decision, the statement on real networks' outputs, the
per-cell contradiction count and the report rows built on them."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import torch

from depthlab.capacity import claims
from depthlab.capacity.positivity import cone_feasible, positivity_cells, positivity_check
from depthlab.capacity.success import make_data
from depthlab.capacity.theory.cover import cover_probability_exact
from depthlab.capacity.theory.positivity import (
    nonnegative,
    positivity_applies,
    positivity_median,
    positivity_probability,
    positivity_probability_exact,
)
from depthlab.engine.families import square_mlp
from depthlab.engine.objective import outputs
from depthlab.errors import InputError
from depthlab.report.claims import Verdict, declarations, evaluate_one
from depthlab.report.types import StudyResult


@pytest.mark.parametrize("d", [1, 2, 3, 8, 16])
def test_wendel_probability_is_one_up_to_d_and_one_half_at_2d(d: int) -> None:
    assert all(positivity_probability_exact(n, d) == 1 for n in range(1, d + 1))
    assert positivity_probability_exact(positivity_median(d), d) == Fraction(1, 2)
    ps = [positivity_probability_exact(n, d) for n in range(1, 4 * d)]
    assert all(a >= b for a, b in itertools.pairwise(ps))  # non-increasing in N
    assert all(positivity_probability_exact(n, d) == cover_probability_exact(n, d) for n in range(1, 3 * d))


def test_wendel_values_quoted_in_the_docs() -> None:
    # 2^{-22} Σ_{k<8} C(22, k) and 2^{-30} Σ_{k<8} C(30, k), exact sums
    assert positivity_probability_exact(23, 8) == Fraction(sum(math.comb(22, k) for k in range(8)), 2 ** 22)
    assert f"{positivity_probability(23, 8):.4f}" == "0.0669"
    assert f"{positivity_probability(31, 8):.4f}" == "0.0026"


def test_which_cells_the_obstruction_covers() -> None:
    assert positivity_applies(2, "relu", bias=False) and positivity_applies(4, "sigmoid", bias=False)
    assert positivity_applies(3, "softplus:8", bias=False) and nonnegative("softplus")
    assert not positivity_applies(2, "tanh", bias=False)
    assert not positivity_applies(2, "relu", bias=True)
    assert not positivity_applies(1, "relu", bias=False)  # one layer is linear: no hidden layer
    assert not nonnegative("leaky_relu") and not nonnegative("gelu")


def test_cone_decision_on_constructed_targets() -> None:
    rng = np.random.default_rng(0)
    half = rng.normal(size=(1, 30, 4))
    half[..., 0] = np.abs(half[..., 0]) + 0.1  # every row has y·e1 > 0
    opposed = rng.normal(size=(1, 6, 4))
    opposed[0, 3] = -opposed[0, 0]  # y and −y: no open half-space holds both
    got = cone_feasible(np.concatenate([half[:, :6], opposed]))
    assert got.tolist() == [True, False]
    assert cone_feasible(torch.from_numpy(half)).tolist() == [True]
    with pytest.raises(InputError, match="shape"):
        cone_feasible(np.zeros((3, 4)))


@pytest.mark.parametrize(("activation", "depth"), [("relu", 2), ("sigmoid", 2), ("relu", 3), ("sigmoid", 3),
                                                   ("softplus", 4)])
def test_outputs_of_bias_free_nonnegative_nets_always_pass(activation: str, depth: int) -> None:
    # The statement on real networks: at N = 40 ≫ 2d = 8 random targets almost never pass (P_W(40, 4) ≈ 1.7e-8),
    # while every net's own outputs must (their rows lie in an open half-space by the theorem).
    d, n, m = 4, 40, 24
    fam = square_mlp(d, depth, activation)
    gen = torch.Generator().manual_seed(3)
    theta = torch.randn(m, depth * d * d, generator=gen, dtype=torch.float64)
    x = torch.randn(m, n, d, generator=gen, dtype=torch.float64)
    y = outputs(fam, theta, x)
    # a ReLU net maps a point with every unit of a layer inactive to y_i = 0 exactly; the statement is about
    # targets without zero rows (the study's Gaussian targets have none), so those rows are dropped
    for k in range(m):
        rows = y[k][y[k].norm(dim=1) > 0]
        assert rows.shape[0] >= 2 * d and cone_feasible(rows[None]).all()
    assert not cone_feasible(torch.randn(m, n, d, generator=gen, dtype=torch.float64)).any()
    tanh = square_mlp(d, depth, "tanh")
    y_tanh = outputs(tanh, theta, x)
    assert not cone_feasible(y_tanh).all()  # tanh takes both signs: no such constraint


def test_positivity_check_against_wendel() -> None:
    t = positivity_check([(6, 3), (8, 4)], trials=300, seed=0)
    assert t["n_points"].tolist() == [6, 8] and (t["trials"] == 300).all()
    assert t["wendel_p"].tolist() == [positivity_probability(6, 3), 0.5]
    # exact binomial test; a false alarm at this level has probability ≤ 1e-3 per case
    assert (t["pvalue"] >= 1e-3).all()


def _points(d: int, n: int, trials: list[int], success: list[bool], **cell) -> pd.DataFrame:
    base = {"depth": 2, "width": d, "activation": "relu", "bias": False, "fit_method": "lm", "n_points": n}
    base.update(cell)
    return pd.DataFrame([{**base, "trial": t, "restart": 0, "success": s} for t, s in zip(trials, success,
                                                                                          strict=True)])


def test_positivity_cells_counts_and_catches_a_contradiction() -> None:
    d, n, trials = 3, 8, list(range(40))
    _, y = make_data(d, n, trials, 5)
    feas = cone_feasible(y)
    assert feas.any() and (~feas).any()
    bad = trials[int(np.flatnonzero(~feas)[0])]
    good = [t for t, f in zip(trials, feas, strict=True) if f]
    honest = _points(d, n, trials, [t in good[:5] for t in trials])
    tampered = _points(d, n, trials, [t in good[:5] or t == bad for t in trials], activation="sigmoid")
    other = _points(d, n, trials, [True] * len(trials), activation="tanh")  # not covered: ignored
    out = positivity_cells(pd.concat([honest, tampered, other], ignore_index=True), seed=5)
    assert set(out["activation"]) == {"relu", "sigmoid"}
    r = out.set_index("activation")
    assert r.loc["relu", "fitted"] == 5 and r.loc["relu", "contradictions"] == 0
    assert r.loc["sigmoid", "fitted"] == 6 and r.loc["sigmoid", "contradictions"] == 1
    assert r.loc["relu", "feasible"] == int(feas.sum()) and r.loc["relu", "data_sets"] == 40
    assert positivity_cells(other, seed=5).empty


def _verdict(key: str, result: StudyResult) -> Verdict:
    decl = next(d for group in declarations(claims, "quick") for d in group if d.key == key)
    return evaluate_one("capacity", decl, result).verdict


def test_report_rows_decide_on_the_tables() -> None:
    cells = pd.DataFrame([{"depth": 2, "width": 8, "activation": "relu", "bias": False, "fit_method": "lm",
                           "n_points": 12, "data_sets": 6, "fitted": 3, "feasible": 5, "contradictions": c,
                           "wendel_p": 0.89} for c in (0, 1)])
    assert _verdict("positivity-no-contradiction", StudyResult(tables={"positivity_cells": cells[:1]})) == \
        Verdict.PASSES
    assert _verdict("positivity-no-contradiction", StudyResult(tables={"positivity_cells": cells})) == Verdict.FAILS
    empty = StudyResult(tables={"positivity_cells": cells[:0]})
    assert _verdict("positivity-no-contradiction", empty) == Verdict.NOT_RUN
    wendel = pd.DataFrame([{"n_points": 16, "width": 8, "trials": 200, "feasible": k, "rate": k / 200,
                            "wendel_p": 0.5, "binomial_se": 0.035, "pvalue": p} for k, p in ((100, 1.0), (150, 1e-12))])
    assert _verdict("wendel-half-space", StudyResult(tables={"positivity": wendel[:1]})) == Verdict.HOLDS
    assert _verdict("wendel-half-space", StudyResult(tables={"positivity": wendel})) == Verdict.DIFFERS


def test_cli_positivity_decides_the_run_data_sets() -> None:
    import json

    from typer.testing import CliRunner

    from depthlab.capacity.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["positivity", "-w", "3", "-n", "4,6", "--instances", "30", "--seed", "7", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    for case in got["cases"]:
        _, y = make_data(3, case["n_points"], range(30), 7)  # the data sets `capacity run --seed 7` fits
        assert case["feasible"] == int(cone_feasible(y).sum())
        assert case["wendel_p"] == positivity_probability(case["n_points"], 3)
        assert case["cp_upper"] >= case["feasible"] / 30 and not case["certified"]
    for bad, phrase in ((["-n", "0"], "must be ≥ 1"), (["-n", "1-100", "--instances", "5000"], "linear programs")):
        r = runner.invoke(app, ["positivity", *bad])
        assert r.exit_code == 2 and phrase in " ".join(r.output.split()), r.output


def test_certified_ceiling_columns_follow_the_negative_rule() -> None:
    from depthlab.capacity import negative as neg

    # d = 2, N = 30: P_W = 30 / 2^29 ≈ 5.6e-8, so none of 3000 data sets is feasible (P(any) ≤ 1.7e-4); 0 of 3000
    # is the fewest data sets for which 0 certifies (min_attempts_zero(1e-3) = 2995)
    t = positivity_check([(30, 2), (3, 2)], trials=3000, seed=4)
    hi, lo = t.iloc[0], t.iloc[1]
    assert hi["feasible"] == 0 and hi["cp_upper"] == pytest.approx(1 - 0.05 ** (1 / 3000), rel=1e-12)
    assert bool(hi["certified"]) and neg.min_attempts_zero() <= 3000
    assert lo["wendel_p"] == 0.75 and not bool(lo["certified"]) and lo["cp_upper"] > lo["rate"]


def test_negative_cases_and_shared_decisions() -> None:
    from depthlab.capacity.positivity import negative_cases, positivity_negatives
    from depthlab.capacity.theory import max_fittable

    cases = negative_cases((1, 2, 3), (3,))
    assert {(c["activation"], c["depth"]) for c in cases} == {(a, L) for a in ("relu", "sigmoid") for L in (2, 3)}
    assert all(c["n_points"] == max_fittable(c["depth"], 3, c["activation"], bias=False) - 1 for c in cases)
    t = positivity_negatives(cases, trials=40, seed=9)
    for c in t.itertuples():
        _, y = make_data(3, c.n_points, range(40), 9)  # the data sets `capacity run --seed 9` fits
        assert c.feasible == int(cone_feasible(y).sum()) and c.wendel_p == positivity_probability(c.n_points, 3)
        assert not c.certified  # 40 data sets are fewer than the rule's 2000


def test_certified_negative_row_judges_the_raw_counts() -> None:
    def table(*rows: tuple[int, int, float]) -> pd.DataFrame:
        return pd.DataFrame([{"depth": 4, "width": 16, "activation": "sigmoid", "n_points": 63, "trials": n,
                              "feasible": k, "rate": k / n, "wendel_p": p, "cp_upper": 0.0, "certified": True}
                             for k, n, p in rows])  # stored cp_upper/certified deliberately wrong: unused

    key = "positivity-certified-negative"
    assert _verdict(key, StudyResult(tables={"positivity_negatives": table((4, 10_000, 2.9e-5))})) == Verdict.PASSES
    assert _verdict(key, StudyResult(tables={"positivity_negatives": table((5, 10_000, 2.9e-5))})) == Verdict.FAILS
    assert _verdict(key, StudyResult(tables={"positivity_negatives": table((0, 1000, 2.9e-5))})) == Verdict.FAILS
    # a cell with P_W ≥ 1e-3 is shown, not judged: many feasible data sets there do not fail the row
    both = table((0, 10_000, 2.9e-5), (600, 10_000, 0.067))
    assert _verdict(key, StudyResult(tables={"positivity_negatives": both})) == Verdict.PASSES
    assert _verdict(key, StudyResult(tables={"positivity_negatives": table((600, 10_000, 0.067))})) == \
        Verdict.NOT_RUN
    assert _verdict(key, StudyResult(tables={})) == Verdict.NOT_RUN


def test_nearly_degenerate_target_set_is_decided_and_confirmed_by_gordan(monkeypatch) -> None:
    """Data set 1403 at (d, N, seed) = (16, 31, 0): HiGHS' simplex ends 'unknown' (status 4) on it. With the Gordan
    certificate switched off, the LP path falls back to the interior-point method and decides; with it on, the
    certificate decides first. An independent LP for Gordan's alternative confirms the answer: λ ≥ 0, Σλ = 1,
    Yᵀλ = 0 is feasible (to rounding, ≤ 1e-12 for entries of size ~ 1), so no m has Ym > 0."""
    import scipy.optimize

    from depthlab.engine import separability

    _, y = make_data(16, 31, [1403], 0)
    assert not cone_feasible(y)[0]
    monkeypatch.setattr(separability, "gordan_certificate", lambda a: (False, np.zeros(a.shape[0])))
    assert not cone_feasible(y)[0]
    ya = y[0].double().numpy()
    res = scipy.optimize.linprog(np.zeros(31), A_eq=np.vstack([ya.T, np.ones((1, 31))]), b_eq=np.r_[np.zeros(16), 1],
                                 bounds=[(0, None)] * 31, method="highs")
    assert res.status == 0 and res.x.min() >= 0 and np.abs(ya.T @ res.x).max() <= 1e-12
