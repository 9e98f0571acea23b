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
import math
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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
# Measurements


@dataclass(frozen=True)
class Value:
    """One measured item a rule judges.

    Attributes:
        x: the measured number.
        se: its standard error (NaN if none).
        low, high: an interval around it (a confidence interval), NaN if none.
        ref: a per-item reference (e.g. the theory's prediction for this item) used when the rule has none.
        scale: a per-item scale for :class:`Within`'s ``frac`` tolerance (e.g. the size of an effect).
        label: names the item in failure messages (``"d=8, tanh"``).
    """

    x: float
    se: float = math.nan
    low: float = math.nan
    high: float = math.nan
    ref: float = math.nan
    scale: float = math.nan
    label: str = ""


@dataclass(frozen=True)
class Measurement:
    """What a claim's ``measure`` returns: the items the rule judges and the text shown as "ours"."""

    values: tuple[Value, ...]
    text: str


def measured(text: str, *values: Value | float) -> Measurement:
    """A :class:`Measurement` from its text and items (plain numbers become ``Value(x)``)."""
    items = tuple(v if isinstance(v, Value) else Value(float(v)) for v in values)
    return Measurement(items, text)


class NotMeasured(Exception):
    """Raised by a ``measure`` function when this scale does not measure the claim; the message says where
    (which command or scale) it is measured."""


# ----------------------------------------------------------------------------------------------------------
# Rules


def _num(x: float) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.4g}"


def _why(why: str) -> str:
    return f" ({why})" if why else ""


class Rule:
    """A verdict rule: :meth:`passes` decides one item, :meth:`describe` says in words what it checks.

    Subclasses are frozen dataclasses; their fields are fixed when the claim is declared, before any data.
    """

    def passes(self, value: Value) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self, quantity: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def _ref(own: float | None, value: Value) -> float:
        ref = value.ref if own is None else own
        if math.isnan(ref):
            raise ValueError("the rule needs a reference value (in the rule, or Value.ref)")
        return ref


def _se(value: Value, k: float) -> float:
    if k == 0:
        return 0.0
    if math.isnan(value.se):
        raise ValueError("the rule allows k standard errors but the value has no standard error")
    return k * value.se


@dataclass(frozen=True)
class AtMost(Rule):
    """``x ≤ bound + k_se·SE`` (``bound=None``: each item's ``ref``)."""

    bound: float | None = None
    k_se: float = 0.0
    why: str = ""

    def passes(self, value: Value) -> bool:
        return bool(value.x <= self._ref(self.bound, value) + _se(value, self.k_se))

    def describe(self, quantity: str) -> str:
        bound = "its reference" if self.bound is None else _num(self.bound)
        se = f" + {self.k_se:g} SE" if self.k_se else ""
        return f"{quantity} ≤ {bound}{se}{_why(self.why)}"


@dataclass(frozen=True)
class AtLeast(Rule):
    """``x ≥ bound − k_se·SE`` (``bound=None``: each item's ``ref``)."""

    bound: float | None = None
    k_se: float = 0.0
    why: str = ""

    def passes(self, value: Value) -> bool:
        return bool(value.x >= self._ref(self.bound, value) - _se(value, self.k_se))

    def describe(self, quantity: str) -> str:
        bound = "its reference" if self.bound is None else _num(self.bound)
        se = f" − {self.k_se:g} SE" if self.k_se else ""
        return f"{quantity} ≥ {bound}{se}{_why(self.why)}"


@dataclass(frozen=True)
class Exceeds(Rule):
    """``x − k_se·SE > bound``: the measurement lies above ``bound`` by more than ``k_se`` standard errors (the
    strict direction, for claims that something *grows* or *is larger*; :class:`AtLeast` only loosens)."""

    bound: float
    k_se: float = 2.0
    why: str = ""

    def passes(self, value: Value) -> bool:
        return bool(value.x - _se(value, self.k_se) > self.bound)

    def describe(self, quantity: str) -> str:
        return f"{quantity} > {_num(self.bound)} + {self.k_se:g} SE{_why(self.why)}"


@dataclass(frozen=True)
class Within(Rule):
    """Two-sided agreement: ``|x − ref| ≤ atol + rtol·|ref| + frac·scale + k_se·SE``.

    Attributes:
        ref: the reference (``None``: each item's ``Value.ref``).
        atol, rtol: absolute and relative tolerance.
        frac: a fraction of each item's ``Value.scale`` (say what the scale is in ``frac_of``).
        k_se: standard errors of the measurement.
        why: where the tolerance comes from (machine precision, a rounding bound, Monte Carlo error, …).
    """

    ref: float | None = None
    atol: float = 0.0
    rtol: float = 0.0
    frac: float = 0.0
    frac_of: str = ""
    k_se: float = 0.0
    why: str = ""

    def __post_init__(self) -> None:
        if min(self.atol, self.rtol, self.frac, self.k_se) < 0:
            raise ValueError("tolerances must be ≥ 0")
        if self.frac and not self.frac_of:
            raise ValueError("a frac tolerance must say what it is a fraction of (frac_of)")

    def tolerance(self, value: Value) -> float:
        ref = self._ref(self.ref, value)
        tol = self.atol + self.rtol * abs(ref) + _se(value, self.k_se)
        if self.frac:
            if math.isnan(value.scale):
                raise ValueError("the rule has a frac tolerance but the value has no scale")
            tol += self.frac * abs(value.scale)
        return tol

    def passes(self, value: Value) -> bool:
        return bool(abs(value.x - self._ref(self.ref, value)) <= self.tolerance(value))

    def describe(self, quantity: str) -> str:
        ref = "its reference" if self.ref is None else _num(self.ref)
        parts = []
        if self.atol:
            parts.append(_num(self.atol))
        if self.rtol:
            parts.append(f"{self.rtol:g}·|reference|")
        if self.frac:
            parts.append(f"{100 * self.frac:g} % of {self.frac_of}")
        if self.k_se:
            parts.append(f"{self.k_se:g} SE")
        tol = " + ".join(parts) if parts else "0"
        return f"|{quantity} − {ref}| ≤ {tol}{_why(self.why)}"


@dataclass(frozen=True)
class Inside(Rule):
    """The reference lies in the measured interval: ``low ≤ ref ≤ high`` (``ref=None``: ``Value.ref``)."""

    ref: float | None = None
    why: str = ""

    def passes(self, value: Value) -> bool:
        if math.isnan(value.low) or math.isnan(value.high):
            raise ValueError("Inside needs a measured interval (Value.low, Value.high)")
        return bool(value.low <= self._ref(self.ref, value) <= value.high)

    def describe(self, quantity: str) -> str:
        ref = "the reference" if self.ref is None else _num(self.ref)
        return f"{ref} lies inside the measured interval of {quantity}{_why(self.why)}"


@dataclass(frozen=True)
class Overlaps(Rule):
    """The measured interval ``[low, high]`` meets the target interval ``[target_low, target_high]``."""

    target_low: float
    target_high: float
    why: str = ""

    def passes(self, value: Value) -> bool:
        if math.isnan(value.low) or math.isnan(value.high):
            raise ValueError("Overlaps needs a measured interval (Value.low, Value.high)")
        return bool(value.low <= self.target_high and value.high >= self.target_low)

    def describe(self, quantity: str) -> str:
        return (f"the interval of {quantity} meets [{_num(self.target_low)}, {_num(self.target_high)}]"
                f"{_why(self.why)}")


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
