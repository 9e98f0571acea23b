"""What a study's experiment hands to the report: its context in, its result and figures out.

A study's ``experiment.run(ctx: StudyContext) -> StudyResult`` computes tables (no verdicts); its claims module
declares the claims judged on that result (:mod:`depthlab.report.claims`); its figures module lists
:class:`FigureSpec` objects that draw from it. The report runner (:mod:`depthlab.report.reproduce`) ties them
together, so a study never builds report rows by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd
    import torch
    from matplotlib.figure import Figure

    from depthlab.registry import Study
    from depthlab.report.claims import Row

Scale = Literal["quick", "full"]


@dataclass(frozen=True)
class StudyContext:
    """What the runner gives a study.

    Attributes:
        out_dir: the study's own folder (shards, figures; tables are written by the runner).
        scale: ``"quick"`` (minutes on a 2-core CPU) or ``"full"`` (the published-scale run).
        seed: the root seed; derive all randomness from it.
        device: the torch device to compute on.
        progress: ``progress(stage, done, total)`` reports a stage's progress (the runner prints it).
    """

    out_dir: Path
    scale: Scale
    seed: int
    device: torch.device
    progress: Callable[[str, int, int], None] | None = None

    def report(self, stage: str, done: int = 0, total: int = 0) -> None:
        """Report progress of a stage (``done`` of ``total`` units; both 0 for "stage started")."""
        if self.progress is not None:
            self.progress(stage, done, total)


@dataclass
class StudyResult:
    """An experiment's result: tables (written as Parquet), scalar values, a summary and its config.

    Attributes:
        tables: named tables; every claim's measurement reads from these (or from ``values``).
        values: JSON-able scalars and small records that are not tables (e.g. a sanity check's counts).
        summary: a short paragraph for the report (what was run, the headline numbers).
        config: the configuration that produced it (recorded in the manifest).
        methods: how tuned knobs were chosen (tuning seeds vs evaluation seeds, budgets), for the report's
            methods section.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    methods: str = ""


@dataclass(frozen=True)
class FigureSpec:
    """A figure the report shows: ``draw(result) -> Figure`` saved at ``path`` (relative to the study folder).

    ``when(result)`` (optional) says whether the figure applies to this result (e.g. a scale-dependent one).
    """

    path: str
    caption: str
    draw: Callable[[StudyResult], Figure]
    when: Callable[[StudyResult], bool] | None = None


Figures = tuple[FigureSpec, ...] | Callable[[StudyResult], tuple[FigureSpec, ...]]


def figure_specs(figures: Figures | Mapping[str, Any] | None, result: StudyResult) -> list[FigureSpec]:
    """The figures that apply to ``result`` (``FIGURES`` may be a sequence or a function of the result)."""
    if figures is None:
        return []
    specs = figures(result) if callable(figures) else figures
    return [f for f in specs if f.when is None or f.when(result)]


@dataclass
class StudyReport:
    """One study's part of the report: its result and rows, or the error that stopped it."""

    study: Study
    seconds: float
    result: StudyResult | None = None
    rows: list[Row] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)
    error: str | None = None

    @property
    def folder(self) -> str:
        return self.study.name
