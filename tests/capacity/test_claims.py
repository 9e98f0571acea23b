"""The capacity study's declarations decide on its tables: each rule with study-specific measurement logic holds
(passes) on good numbers and differs (fails) on bad ones."""

from __future__ import annotations

import pandas as pd
import pytest

from depthlab.capacity import claims
from depthlab.report.claims import Verdict, declarations, evaluate_one
from depthlab.report.types import StudyResult


def _decl(key: str, scale: str = "quick"):
    return next(d for group in declarations(claims, scale) for d in group if d.key == key)


def _verdict(key: str, result: StudyResult) -> Verdict:
    return evaluate_one("capacity", _decl(key), result).verdict


def _cell(depth, activation, n_star, low, high, bound, width=8, bias=False):
    return {"depth": depth, "width": width, "activation": activation, "bias": bias, "restarts": 2,
            "n_star": n_star, "n_star_low": low, "n_star_high": high, "bound": bound,
            "n_star_attempt": n_star, "n_star_attempt_low": low, "n_star_attempt_high": high}


def _ratio_result(ratio_low: float, ratio_high: float) -> StudyResult:
    cells = pd.DataFrame([_cell(1, "linear", 8.5, 8.0, 9.0, 8.0), _cell(2, "relu", 15.0, 14.5, 15.5, 15.0)])
    ratios = pd.DataFrame([{"width": 8, "bias": False, "activation": "relu", "depth_num": 2, "depth_den": 1,
                            "ratio": (ratio_low + ratio_high) / 2, "ratio_low": ratio_low, "ratio_high": ratio_high,
                            "bound_ratio": 15 / 8}])
    return StudyResult(tables={"cells": cells, "ratios": ratios})


@pytest.mark.parametrize(("low", "high", "verdict"), [(1.6, 1.8, Verdict.HOLDS), (2.2, 2.5, Verdict.HOLDS),
                                                      (1.5, 1.79, Verdict.DIFFERS), (2.21, 2.6, Verdict.DIFFERS)])
def test_ratio_interval_must_meet_about_twice(low, high, verdict) -> None:
    assert _verdict("ratio-relu-d8", _ratio_result(low, high)) == verdict


def test_ratio_rows_are_paper_claims_only_for_relu_and_sigmoid() -> None:
    c, _, f = declarations(claims, "full")
    assert {d.key for d in c if d.key.startswith("ratio")} == {f"ratio-{a}-d{w}" for a in ("relu", "sigmoid")
                                                                 for w in (8, 16, 32)} | {
        "ratio-relu-d8-unitwise", "ratio-relu-d8-bias-unitwise", "ratio-sigmoid-d8-bias-unitwise",
        "ratio-sigmoid-d16-bias-unitwise", "ratio-sigmoid-d8-unitwise", "ratio-sigmoid-d16-unitwise"}
    assert {d.key for d in f if d.key.startswith("ratio")} == ({f"ratio-tanh-d{w}" for w in (8, 16, 32)} | {
        "ratio-tanh-d8-unitwise", "ratio-tanh-d16-unitwise", "ratio-tanh-d8-bias-unitwise",
        "ratio-tanh-d16-bias-unitwise"})
    # a width this scale did not measure is "not tested", never an error
    assert evaluate_one("capacity", _decl("ratio-relu-d16", "full"), _ratio_result(1.9, 2.1)).verdict == \
        Verdict.NOT_TESTED


def _linear(fitted_d: int, fitted_d1: int) -> StudyResult:
    return StudyResult(tables={"linear": pd.DataFrame([{
        "width": 8, "trials": 12, "fitted_at_d": fitted_d, "fitted_at_d_plus_1": fitted_d1,
        "max_residual_at_d": 3e-15, "min_residual_at_d1": 0.2}])})


