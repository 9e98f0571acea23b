"""Rule objects decide verdicts and write their own sentence; each rule type can fail; rows land in the right
table; a broken measurement becomes an error row, not a crash."""

from __future__ import annotations

import math

import pytest

from depthlab import registry
from depthlab.report.claims import (
    AtLeast,
    AtMost,
    Claim,
    Exceeds,
    Finding,
    Inside,
    NotMeasured,
    Overlaps,
    Value,
    Verdict,
    Within,
    check_declarations,
    declarations,
    evaluate_one,
    external,
    measured,
    ours,
    paper,
)


def _claim(rule, *values, source=None, allow_failures=0, measure=None):
    return Claim(key="k", statement="s", source=source or paper("P, eq. 1"), expected="e", quantity="q",
                 rule=rule, measure=measure or (lambda r: measured("text", *values)),
                 allow_failures=allow_failures)


# Each rule type: one value that passes and one that fails, decided by the rule alone.
CASES = [
    (AtMost(1.0), Value(1.0), Value(1.0 + 1e-12)),
    (AtMost(1.0, k_se=2), Value(1.9, se=0.5), Value(2.1, se=0.5)),
    (AtMost(), Value(3.0, ref=3.0), Value(3.1, ref=3.0)),
    (AtLeast(0.01), Value(0.01), Value(0.0099)),
    (AtLeast(2.0, k_se=1), Value(1.6, se=0.5), Value(1.4, se=0.5)),
    (Exceeds(2.0, k_se=2), Value(3.1, se=0.5), Value(3.0, se=0.5)),
    (Within(2.0, atol=0.1), Value(2.09), Value(2.11)),
    (Within(2.0, rtol=0.1), Value(1.8), Value(1.79)),
    (Within(k_se=3), Value(1.3, se=0.1, ref=1.0), Value(1.31, se=0.1, ref=1.0)),
    (Within(frac=0.05, frac_of="the decay", k_se=0), Value(10.5, ref=10.0, scale=10.0),
     Value(10.6, ref=10.0, scale=10.0)),
    (Inside(0.5), Value(0.4, low=0.3, high=0.5), Value(0.4, low=0.3, high=0.49)),
    (Overlaps(1.8, 2.2), Value(1.5, low=1.2, high=1.8), Value(1.5, low=1.2, high=1.79)),
]


@pytest.mark.parametrize(("rule", "good", "bad"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_each_rule_type_can_fail(rule, good, bad) -> None:
    assert evaluate_one("t", _claim(rule, good), None).verdict == Verdict.HOLDS
    row = evaluate_one("t", _claim(rule, bad), None)
    assert row.verdict == Verdict.DIFFERS
    assert row.failed == ("item 0",)


def test_rule_writes_the_note() -> None:
    c = _claim(Within(2.0, atol=0.2, why="the paper's 'about twice'"), Value(2.0))
    assert c.rule_text() == "holds when |q − 2| ≤ 0.2 (the paper's 'about twice')"
    c = _claim(AtMost(2.934, k_se=2), Value(1.0, se=0.1))
    assert c.rule_text() == "holds when q ≤ 2.934 + 2 SE"
    assert _claim(AtLeast(0.01), Value(1.0), source=ours("our formula")).rule_text().startswith("passes when")


def test_allow_failures_and_labels() -> None:
    vals = [Value(0.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")]
    row = evaluate_one("t", _claim(AtMost(1.0), *vals, allow_failures=1), None)
    assert row.verdict == Verdict.DIFFERS and row.failed == ("b", "c")
    row = evaluate_one("t", _claim(AtMost(1.0), *vals[:2], allow_failures=1), None)
    assert row.verdict == Verdict.HOLDS and row.failed == ("b",)


def test_row_kinds_and_verdict_words() -> None:
    assert evaluate_one("t", _claim(AtMost(1.0), Value(0.0), source=external("code.jl")), None).kind == "claim"
    row = evaluate_one("t", _claim(AtMost(1.0), Value(2.0), source=ours("our derivation")), None)
    assert row.kind == "consistency" and row.verdict == Verdict.FAILS
    f = Finding("f", "how many?", "method", lambda r: measured("three"))
    row = evaluate_one("t", f, None)
    assert row.kind == "finding" and row.verdict == Verdict.REPORTED and row.measured == "three"


def test_not_measured_and_errors() -> None:
    def absent(r):
        raise NotMeasured("at full scale")

    def broken(r):
        return {}["missing"]

    assert evaluate_one("t", _claim(AtMost(1.0), measure=absent), None).verdict == Verdict.NOT_TESTED
    assert evaluate_one("t", _claim(AtMost(1.0), measure=absent, source=ours("x")), None).verdict == Verdict.NOT_RUN
    row = evaluate_one("t", _claim(AtMost(1.0), measure=broken), None)
    assert row.verdict == Verdict.ERROR and "KeyError" in row.measured
    # a rule that needs an SE on a value without one is an error, not a silent pass
    assert evaluate_one("t", _claim(AtMost(1.0, k_se=2), Value(0.5)), None).verdict == Verdict.ERROR
    assert evaluate_one("t", _claim(AtMost(1.0)), None).verdict == Verdict.ERROR  # nothing to judge


def test_declarations_in_the_wrong_list_are_refused() -> None:
    self_claim = _claim(AtMost(1.0), Value(0.0), source=ours("our formula"))
    with pytest.raises(ValueError, match="does not belong in CLAIMS"):
        check_declarations("t", [self_claim], [], [])
    with pytest.raises(ValueError, match="does not belong in CONSISTENCY"):
        check_declarations("t", [], [_claim(AtMost(1.0), Value(0.0))], [])
    with pytest.raises(ValueError, match="share the key"):
        check_declarations("t", [_claim(AtMost(1.0)), _claim(AtLeast(1.0))], [], [])
    with pytest.raises(ValueError, match="frac_of"):
        Within(1.0, frac=0.1)
    assert math.isnan(Value(1.0).se)


@pytest.mark.parametrize("name", list(registry.studies()))
@pytest.mark.parametrize("scale", ["quick", "full"])
def test_no_self_sourced_row_in_any_claims_table(name, scale) -> None:
    """Every study's CLAIMS cite a paper or an outside source; our own derivations are consistency checks."""
    claims, consistency, findings = declarations(registry.get_study(name).load("claims"), scale)
    assert claims, f"{name} declares no claims"
    assert all(c.source.kind in ("paper", "external") for c in claims)
    assert all(c.source.kind == "self" for c in consistency)
    assert all(isinstance(f, Finding) for f in findings)
