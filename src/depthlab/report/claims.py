"""Claims as data: a statement, its source, what is measured and a rule that decides the verdict.

A study declares each claim once (in its ``claims.py``)::

    Claim(
        key="one-layer-gap",
        statement="A one-layer network Y = W·X cannot solve the same two equations",
        source=paper("Gai & Zhang, arXiv 2407.02540, abstract"),
        expected="only one equation solvable",
        quantity="the smallest one-layer least-squares residual",
        rule=AtLeast(1e-6, why="an exact fit would sit at rounding level, ~1e-15"),
        measure=lambda r: measured(f"{gap:.3f}", Value(gap)),   # from the study's tables
    )

The *rule object* decides the verdict **and** writes the sentence saying how it was decided
(:meth:`Rule.describe`), so the two cannot drift. :func:`evaluate` turns a study's declarations and its
results into :class:`Row` objects of three kinds, shown apart in the report:

* **claims** — judged against a source outside our code (a paper's printed value, an author's code, an
  independent formula): ``holds`` / ``differs`` / ``not tested`` / ``error``;
* **consistency checks** — our code against our own derivation (:func:`ours` sources): ``passes`` /
  ``fails``; shown and tested, never counted as a paper's claim holding;
* **findings** — answers the lab gives beyond the papers, with their evidence: ``reported``.

Rules: :class:`AtMost`, :class:`AtLeast`, :class:`Exceeds` (above a bound by more than k SE), :class:`Within`
(two-sided, with an absolute, relative, scaled and standard-error tolerance), :class:`Inside` (a reference
inside the measured interval), :class:`Overlaps` (the measured interval meets a target interval). A measurement
holds one or more :class:`Value` items; the rule must pass for each, except for at most ``allow_failures`` of
them.
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from depthlab.report.rules import (
    AtLeast,
    AtMost,
    Exceeds,
    Inside,
    Measurement,
    NotMeasured,
    Overlaps,
    Rule,
    Value,
    Within,
    measured,
)

__all__ = [
    "AtLeast", "AtMost", "Claim", "Declaration", "Exceeds", "Finding", "Inside", "Measurement", "NotMeasured",
    "Overlaps", "Row", "Rule", "Source", "Value", "Verdict", "Within", "check_declarations", "declarations",
    "error_row", "evaluate", "evaluate_one", "external", "measured", "ours", "paper",
]

SourceKind = Literal["paper", "external", "self"]
RowKind = Literal["claim", "consistency", "finding"]


# ----------------------------------------------------------------------------------------------------------
# Sources


@dataclass(frozen=True)
class Source:
    """Where a claim's reference value comes from.

    Attributes:
        kind: ``"paper"`` (the study's paper: section, equation, figure), ``"external"`` (an outside code, an
            independent formula or another paper) or ``"self"`` (our own derivation: a consistency check).
        cite: the citation, precise enough to find the number (section / equation / figure / file).
    """

    kind: SourceKind
    cite: str

    def __post_init__(self) -> None:
        if self.kind not in ("paper", "external", "self"):
            raise ValueError(f"source kind must be paper, external or self, got {self.kind!r}")
        if not self.cite.strip():
            raise ValueError("a source needs a citation")

    def __str__(self) -> str:
        return self.cite


def paper(cite: str) -> Source:
    """A value printed in (or stated by) the study's paper; cite section, equation or figure."""
    return Source("paper", cite)


def external(cite: str) -> Source:
    """A value from outside our code: an author's code (file), an independent formula or another paper."""
    return Source("external", cite)


def ours(derivation: str) -> Source:
    """Our own derivation or construction: rows with this source are consistency checks, not claims."""
    return Source("self", derivation)


# ----------------------------------------------------------------------------------------------------------
# Declarations

Measure = Callable[[Any], Measurement]


@dataclass(frozen=True)
class Claim:
    """A claim (or, with an :func:`ours` source, a consistency check), declared once.

    Attributes:
        key: stable identifier within the study (``"closed-form-exact"``).
        statement: the claim, in words.
        source: :func:`paper`, :func:`external` or :func:`ours`.
        expected: the source's value or statement, as shown ("exact (residual 0)", "p = 0.987").
        quantity: what is measured, in words; the rule's sentence is built from it.
        rule: the :class:`Rule` that decides.
        measure: ``measure(result) -> Measurement`` from the study's result (its tables); raises
            :class:`NotMeasured` where this scale does not measure the claim.
        allow_failures: how many items may fail the rule while the claim still holds.
        note: caveats (protocol, scale) shown beside the rule; never a second statement of the rule.
    """

    key: str
    statement: str
    source: Source
    expected: str
    quantity: str
    rule: Rule
    measure: Measure
    allow_failures: int = 0
    note: str = ""

    @property
    def kind(self) -> RowKind:
        return "consistency" if self.source.kind == "self" else "claim"

    def rule_text(self) -> str:
        """How the verdict is decided, in words (from the rule object)."""
        head = "passes" if self.kind == "consistency" else "holds"
        every = "" if self.allow_failures == 0 else f" (at most {self.allow_failures} item(s) may fail)"
        return f"{head} when {self.rule.describe(self.quantity)}{every}"


@dataclass(frozen=True)
class Finding:
    """An answer the lab gives beyond the papers, with its evidence (no verdict).

    Attributes:
        key: stable identifier within the study.
        question: what is asked ("How many equations does depth L solve?").
        evidence: how the answer was obtained (method, budget, what would make it wrong).
        measure: ``measure(result) -> Measurement``; its text is the answer.
    """

    key: str
    question: str
    evidence: str
    measure: Measure