def test_linear_capacity_rule() -> None:
    assert _verdict("one-layer-linear", _linear(12, 0)) == Verdict.HOLDS
    row = evaluate_one("capacity", _decl("one-layer-linear"), _linear(11, 0))
    assert row.verdict == Verdict.DIFFERS and row.failed == ("data sets not fitted at N = d",)
    row = evaluate_one("capacity", _decl("one-layer-linear"), _linear(12, 1))
    assert row.verdict == Verdict.DIFFERS and row.failed == ("data sets fitted at N = d + 1",)


def _cover(pvalue_engine: float, pvalue_lp: float, engine_false: int) -> StudyResult:
    return StudyResult(tables={"cover": pd.DataFrame([{
        "n_points": 8, "dim": 4, "trials": 200, "cover_p": 0.5, "engine_separated": 100, "lp_separable": 100,
        "pvalue_engine": pvalue_engine, "pvalue_lp": pvalue_lp, "engine_missed": 0, "engine_false": engine_false}])})


def test_cover_rules() -> None:
    assert _verdict("cover-theorem", _cover(0.5, 0.5, 0)) == Verdict.HOLDS
    assert _verdict("cover-theorem", _cover(9e-4, 0.5, 0)) == Verdict.DIFFERS
    assert _verdict("cover-theorem", _cover(0.5, 9e-4, 0)) == Verdict.DIFFERS
    # a false engine certificate is our code contradicting itself: the consistency check, not Cover's claim
    assert _verdict("cover-theorem", _cover(0.5, 0.5, 1)) == Verdict.HOLDS
    assert _verdict("cover-engine-vs-lp", _cover(0.5, 0.5, 0)) == Verdict.PASSES
    assert _verdict("cover-engine-vs-lp", _cover(0.5, 0.5, 1)) == Verdict.FAILS


def test_bound_rule() -> None:
    ok = StudyResult(tables={"cells": pd.DataFrame([_cell(2, "relu", 15.2, 15.0, 15.5, 15.0)])})
    assert _verdict("parameter-count-bound", ok) == Verdict.PASSES
    over = StudyResult(tables={"cells": pd.DataFrame([_cell(2, "relu", 15.8, 15.6, 16.0, 15.0)])})
    row = evaluate_one("capacity", _decl("parameter-count-bound"), over)
    assert row.verdict == Verdict.FAILS and row.failed == ("L=2 d=8 relu",)


def test_reference_rule() -> None:
    def result(high: float, not_run: dict | None = None) -> StudyResult:
        ref = pd.DataFrame([_cell(L, "tanh", 30.0, high - 2, high, 16.0 * L, width=16) for L in (2, 3)])
        return StudyResult(tables={"reference": ref}, values={"reference_not_run": not_run or {}})

    assert _verdict("reference-L2", result(23.5)) == Verdict.PASSES
    assert _verdict("reference-L3", result(33.5)) == Verdict.FAILS  # reaches 23 but not 34
    assert _verdict("reference-L3", result(34.0)) == Verdict.PASSES
    row = evaluate_one("capacity", _decl("reference-L3"), result(40.0, {"L3": "gain chosen on seed 0"}))
    assert row.verdict == Verdict.NOT_RUN and "gain chosen on seed 0" in row.measured
    assert _verdict("reference-L2", StudyResult(tables={})) == Verdict.NOT_RUN


def test_relu_finding() -> None:
    cells = pd.DataFrame([_cell(1, "linear", 8.5, 8.0, 9.0, 8.0), _cell(2, "relu", 9.0, 8.5, 9.5, 15.0)])
    row = evaluate_one("capacity", _decl("relu-beyond-d"), StudyResult(tables={"cells": cells}))
    assert row.kind == "finding" and row.measured == "L=2 d=8: N* = 9.0 [8.50, 9.50], d + 1/2 = 8.5"


NEGATIVE_KEYS = ("negative-tanh-d8-L2", "negative-relu-d8-L2", "negative-tanh-d16-L2", "negative-tanh-d16-L3")


