"""The study registry.

Built-in studies are listed in :data:`BUILTIN_STUDIES` as ``"module:attribute"`` paths to a
:class:`~depthlab.report.types.Study`. Other packages add studies through the ``depthlab.studies`` entry-point group
(``name = "package.module:STUDY"`` in their ``pyproject.toml``). Adding a study never touches the report code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata

from depthlab.errors import ConfigError
from depthlab.report.types import Study

#: Built-in studies, in report order.
BUILTIN_STUDIES: tuple[str, ...] = (
    "depthlab.matexp.study:STUDY",
    "depthlab.capacity.study:STUDY",
)

ENTRY_POINT_GROUP = "depthlab.studies"


def _load(path: str) -> Study:
    module, _, attr = path.partition(":")
    study = getattr(importlib.import_module(module), attr or "STUDY")
    if not isinstance(study, Study):
        raise TypeError(f"{path} is not a depthlab Study")
    return study


@functools.cache
def available_studies() -> dict[str, Study]:
    """All registered studies by name: built-ins first, then entry points."""
    studies: dict[str, Study] = {}
    for path in BUILTIN_STUDIES:
        study = _load(path)
        studies[study.name] = study
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        study = ep.load()
        if isinstance(study, Study) and study.name not in studies:
            studies[study.name] = study
    return studies


def get_study(name: str) -> Study:
    """The study called ``name``; the error lists the registered ones."""
    studies = available_studies()
    if name not in studies:
        raise ConfigError(f"unknown study {name!r}; registered studies: {', '.join(studies)}")
    return studies[name]
