"""Claims, consistency checks and findings; the reproduction runner and its report.

A study plugs in through :mod:`depthlab.registry` (a :class:`~depthlab.registry.Study` naming its experiment,
claims, figures, CLI and sweepable); this package evaluates its declarations (:mod:`depthlab.report.claims`)
and renders the report (:mod:`depthlab.report.render`).
"""

from depthlab.report.claims import (
    AtLeast,
    AtMost,
    Claim,
    Exceeds,
    Finding,
    Inside,
    Measurement,
    NotMeasured,
    Overlaps,
    Row,
    Rule,
    Source,
    Value,
    Verdict,
    Within,
    evaluate,
    external,
    measured,
    ours,
    paper,
)
from depthlab.report.types import FigureSpec, Scale, StudyContext, StudyResult

__all__ = [
    "AtLeast",
    "AtMost",
    "Claim",
    "Exceeds",
    "FigureSpec",
    "Finding",
    "Inside",
    "Measurement",
    "NotMeasured",
    "Overlaps",
    "Row",
    "Rule",
    "Scale",
    "Source",
    "StudyContext",
    "StudyResult",
    "Value",
    "Verdict",
    "Within",
    "evaluate",
    "external",
    "measured",
    "ours",
    "paper",
]