def _negatives(n_star: float, attempts: int, successes: int, not_run: str = "") -> StudyResult:
    return StudyResult(tables={"negatives": pd.DataFrame([{
        "key": "negative-tanh-d8-L2", "activation": "tanh", "width": 8, "depth": 2, "target": 15, "n_star": n_star,
        "bound": 16.0, "n_points": 15, "method": "lm", "attempts": attempts, "successes": successes,
        "cp_upper": claims.neg.cp_upper(successes, max(attempts, 1)), "certified": False, "median_residual": 1e-2,
        "max_rank_deficit": 3, "not_run": not_run}])})


def test_negative_rows_are_consistency_checks_at_both_scales_and_not_tested_at_quick() -> None:
    """The bound and the targets are ours, so the rows are consistency checks, never a paper's claim."""
    for scale in ("quick", "full"):
        c, k, _ = declarations(claims, scale)
        assert {d.key for d in k if d.key.startswith("negative")} == set(NEGATIVE_KEYS)
        assert not {d.key for d in c if d.key.startswith("negative")}
    for key in NEGATIVE_KEYS:
        row = evaluate_one("capacity", _decl(key), StudyResult(tables={}))
        assert row.kind == "consistency" and row.verdict == Verdict.NOT_RUN
        assert "not tested at this scale" in row.measured and "depthlab capacity negative" in row.measured
        assert "2000" in row.rule and "Clopper–Pearson" in row.rule and "1e-3" in row.rule.replace("0.001", "1e-3")
        assert "2407.02540" in row.source


@pytest.mark.parametrize(("n_star", "attempts", "successes", "verdict"), [
    (12.1, 2999, 0, Verdict.PASSES),      # certified negative
    (12.1, 2000, 0, Verdict.FAILS),    # CP bound 1.5e-3: not certified
    (12.1, 3000, 5, Verdict.FAILS),
    (15.2, 0, 0, Verdict.PASSES),         # target reached, no negative test needed
])
def test_negative_rule_from_the_counts(n_star, attempts, successes, verdict) -> None:
    result = _negatives(n_star, attempts, successes, "" if attempts else "per-data-set N* reaches the target")
    assert _verdict("negative-tanh-d8-L2", result) == verdict


def test_negative_not_run_is_not_tested() -> None:
    row = evaluate_one("capacity", _decl("negative-tanh-d8-L2"), _negatives(12.0, 0, 0, "gain chosen on seed 0"))
    assert row.verdict == Verdict.NOT_RUN and "gain chosen on seed 0" in row.measured


# ----------------------------------------------------------------------------------------------------------------
# The unit-wise rows: the ratio from the unit-wise L = 2 cell over the grid's L = 1 cell, the targets, the ReLU
# cross-check against the grid's optimiser


def _unitwise_result(n_star: float, low: float, high: float, *, activation: str = "relu", grid_only: int = 0,
                     width: int = 8) -> StudyResult:
    bound = 2 * width - 1 if activation == "relu" else 2 * width
    cells = pd.DataFrame([_cell(1, "linear", 8.5, 8.0, 9.0, 8.0, width=width)])
    uw = pd.DataFrame([{**_cell(2, activation, n_star, low, high, bound, width=width), "trials": 16}])
    curves = pd.DataFrame([{"activation": activation, "width": width, "bias": False, "n_points": n, "fitted": f,
                            "trials": 16}
                           for n, f in ((bound - 1, 6), (bound, 0))])
    paired = pd.DataFrame([{"activation": activation, "width": width, "bias": False, "n_points": 12, "data_sets": 8,
                            "fitted_unitwise": 6, "fitted_grid": 2, "grid_only": grid_only}])
    return StudyResult(tables={"cells": cells, "unitwise": uw, "unitwise_curves": curves,
                               "unitwise_paired": paired})


