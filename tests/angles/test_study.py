"""Study registration, the lazy package, and the claims' rules: each study-specific measurement can fail."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from depthlab.angles import claims
from depthlab.angles.study import STUDY
from depthlab.registry import BUILTIN_STUDIES
from depthlab.report.claims import Verdict, check_declarations, evaluate_one
from depthlab.report.types import StudyResult


def test_registered_and_light():
    assert "depthlab.angles.study:STUDY" in BUILTIN_STUDIES
    assert STUDY.name == "angles" and STUDY.load("cli") is not None
    assert STUDY.load("sweepable").name == "angles"
    code = "import sys, depthlab.angles.study, depthlab.angles; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_declarations_sit_in_their_tables():
    check_declarations("angles", claims.CLAIMS, claims.CONSISTENCY, claims.FINDINGS)
    assert {c.key for c in claims.CONSISTENCY} == {"full-network-vs-markov"}
    # widths and a small-n step the paper does not show are findings, not claims judged against the paper
    assert {f.key for f in claims.FINDINGS} == {"varying-widths", "other-activations", "mean-law-width64",
                                               "mean-law-width16", "one-step-small-width"}


def _decl(key):
    return next(d for d in (*claims.CLAIMS, *claims.CONSISTENCY) if d.key == key)


def _sweep(alg1_last: float) -> StudyResult:
    t = pd.DataFrame({"width": [256, 256], "layer": [0, 50], "markov_mean": [0.0, -5.0], "markov_sem": [0.0, 0.02],
                      "alg1_mean": [0.0, alg1_last], "inf_width": [0.0, -3.7], "full_mean": [np.nan] * 2,
                      "full_sem": [np.nan] * 2, "collapsed": [0, 0]})
    return StudyResult(tables={"width_sweep": t})


def test_mean_law_rule():
    # tolerance = 5 % of the decay (0.25) + 3 SE (0.06) = 0.31
    c = _decl("mean-law-width256")
    assert evaluate_one("angles", c, _sweep(-5.2)).verdict == Verdict.HOLDS
    assert evaluate_one("angles", c, _sweep(-5.4)).verdict == Verdict.DIFFERS
    assert evaluate_one("angles", c, _sweep(-4.6)).verdict == Verdict.DIFFERS  # two-sided


def _ks_result(p_authors: list[float]) -> StudyResult:
    n = len(p_authors)
    seeds = pd.DataFrame({"seed": range(n), "layer": 30, "samples": 5000, "d_ours": 0.02, "p_ours": 0.01,
                          "d_authors": 0.02, "p_authors": p_authors})
    own = pd.DataFrame({"test": ["markov", "full"], "layer": 30, "statistic": 0.02, "p": [0.02, 0.01]})
    setup = pd.DataFrame([{"seed": 0, "markov_paths": 5000, "full_networks": 128}])
    return StudyResult(tables={"ks_seeds": seeds, "figure1_ks": own, "figure1_setup": setup})


def test_ks_rule_judges_the_paper_p_against_the_spread():
    c = _decl("ks-layer30")  # paper: p = 0.186
    wide = list(np.linspace(0.01, 0.9, 20))
    assert evaluate_one("angles", c, _ks_result(wide)).verdict == Verdict.HOLDS
    high = list(np.linspace(0.3, 0.99, 20))  # the paper's p below the 2.5 % quantile
    row = evaluate_one("angles", c, _ks_result(high))
    assert row.verdict == Verdict.DIFFERS and "central 95 %" in row.rule


def _bessel(worst: float, mismatch: bool) -> StudyResult:
    j = pd.DataFrame({"a": [1, 2], "b": [2, 3], "theta": [0.1, 0.2], "rel_error": [1e-16, worst]})
    o = pd.DataFrame({"a": [2, 3], "b": [0, 1], "P": [3, 6], "A001498": [3, 7 if mismatch else 6]})
    return StudyResult(tables={"bessel_j": j, "bessel_oeis": o})


def test_bessel_rule():
    c = _decl("bessel-identity")
    assert c.kind == "claim" and c.source.kind == "external"
    assert evaluate_one("angles", c, _bessel(6e-10, False)).verdict == Verdict.HOLDS
    assert evaluate_one("angles", c, _bessel(2e-9, False)).verdict == Verdict.DIFFERS
    assert evaluate_one("angles", c, _bessel(1e-12, True)).verdict == Verdict.DIFFERS


@pytest.mark.parametrize(("rho", "p", "verdict"), [(0.8, 0.001, Verdict.HOLDS), (0.4, 0.14, Verdict.DIFFERS),
                                                   (-0.8, 0.001, Verdict.DIFFERS)])
def test_training_rule_needs_a_positive_significant_rho(rho, p, verdict):
    s = {"spearman_finite": rho, "p_finite": p, "spearman_infinite": 0.1, "p_infinite": 0.7, "architectures": 15,
         "replicates": 3, "epochs": 3}
    assert evaluate_one("angles", _decl("training-link"), StudyResult(values={"training": s})).verdict == verdict


def test_under_prediction_rule():
    t = pd.DataFrame({"width": [16, 16], "layer": [0, 50], "markov_mean": [0.0, -5.0], "markov_sem": [0.0, 0.1],
                      "inf_width": [0.0, -4.75]})
    c = _decl("infinite-width-under-predicts")
    assert evaluate_one("angles", c, StudyResult(tables={"width_sweep": t})).verdict == Verdict.DIFFERS  # 2.5 SE
    t.loc[1, "inf_width"] = -4.65
    assert evaluate_one("angles", c, StudyResult(tables={"width_sweep": t})).verdict == Verdict.HOLDS
