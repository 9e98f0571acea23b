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
                                                                 for w in (8, 16, 32)}
    assert {d.key for d in f if d.key.startswith("ratio")} == {f"ratio-tanh-d{w}" for w in (8, 16, 32)}
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
