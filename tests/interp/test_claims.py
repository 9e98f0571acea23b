"""The study's own measurement logic can make its claims fail: each declaration judged on a copy of the tiny
run's tables with one number moved across its rule."""

from __future__ import annotations

import copy

import pytest

from depthlab.interp import claims
from depthlab.interp.theory.neuron_counts import shallow_lower_bound
from depthlab.report.claims import Verdict, evaluate_one
from depthlab.report.types import StudyResult

DECLS = {d.key: d for d in (*claims.CLAIMS, *claims.CONSISTENCY, *claims.FINDINGS)}


def _verdict(result: StudyResult, key: str):
    return evaluate_one("interp", DECLS[key], result)


@pytest.fixture
def result(tiny_result) -> StudyResult:
    """A deep copy of the tiny run to perturb."""
    return StudyResult(tables={k: v.copy() for k, v in tiny_result.tables.items()},
                       config=copy.deepcopy(tiny_result.config))


def test_every_row_is_declared_once() -> None:
    assert len(DECLS) == len(claims.CLAIMS) + len(claims.CONSISTENCY) + len(claims.FINDINGS) == 20
    assert {c.source.kind for c in claims.CLAIMS} == {"paper"}
    assert {c.source.kind for c in claims.CONSISTENCY} == {"self"}


def test_a_residual_above_the_tolerance_fails_its_construction(result) -> None:
    assert _verdict(result, "exact-grouped").verdict == Verdict.HOLDS
    t = result.tables["constructions"]
    t.loc[(t["part"] == "grid") & (t["construction"] == "grouped") & (t["N"] == 30), "residual"] = 1.01e-10
    row = _verdict(result, "exact-grouped")
    assert row.verdict == Verdict.DIFFERS and row.failed == ("grouped N=30 d=2",)


def test_depth_advantage_fails_on_neurons_residual_or_accuracy(result) -> None:
    d = result.tables["depth"]
    result.tables["depth"] = t = d[d["N"] == 100].copy()  # N = 100: every interpolant is exact
    assert _verdict(result, "depth-advantage").verdict == Verdict.HOLDS
    grouped = t["construction"] == "grouped"
    t.loc[grouped, "neurons_built"] = shallow_lower_bound(100)  # as many as one hidden layer needs: no advantage
    row = _verdict(result, "depth-advantage")
    assert row.verdict == Verdict.DIFFERS and row.failed == ("N=100: grouped neurons",)
    t.loc[grouped, "neurons_built"] = shallow_lower_bound(100) - 1  # one fewer is an advantage
    assert _verdict(result, "depth-advantage").verdict == Verdict.HOLDS
    t.loc[t["construction"] == "windowed", "residual"] = 2e-10
    t.loc[t["construction"] == "classifier", "accuracy"] = 0.99
    assert _verdict(result, "depth-advantage").failed == ("N=100: windowed residual",
                                                          "N=100: classifier training error")


def test_trained_sparsity_needs_strictly_sparser_last_layer(result) -> None:
    t = result.tables["trained_layers"]
    deep = t["depth"] == t["depth"].max()
    first = t[deep & (t["layer"] == 1)].set_index(["data", "model"])["zero_fraction"]
    last = deep & (t["layer"] == t[deep]["layer"].max())
    tie = [first[(r.data, r.model)] for r in t[last].itertuples()]
    t.loc[last, "zero_fraction"] = tie  # equal sparsity: not "sparser"
    row = _verdict(result, "trained-sparsity")
    assert row.verdict == Verdict.DIFFERS and set(row.failed) == {"clusters", "digits"}
    one = (t[last]["points"] * t[last]["width"]).to_numpy()
    t.loc[last, "zero_fraction"] = [z + 1.0 / n for z, n in zip(tie, one, strict=True)]  # one more zero per model
    assert _verdict(result, "trained-sparsity").verdict == Verdict.HOLDS


def test_consistency_checks_can_fail(result) -> None:
    c = result.tables["constructions"]
    c.loc[c.index[0], "residual"] = 2 * c.loc[c.index[0], "rounding_bound"]
    assert _verdict(result, "residual-below-rounding-bound").verdict == Verdict.FAILS
    c.loc[c.index[1], "hidden_neurons"] += 1
    row = _verdict(result, "neurons-equal-formula")
    assert row.verdict == Verdict.FAILS and len(row.failed) == 1
    s = result.tables["sparsity"]
    last = s.index[-1]
    s.loc[last, "max_nnz_row"] = 3  # a point activating a third neuron of the classifier's last layer
    assert _verdict(result, "sparse-by-construction").failed == ("classifier last layer: inactive share of its "
                                                                 "densest row",)
    big = c["part"] == "large"
    c.loc[big, "residual"] = 0.0
    assert _verdict(result, "float64-large-n").verdict == Verdict.PASSES
    c.loc[big & (c["construction"] == "windowed"), "residual"] = 1.5e-10
    assert _verdict(result, "float64-large-n").failed == ("windowed",)


def test_digits_claim_fails_on_one_misclassified_point(result) -> None:
    assert _verdict(result, "digits-classified").verdict == Verdict.HOLDS
    result.tables["digits_classifier"].loc[0, "accuracy"] = 1 - 1 / 120
    assert _verdict(result, "digits-classified").verdict == Verdict.DIFFERS
