"""The one study registry: what ``depthlab reproduce``, ``depthlab sweep`` and the CLI know about studies.

A study registers a :class:`Study`: a name, a title, the paper, and *where* its parts live, as
``"module:attribute"`` strings that are imported only when a part is used. Listing the studies (``depthlab
--help``, ``depthlab studies``) therefore imports nothing heavy, and a sweep worker imports only the study it
runs.

Built-in studies are listed in :data:`BUILTIN_STUDIES`; other packages add theirs through the
``depthlab.studies`` entry-point group (``name = "package.module:STUDY"`` in their ``pyproject.toml``). One
loader, :func:`studies`, serves every consumer. Layering: this module is foundation (standard library only).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from depthlab.errors import ConfigError

#: Built-in studies, in report order, as ``"module:attribute"`` paths of their :class:`Study`.
BUILTIN_STUDIES: tuple[str, ...] = (
    "depthlab.matexp.study:STUDY",
    "depthlab.capacity.study:STUDY",
    "depthlab.interp.study:STUDY",
    "depthlab.angles.study:STUDY",
    "depthlab.committee.study:STUDY",
)

ENTRY_POINT_GROUP = "depthlab.studies"


def load_object(path: str, default_attr: str | None = None) -> Any:
    """Import ``"package.module:attribute"`` (``attribute`` may be dotted) and return the object."""
    module, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in (attr or default_attr or "").split("."):
        if part:
            obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Study:
    """A registered study: metadata plus lazy references to its parts.

    Attributes:
        name: short identifier: the CLI group (``depthlab <name> …``), the report folder and the sweep name.
        title: one-line title.
        paper: citation of the paper the claims come from.
        experiment: ``"module:function"`` of ``run(ctx: StudyContext) -> StudyResult`` (tables, config).
        claims: ``"module"`` holding ``CLAIMS``, ``CONSISTENCY`` and ``FINDINGS`` (sequences, or functions
            of the scale returning sequences) of :mod:`depthlab.report.claims` declarations.
        figures: ``"module:FIGURES"``, a sequence of :class:`depthlab.report.types.FigureSpec`.
        cli: ``"module:app"`` of the study's Typer application (``depthlab <name> …``), or ``None``.
        sweepable: ``"module:SWEEPABLE"`` of its :class:`depthlab.sweep.registry.Sweepable`, or ``None``.
        aliases: other names accepted for the sweepable (older spellings in sweep specs).
        seconds: measured wall time of ``depthlab reproduce`` for this study by scale (``{"quick": 17.0}``) on
            an idle 2-core CPU, so a user knows before starting (:func:`estimate`).
    """

    name: str
    title: str
    paper: str
    experiment: str
    claims: str
    figures: str
    cli: str | None = None
    sweepable: str | None = None
    aliases: tuple[str, ...] = ()
    seconds: Mapping[str, float] = field(default_factory=dict)

    def load(self, part: str) -> Any:
        """Import and return one part: ``"experiment"``, ``"claims"``, ``"figures"``, ``"cli"`` or
        ``"sweepable"`` (``None`` where the study has none)."""
        path = getattr(self, part)
        if path is None:
            return None
        return load_object(path)


def _load_study(path: str) -> Study:
    study = load_object(path, "STUDY")
    if not isinstance(study, Study):
        raise TypeError(f"{path} is not a depthlab.registry.Study")
    return study


@functools.cache
def studies() -> dict[str, Study]:
    """Every registered study by name: built-ins first (report order), then entry points."""
    out: dict[str, Study] = {}
    for path in BUILTIN_STUDIES:
        study = _load_study(path)
        out[study.name] = study
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.value in BUILTIN_STUDIES:
            continue
        study = ep.load()
        if isinstance(study, Study) and study.name not in out:
            out[study.name] = study
    return out


def get_study(name: str) -> Study:
    """The study called ``name``.

    Raises:
        ConfigError: no such study; the message lists the registered ones.
    """
    known = studies()
    if name not in known:
        raise ConfigError(f"unknown study {name!r}; registered studies: {', '.join(known)}")
    return known[name]


def estimate(chosen: Sequence[Study], scale: str) -> tuple[float | None, dict[str, float | None]]:
    """Total and per-study wall-time estimates (seconds, idle 2-core CPU) of a reproduce run; ``None`` where a
    study has no measured estimate for ``scale``."""
    per = {s.name: s.seconds.get(scale) for s in chosen}
    total = None if any(v is None for v in per.values()) else float(sum(per.values()))  # type: ignore[arg-type]
    return total, per
