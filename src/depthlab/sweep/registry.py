"""Sweepable studies, found through the one study registry (:mod:`depthlab.registry`).

A study becomes sweepable by describing, in a :class:`Sweepable` next to its own code (``<study>/sweep.py``),
how to run a *list* of trial configurations as one stacked job (``run_job``), which trials may share a job
(``pack_key``) and its parameter defaults, and naming it in its :class:`~depthlab.registry.Study`
(``sweepable="depthlab.<study>.sweep:SWEEPABLE"``). The sweep engine knows studies only through that registry
(imported lazily, so a worker process only imports the study it runs). The sweep engine's own test study
``toy`` and sweepables registered at run time (:func:`register`, for tests and notebooks) come on top.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from depthlab import registry
from depthlab.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    import torch

#: ``run_job(configs, device) -> DataFrame``: one row per trial, in order, or any number of rows per trial
#: with a ``trial_index`` column (0-based position in ``configs``).
RunJob = Callable[[Sequence[Mapping[str, Any]], "torch.device"], "pd.DataFrame"]
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


#: Sweepables that are not studies: the sweep engine's own deterministic test study.
ENGINE_SWEEPABLES: dict[str, str] = {"toy": "depthlab.sweep.toy:SWEEPABLE"}

_extra: dict[str, Sweepable] = {}


def _study_paths(aliases: bool = True) -> dict[str, str]:
    """Sweepable name (and, with ``aliases``, older spellings) → ``"module:attribute"`` for every registered
    study that has one, plus the engine's own."""
    out: dict[str, str] = dict(ENGINE_SWEEPABLES)
    for study in registry.studies().values():
        if study.sweepable is not None:
            for name in (study.name, *(study.aliases if aliases else ())):
                out[name] = study.sweepable
    return out


def register(sweepable: Sweepable) -> Sweepable:
    """Register a sweepable at run time (tests, notebooks). Registered study names cannot be replaced."""
    if sweepable.name in _study_paths():
        raise ConfigError(f"sweepable {sweepable.name!r} is built in; pick another name")
    _extra[sweepable.name] = sweepable
    return sweepable


def sweepable_names(*, aliases: bool = False) -> list[str]:
    """Names of every known sweepable (studies, the engine's toy, registered at run time; older spellings
    with ``aliases=True``)."""
    return sorted({*_study_paths(aliases), *_extra})


def get_sweepable(name: str) -> Sweepable:
    """The sweepable called ``name``.

    Raises:
        ConfigError: no study of that name is sweepable; the message lists the ones that are.
    """
    if name in _extra:
        return _extra[name]
    path = _study_paths().get(name)
    if path is None:
        raise ConfigError(f"unknown study {name!r} in the sweep spec; sweepable studies: "
                          f"{', '.join(sweepable_names())}")
    return _load_cached(path)


@functools.cache
def _load_cached(path: str) -> Sweepable:
    obj = registry.load_object(path, "SWEEPABLE")
    if not isinstance(obj, Sweepable):
        raise TypeError(f"{path} is not a depthlab Sweepable")
    return obj