Declaration = Claim | Finding


class Verdict(enum.StrEnum):
    """Verdicts of the three row kinds."""

    HOLDS = "holds"
    DIFFERS = "differs"
    NOT_TESTED = "not tested"
    PASSES = "passes"
    FAILS = "fails"
    NOT_RUN = "not run"
    REPORTED = "reported"
    ERROR = "error"


@dataclass(frozen=True)
class Row:
    """One evaluated row of the report (claims, consistency or findings table)."""

    kind: RowKind
    study: str
    key: str
    statement: str
    source: str
    expected: str
    measured: str
    verdict: Verdict
    rule: str
    note: str = ""
    failed: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "study": self.study, "key": self.key, "statement": self.statement,
                "source": self.source, "expected": self.expected, "measured": self.measured,
                "verdict": str(self.verdict), "rule": self.rule, "note": self.note,
                "failed": "; ".join(self.failed)}


ROW_COLUMNS = ("kind", "study", "key", "statement", "source", "expected", "measured", "verdict", "rule", "note",
               "failed")


def _judge(claim: Claim, m: Measurement) -> tuple[bool, tuple[str, ...]]:
    if not m.values:
        raise ValueError(f"claim {claim.key!r}: the measurement has no values to judge")
    failed = tuple(v.label or f"item {i}" for i, v in enumerate(m.values) if not claim.rule.passes(v))
    return len(failed) <= claim.allow_failures, failed


def evaluate_one(study: str, decl: Declaration, result: Any) -> Row:
    """Evaluate one declaration against a study's result (errors become ``error`` rows)."""
    if isinstance(decl, Finding):
        try:
            text = decl.measure(result).text
            verdict = Verdict.REPORTED
        except NotMeasured as exc:
            text, verdict = f"not measured here: {exc}", Verdict.NOT_RUN
        except Exception as exc:  # a broken measurement must not hide the other rows
            text, verdict = f"{type(exc).__name__}: {exc}", Verdict.ERROR
            traceback.print_exc()
        return Row("finding", study, decl.key, decl.question, "beyond the papers (depthlab)", "—", text,
                   verdict, decl.evidence)
    consistency = decl.kind == "consistency"
    failed: tuple[str, ...] = ()
    try:
        m = decl.measure(result)
        ok, failed = _judge(decl, m)
        text = m.text
        if consistency:
            verdict = Verdict.PASSES if ok else Verdict.FAILS
        else:
            verdict = Verdict.HOLDS if ok else Verdict.DIFFERS
    except NotMeasured as exc:
        text = f"not measured here: {exc}"
        verdict = Verdict.NOT_RUN if consistency else Verdict.NOT_TESTED
    except Exception as exc:
        text, verdict = f"{type(exc).__name__}: {exc}", Verdict.ERROR
        traceback.print_exc()
    return Row(decl.kind, study, decl.key, decl.statement, str(decl.source), decl.expected, text, verdict,
               decl.rule_text(), decl.note, failed)


def check_declarations(study: str, claims: Iterable[Declaration], consistency: Iterable[Declaration],
                       findings: Iterable[Declaration]) -> None:
    """Raise ``ValueError`` if a declaration sits in the wrong list or two share a key.

    ``CLAIMS`` may hold only claims with a paper or external source, ``CONSISTENCY`` only claims with an
    :func:`ours` source, ``FINDINGS`` only :class:`Finding` objects.
    """
    keys: set[str] = set()
    for name, decls, ok in (
        ("CLAIMS", claims, lambda d: isinstance(d, Claim) and d.kind == "claim"),
        ("CONSISTENCY", consistency, lambda d: isinstance(d, Claim) and d.kind == "consistency"),
        ("FINDINGS", findings, lambda d: isinstance(d, Finding)),
    ):
        for d in decls:
            if not ok(d):
                raise ValueError(f"{study}: {d.key!r} does not belong in {name} (a claim needs a paper or "
                                 "external source, a consistency check an ours() source, a finding is a Finding)")
            if d.key in keys:
                raise ValueError(f"{study}: two declarations share the key {d.key!r}")
            keys.add(d.key)


def declarations(module: Any, scale: str) -> tuple[list[Declaration], list[Declaration], list[Declaration]]:
    """``(CLAIMS, CONSISTENCY, FINDINGS)`` of a study's claims module (each a sequence, or a function of the
    scale returning one), checked by :func:`check_declarations`."""
    def get(name: str) -> list[Declaration]:
        obj = getattr(module, name, ())
        return list(obj(scale) if callable(obj) else obj)

    out = get("CLAIMS"), get("CONSISTENCY"), get("FINDINGS")
    check_declarations(getattr(module, "__name__", "study"), *out)
    return out


def evaluate(study: str, decls: Sequence[Declaration], result: Any) -> list[Row]:
    """Evaluate declarations in order (the shared runner every study uses)."""
    return [evaluate_one(study, d, result) for d in decls]


def error_row(study: str, title: str, paper_cite: str, error: str) -> Row:
    """The row shown when a study itself failed to run."""
    return Row("claim", study, "study-ran", f"{title}: study ran", paper_cite, "—", f"failed: {error}",
               Verdict.ERROR, "the study must run to completion")
