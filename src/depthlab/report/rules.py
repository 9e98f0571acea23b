"""Measured values and the verdict rules that judge them (one rule object decides *and* describes).

:class:`Value` is one measured item (with its standard error, interval, per-item reference and scale);
:func:`measured` bundles items with the text the report shows. A :class:`Rule` decides one item
(:meth:`Rule.passes`) and writes the sentence saying what it checks (:meth:`Rule.describe`), so a claim's verdict
and its note cannot drift. Rules: :class:`AtMost`, :class:`AtLeast`, :class:`Exceeds`, :class:`Within`,
:class:`Inside`, :class:`Overlaps`. Claims using them are declared in :mod:`depthlab.report.claims`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
