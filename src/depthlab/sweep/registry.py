"""The registry of sweepable studies.

A study becomes sweepable by describing, in a :class:`Sweepable`, how to run a *list* of trial configurations
as one stacked job (``run_job``), which trials may share a job (``pack_key``) and its parameter defaults.
Built-in sweepables are listed in :data:`BUILTIN_SWEEPABLES` as ``"module:attribute"`` paths, imported lazily
so that a worker process only imports the study it runs; other packages add theirs through the
``depthlab.sweepables`` entry-point group. Adding a study is one line here plus a :class:`Sweepable` next to
the study's code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import torch

from depthlab.errors import ConfigError

#: ``run_job(configs, device) -> DataFrame``: one row per trial, in order, or any number of rows per trial
#: with a ``trial_index`` column (0-based position in ``configs``).
RunJob = Callable[[Sequence[Mapping[str, Any]], torch.device], pd.DataFrame]
#: ``pack_key(config) -> key``: trials with equal keys may run as one stacked job.
PackKey = Callable[[Mapping[str, Any]], Hashable]


@dataclass(frozen=True)
class Sweepable:
    """How the sweep engine runs one study.

    Attributes:
        name: the study's name in specs and on the command line (``study = "toy"``).
        run_job: runs a list of trial configs (all with the same :attr:`pack_key`) as one stacked job on a
            device. Randomness must derive from each trial's own config (never from its position in the job or
            from the worker), so a trial's result is the same however trials are packed or wherever they run.
        pack_key: the shape key; trials with equal keys may share a job.
        defaults: every parameter the study accepts with its default; a spec may only name these.
        description: one line for ``depthlab sweep studies``.
        volatile_columns: result columns that legitimately differ between runs (wall-clock timings);
            everything else must be identical whichever executor ran the job.
        max_trials_per_job: default cap on the trials packed into one job (memory bound).
    """

    name: str
    run_job: RunJob
    pack_key: PackKey
    defaults: Mapping[str, Any]
    description: str = ""
    volatile_columns: tuple[str, ...] = ()
    max_trials_per_job: int = 64
    validate: Callable[[Mapping[str, Any]], None] | None = field(default=None, compare=False)


#: Built-in sweepables, by name, as ``"module:attribute"`` paths (imported on first use).
BUILTIN_SWEEPABLES: dict[str, str] = {
    "toy": "depthlab.sweep.toy:SWEEPABLE",
    "matexp-depth": "depthlab.sweep.matexp_depth:SWEEPABLE",
    "capacity": "depthlab.sweep.capacity:SWEEPABLE",
    "committee": "depthlab.sweep.committee:SWEEPABLE",
}

ENTRY_POINT_GROUP = "depthlab.sweepables"

_extra: dict[str, Sweepable] = {}


def register(sweepable: Sweepable) -> Sweepable:
    """Register a sweepable at run time (tests, notebooks). Built-in names cannot be replaced."""
    if sweepable.name in BUILTIN_SWEEPABLES:
        raise ConfigError(f"sweepable {sweepable.name!r} is built in; pick another name")
    _extra[sweepable.name] = sweepable
    return sweepable


def _load(path: str) -> Sweepable:
    module, _, attr = path.partition(":")
    obj = getattr(importlib.import_module(module), attr or "SWEEPABLE")
    if not isinstance(obj, Sweepable):
        raise TypeError(f"{path} is not a depthlab Sweepable")
    return obj


@functools.cache
def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def sweepable_names() -> list[str]:
    """Names of every known sweepable (built-in, entry points, registered at run time)."""
    return sorted({*BUILTIN_SWEEPABLES, *_entry_points(), *_extra})


def get_sweepable(name: str) -> Sweepable:
    """The sweepable called ``name``.

    Raises:
        ConfigError: no study of that name is sweepable; the message lists the ones that are.
    """
    if name in _extra:
        return _extra[name]
    path = BUILTIN_SWEEPABLES.get(name) or _entry_points().get(name)
    if path is None:
        raise ConfigError(f"unknown study {name!r} in the sweep spec; sweepable studies: "
                          f"{', '.join(sweepable_names())}")
    return _load_cached(path)


@functools.cache
def _load_cached(path: str) -> Sweepable:
    return _load(path)
