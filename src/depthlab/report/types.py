"""The types a study hands to the report: claims, figures, tables.

A study is a :class:`Study`: a name, a citation and a pure-ish ``run(ctx) -> StudyOutput``. The report code only
ever sees these types, so a new study plugs in by registering a :class:`Study` (see :mod:`depthlab.report.registry`)
without touching the report.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

if TYPE_CHECKING:
    import torch
    import typer

Scale = Literal["quick", "full"]


class Verdict(enum.StrEnum):
    """How a measured value compares with the paper's."""

    HOLDS = "holds"
    DIFFERS = "differs"
    NOT_TESTED = "not tested"
    ERROR = "error"


@dataclass(frozen=True)
class Claim:
    """One row of the claims table.

    Attributes:
        claim: the statement, in words.
        source: where it comes from (paper, section/equation/table); "beyond the paper" rows say so.
        paper_value: the paper's number or statement, as text.
        measured: depthlab's measurement, as text (with its uncertainty or tolerance).
        verdict: :class:`Verdict`.
        note: how the verdict was decided (the tolerance and where it comes from), or caveats.
    """

    claim: str
    source: str
    paper_value: str
    measured: str
    verdict: Verdict
    note: str = ""


@dataclass(frozen=True)
class FigureRef:
    """A figure file written by a study, with its caption. ``path`` is relative to the study's folder."""

    path: str
    caption: str


@dataclass
class StudyOutput:
    """What a study's run returns: claims, figures, tables (written as Parquet by the runner) and a summary."""

    claims: list[Claim] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: str = ""
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyContext:
    """What the runner gives a study.

    Attributes:
        out_dir: the study's own folder (figures go here; tables are written by the runner).
        scale: ``"quick"`` (minutes on a 2-core CPU) or ``"full"`` (the published-scale run).
        seed: the root seed; derive all randomness from it.
        device: the torch device to compute on.
    """

    out_dir: Path
    scale: Scale
    seed: int
    device: torch.device


@dataclass(frozen=True)
class Study:
    """A registered study.

    Attributes:
        name: short identifier, also the CLI group name (``depthlab <name> ...``).
        title: one-line title.
        paper: citation of the paper the claims come from.
        run: ``run(ctx) -> StudyOutput``, the quick/full reproduction.
        cli: the study's Typer sub-application, added to ``depthlab`` as ``depthlab <name>``.
    """

    name: str
    title: str
    paper: str
    run: Callable[[StudyContext], StudyOutput]
    cli: typer.Typer | None = None
