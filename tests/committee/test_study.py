"""The committee study: registration, the declared claims (each rule can fail), and a run on a tiny preset."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import torch

from depthlab import registry
from depthlab.committee import claims, experiment, scales
from depthlab.committee.claims import RELU_CEILING
from depthlab.committee.rules import half_unit
from depthlab.report.claims import Exceeds, Value, Verdict, declarations, evaluate, evaluate_one
from depthlab.report.types import StudyContext, StudyResult, figure_specs

TINY = {
    "relu": {"Ks": (2, 4), "Ns": (16, 32), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "steps": 150},
    "sign": {"Ks": (1, 3), "Ns": (15, 30), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "steps": 150},
    "sign_la": {"Ks": (1, 3), "Ns": (15, 30), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "epochs": 100},
    "binary": {"Ns": (12,), "alphas": (0.2, 0.6, 1.2), "instances": 6, "sweeps": 30},
    "robust": {"N": 24, "alpha": 0.5, "machines": 6, "draws": 2, "steps": 200, "binary_N": 18,
               "binary_alpha": 0.2, "sweeps": 50},
    "geometry": {"N": 24, "alpha": 0.5, "instances": 3, "draws": 2, "steps": 100},
    "theory": {"relu_ks": (2, 4), "sign_ks": (3,)},
    "exact": {"Ns": (12, 16), "instances": 8},
}


def test_registered() -> None:
    study = registry.get_study("committee")
    assert study.load("cli") is not None and study.load("sweepable").name == "committee"
    assert study.load("experiment") is experiment.run


def testhalf_unit() -> None:
    assert half_unit(0.904) == pytest.approx(5e-4)
    assert half_unit(2.6643) == pytest.approx(5e-5)
    assert half_unit(2.0) == pytest.approx(0.5)


def test_declarations_per_scale() -> None:
    for scale in ("quick", "full"):
        cl, cons, finds = declarations(claims, scale)
        sc = scales.SCALES[scale]
        n_trans = len(sc["relu"]["Ks"]) + len(sc["sign"]["Ks"]) + len(sc["sign_la"]["Ks"]) + 2
        assert sum(c.key.startswith("transition-") for c in [*cl, *cons]) == n_trans
        assert all(c.source.kind == "external" for c in cl if c.key.startswith("transition-"))
        assert {c.key for c in cl if c.key.startswith("headline")} == {
            "headline-relu-finite", "headline-sign-diverges-adam-engine", "headline-sign-diverges-least-action"}
        assert [f.key for f in finds] == ["geometry-coupling-control"]
        assert {c.key for c in cl if c.key.startswith("geometry-")} == {
            "geometry-flatter-relu-equal-alpha", "geometry-flatter-sign-equal-alpha",
            "geometry-flatter-sign-equal-load", "geometry-relu-vs-sign-equal-load",
            "geometry-relu-vs-sign-equal-alpha"}


def test_exceeds_rule() -> None:
    rule = Exceeds(1.0, k_se=2)
    assert rule.passes(Value(1.5, se=0.2)) and not rule.passes(Value(1.4, se=0.2))
    assert rule.describe("q") == "q > 1 + 2 SE"
    with pytest.raises(ValueError, match="standard error"):
        rule.passes(Value(3.0))


def _ext(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    """An ``extrapolated`` table from (activation, algorithm, K, α_50, SE) rows (spherical, N = 64)."""
    return pd.DataFrame([{"activation": a, "weights": "spherical", "algorithm": alg, "K": K, "N_max": 64,
                          "alpha50_Nmax": x, "alpha50_Nmax_se": se, "alpha_inf": math.nan,
                          "alpha_inf_se": math.nan, "alpha_rs": 2.0 if K == 1 else 2.5}
                         for a, alg, K, x, se in rows])


def _decl(key: str, scale: str = "quick"):
    cl, cons, _ = declarations(claims, scale)
    return next(d for d in [*cl, *cons] if d.key == key)


@pytest.mark.parametrize(("relu", "verdict"), [
    ([(2, 0.8), (4, 1.3), (8, 1.75)], Verdict.DIFFERS),   # still growing by 0.45 ± 0.2 between the two largest K
    ([(2, 0.8), (4, 1.6), (8, 1.75)], Verdict.HOLDS),     # +0.15 ± 0.2: stopped growing
])
def test_headline_relu_rule_can_fail(relu, verdict) -> None:
    res = StudyResult(tables={"extrapolated": _ext([("relu", "adam-engine", K, x, 0.144) for K, x in relu])})
    row = evaluate_one("committee", _decl("headline-relu-finite"), res)
    assert row.verdict == verdict
    assert "≤ 0 + 2 SE" in row.rule


@pytest.mark.parametrize(("top", "verdict"), [(3.3, Verdict.HOLDS), (3.1, Verdict.DIFFERS)])
def test_headline_sign_rule_can_fail(top, verdict) -> None:
    res = StudyResult(tables={"extrapolated": _ext([("sign", "least-action", 1, 1.8, 0.1),
                                                    ("sign", "least-action", 7, top, 0.1)])})
    row = evaluate_one("committee", _decl("headline-sign-diverges-least-action"), res)
    assert row.verdict == verdict  # α_50 − 2 SE must exceed 2π/(π−1) = 2.934
    assert f"> {RELU_CEILING:.4g} + 2 SE" in row.rule


@pytest.mark.parametrize(("alpha50", "verdict"), [(2.6, Verdict.PASSES), (2.8, Verdict.FAILS)])
def test_transition_rule_can_fail(alpha50, verdict) -> None:
    res = StudyResult(tables={"extrapolated": _ext([("relu", "adam-engine", 4, alpha50, 0.1)])})
    row = evaluate_one("committee", _decl("transition-relu-spherical-adam-engine-K4"), res)
    assert row.kind == "consistency" and row.verdict == verdict  # α_RS = 2.5 in the synthetic table


def test_robustness_rule_can_fail() -> None:
    def table(sign_error: float) -> pd.DataFrame:
        return pd.DataFrame([{"activation": a, "weights": "spherical", "K": K, "perturbation": "input",
                              "level": 1.0, "error": e, "error_se": 0.01, "alpha": 1.0}
                             for a, K, e in (("relu", 4, 0.30), ("sign", 3, sign_error))])

    decl = _decl("robust-spherical-input")
    assert evaluate_one("committee", decl, StudyResult(tables={"robustness": table(0.40)})).verdict == Verdict.HOLDS
    assert evaluate_one("committee", decl, StudyResult(tables={"robustness": table(0.32)})).verdict == Verdict.DIFFERS


@pytest.mark.parametrize(("stored", "verdict"), [(240, Verdict.HOLDS), (220, Verdict.DIFFERS)])
def test_exact_cover_rule_can_fail(stored, verdict) -> None:
    # 512 problems at P = 2N: SE = sqrt(1/4 / 512) = 0.0221, so 3 SE = 0.0663 around 1/2 admits 222..290
    # stored problems: 240 (0.469) holds, 220 (0.430) differs.
    t = pd.DataFrame([{"activation": "sign", "weights": "spherical", "algorithm": "lp-exact", "K": 1, "N": 64,
                       "alpha": 2.0, "p_success": stored / 512, "instances": 512, "se": 0.0, "p_cover": 0.5}])
    row = evaluate_one("committee", _decl("perceptron-exact-cover"), StudyResult(tables={"exact_cover": t}))
    assert row.kind == "claim" and row.verdict == verdict


def test_theory_checks_can_fail() -> None:
    def table(alpha: float) -> pd.DataFrame:
        return pd.DataFrame([{"quantity": "alpha_1rsb", "activation": "relu", "weights": "spherical",
                              "K": math.inf, "ties": "error", "alpha": alpha, "stderr": 0.0}])

    decl = _decl("1rsb-relu-spherical")
    assert evaluate_one("committee", decl, StudyResult(tables={"theory": table(2.66428)})).verdict == Verdict.PASSES
    assert evaluate_one("committee", decl, StudyResult(tables={"theory": table(2.6650)})).verdict == Verdict.FAILS


def test_study_runs_on_tiny_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(scales.SCALES, "quick", TINY)
    stages: list[str] = []
    ctx = StudyContext(out_dir=tmp_path, scale="quick", seed=0, device=torch.device("cpu"),
                       progress=lambda stage, done, total: stages.append(stage))
    res = experiment.run(ctx)
    assert {"theory", "success", "transitions", "extrapolated", "robustness", "geometry",
            "geometry_instances", "exact_cover"} <= set(res.tables)
    assert list(res.tables["exact_cover"]["p_cover"]) == pytest.approx([0.5, 0.5], abs=1e-12)  # log-space sum
    assert set(res.tables["extrapolated"]["algorithm"]) == {"adam-engine", "least-action", "simulated-annealing"}
    assert "sweep relu-spherical" in stages and any(s.startswith("robustness") for s in stages)
    assert any(s.startswith("geometry") for s in stages)
    assert res.methods
    for fig in figure_specs(registry.get_study("committee").load("figures"), res):
        fig.draw(res)
    rows = [row for group in declarations(claims, "quick") for row in evaluate("committee", group, res)]
    assert not [r for r in rows if r.verdict == Verdict.ERROR], [r.measured for r in rows]
    rs = next(r for r in rows if r.key == "rs-relu-spherical")
    assert rs.kind == "consistency" and rs.verdict == Verdict.PASSES and rs.measured == "2.93388"
    two = next(r for r in rows if r.key == "rs-linear-spherical")
    assert two.kind == "claim" and two.verdict == Verdict.HOLDS

    def boom(*a, **k):
        raise AssertionError("recomputed a finished cell")

    monkeypatch.setattr(experiment, "run_cell", boom)  # resumable: a second run reuses every shard
    assert experiment.run(ctx).tables["transitions"].equals(res.tables["transitions"])