def test_unitwise_ratio_claim_uses_the_unitwise_cell() -> None:
    # N*(2) = 13 [12.5, 13.5] over N*(1) = 8.5 [8, 9]: ratio 1.53, interval [12.5/9, 13.5/8] = [1.39, 1.69]
    row = evaluate_one("capacity", _decl("ratio-relu-d8-unitwise"), _unitwise_result(13.0, 12.5, 13.5))
    assert row.verdict == Verdict.DIFFERS and "1.53 [1.39, 1.69]" in row.measured
    # [16/9, 17/8] = [1.78, 2.13] meets [1.8, 2.2]
    assert _verdict("ratio-relu-d8-unitwise", _unitwise_result(16.5, 16.0, 17.0)) == Verdict.HOLDS
    assert _verdict("ratio-relu-d8-unitwise", StudyResult(tables={"cells": pd.DataFrame(
        [_cell(1, "linear", 8.5, 8.0, 9.0, 8.0)])})) == Verdict.NOT_TESTED


@pytest.mark.parametrize(("n_star", "verdict"), [(13.0, Verdict.PASSES), (12.9, Verdict.FAILS)])
def test_unitwise_target_rule(n_star, verdict) -> None:
    row = evaluate_one("capacity", _decl("unitwise-target-relu-d8"), _unitwise_result(n_star, n_star - 0.4,
                                                                                       n_star + 0.4))
    assert row.verdict == verdict
    assert "at N = 14: 6/16" in row.measured and "exact negative" in row.measured


def test_unitwise_target_shows_a_rejected_logistic_model_beside_the_verdict() -> None:
    """Where the deviance test rejects the logistic curve (gof_p < GOF_ALPHA = 0.01) the row gives the model-free
    crossing beside the logistic N*; the verdict is still the rule's, on the logistic N*."""
    res = _unitwise_result(12.94, 12.83, 13.05)
    res.tables["unitwise"] = res.tables["unitwise"].assign(method="logistic", gof_p=1.4e-6, n_star_interp=13.245,
                                                           n_star_interp_low=13.10, n_star_interp_high=13.37)
    row = evaluate_one("capacity", _decl("unitwise-target-relu-d8"), res)
    assert row.verdict == Verdict.FAILS
    assert "deviance p = 1.4e-06" in row.measured and "model-free crossing 13.24 [13.10, 13.37]" in row.measured
    res.tables["unitwise"] = res.tables["unitwise"].assign(gof_p=0.2)
    assert "model-free" not in evaluate_one("capacity", _decl("unitwise-target-relu-d8"), res).measured


def test_unitwise_relu_cross_check_fails_on_a_contradiction() -> None:
    assert _verdict("unitwise-relu-decision-vs-optimiser", _unitwise_result(13, 12.5, 13.5)) == Verdict.PASSES
    assert _verdict("unitwise-relu-decision-vs-optimiser",
                    _unitwise_result(13, 12.5, 13.5, grid_only=1)) == Verdict.FAILS


def test_biased_unitwise_ratio_uses_the_biased_one_layer_cell() -> None:
    """The biased row divides by the biased L = 1 cell (y = Wx + b fits d + 1 points: N* 9.5 [9, 10]), never by the
    bias-free one (8.5): 16.95 [16.93, 16.98] / 9.5 [9, 10] = 1.78 [1.69, 1.89], which meets [1.8, 2.2]."""
    cells = pd.DataFrame([_cell(1, "linear", 8.5, 8.0, 9.0, 8.0), _cell(1, "linear", 9.5, 9.0, 10.0, 9.0, bias=True)])
    uw = pd.DataFrame([{**_cell(2, "relu", 16.95, 16.93, 16.98, 17.0, bias=True), "trials": 64}])
    res = StudyResult(tables={"cells": cells, "unitwise": uw})
    row = evaluate_one("capacity", _decl("ratio-relu-d8-bias-unitwise", "full"), res)
    assert row.verdict == Verdict.HOLDS and "1.78 [1.69, 1.89]" in row.measured
    assert evaluate_one("capacity", _decl("ratio-relu-d8-unitwise", "full"), res).verdict == Verdict.NOT_TESTED
