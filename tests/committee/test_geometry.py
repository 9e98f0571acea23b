"""The geometry comparison (plain vs replicated solutions, ReLU vs sign) and its claim rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from depthlab.committee import claims
from depthlab.committee.claims import GEOMETRY_D
from depthlab.committee.geometry import GeometrySettings, cases, geometry
from depthlab.report.claims import Verdict, declarations, evaluate_one
from depthlab.report.types import StudyResult

TINY = GeometrySettings(steps=200, draws=2, distances=(0.0, GEOMETRY_D, 0.05), input_sigmas=(0.5,))


@pytest.fixture(scope="module")
def tiny():
    return geometry(0.5, 24, 4, settings=TINY, seed=3, only=("both",))


def test_cases_equal_load() -> None:
    c = cases(1.0)
    assert [x["comparison"] for x in c] == ["both", "equal-alpha", "equal-load"]
    relu, _, load = c
    assert relu["alpha_rs"] == pytest.approx(2.4745, abs=2e-3) and load["alpha_rs"] == pytest.approx(4.0252, abs=1e-4)
    assert load["alpha"] / load["alpha_rs"] == pytest.approx(relu["alpha"] / relu["alpha_rs"], rel=1e-4)


def test_table_columns_and_se(tiny) -> None:
    summary, per = tiny
    for col in ("activation", "K", "N", "alpha", "alpha_rs", "load", "comparison", "algorithm", "perturbation",
                "level", "instances", "solutions", "error", "error_se", "frac_solutions", "frac_solutions_se",
                "centre_solved", "replica_overlap", "replica_overlap_se"):
        assert col in summary.columns, col
    assert set(summary["algorithm"]) == {"adam-engine", "replicated", "replicated-uncoupled"}
    assert set(summary["perturbation"]) == {"distance", "input"}
    assert {"instance", "solved", "error"} <= set(per.columns)
    dist = summary[summary["perturbation"] == "distance"]
    assert len(dist) == 3 * len(TINY.distances)
    for r in dist.itertuples():
        assert r.solutions >= 2, "the tiny problems (α = 0.5, N = 24) should be solved"
        assert math.isfinite(r.error_se) and r.error_se >= 0
        if r.level == 0:
            assert r.error == 0 and r.frac_solutions == 1  # solutions store every pattern
    rep = summary[summary["algorithm"] != "adam-engine"]
    assert np.isfinite(rep["replica_overlap"]).all() and (rep["replica_overlap"] <= 1 + 1e-9).all()


def test_reproducible(tiny) -> None:
    summary, per = tiny
    again, per2 = geometry(0.5, 24, 4, settings=TINY, seed=3, only=("both",))
    pd.testing.assert_frame_equal(summary, again)
    pd.testing.assert_frame_equal(per, per2)


def _decl(key: str):
    cl, _, _ = declarations(claims, "quick")
    return next(d for d in cl if d.key == key)


def _per_instance(plain: float, robust: float, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for alg, mean in (("adam-engine", plain), ("replicated", robust)):
        for i in range(n):
            rows.append({"activation": "relu", "K": 4, "N": 60, "alpha": 1.0, "comparison": "both",
                         "algorithm": alg, "instance": i, "solved": True, "perturbation": "distance",
                         "level": GEOMETRY_D, "error": mean + 0.01 * rng.standard_normal()})
    return pd.DataFrame(rows)


def _summary(per: pd.DataFrame) -> pd.DataFrame:
    g = per.groupby(["activation", "K", "N", "alpha", "comparison", "algorithm", "perturbation", "level"])
    out = g["error"].agg(["mean", "std", "count"]).reset_index()
    return out.assign(error=out["mean"], error_se=out["std"] / np.sqrt(out["count"]), solutions=out["count"],
                      load=0.4)


@pytest.mark.parametrize(("plain", "robust", "verdict"), [
    (0.18, 0.14, Verdict.HOLDS),     # robust clearly flatter
    (0.15, 0.15, Verdict.DIFFERS),   # no difference
    (0.14, 0.18, Verdict.DIFFERS),   # robust sharper
])
def test_flatter_rule(plain: float, robust: float, verdict: Verdict) -> None:
    per = _per_instance(plain, robust)
    res = StudyResult(tables={"geometry_instances": per, "geometry": _summary(per)})
    row = evaluate_one("committee", _decl("geometry-flatter-relu-equal-alpha"), res)
    assert row.verdict == verdict, row.measured
    assert "> 0 + 2 SE" in row.rule


@pytest.mark.parametrize(("sign_error", "verdict"), [(0.20, Verdict.HOLDS), (0.14, Verdict.DIFFERS),
                                                     (0.10, Verdict.DIFFERS)])
def test_relu_vs_sign_rule(sign_error: float, verdict: Verdict) -> None:
    rows = [{"activation": a, "K": K, "N": 60, "alpha": alpha, "comparison": comp, "algorithm": "replicated",
             "perturbation": "distance", "level": GEOMETRY_D, "error": e, "error_se": 0.01, "solutions": 16,
             "load": 0.4} for a, K, alpha, comp, e in (("relu", 4, 1.0, "both", 0.14),
                                                      ("sign", 3, 1.63, "equal-load", sign_error))]
    row = evaluate_one("committee", _decl("geometry-relu-vs-sign-equal-load"),
                       StudyResult(tables={"geometry": pd.DataFrame(rows)}))
    assert row.verdict == verdict, row.measured


def test_not_tested_without_solutions() -> None:
    per = _per_instance(0.18, 0.14).assign(solved=False)
    row = evaluate_one("committee", _decl("geometry-flatter-relu-equal-alpha"),
                       StudyResult(tables={"geometry_instances": per, "geometry": _summary(per)}))
    assert row.verdict == Verdict.NOT_TESTED


def test_coupling_finding_reports(tiny) -> None:
    summary, per = tiny
    _, _, finds = declarations(claims, "quick")
    row = evaluate_one("committee", finds[0], StudyResult(tables={"geometry": summary, "geometry_instances": per}))
    assert row.verdict == Verdict.REPORTED and "relu equal-alpha" in row.measured
