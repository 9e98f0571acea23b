"""The capacity study's (cell, N) points as a sweepable study.

A trial is one unit of work of :mod:`depthlab.capacity`: an architecture and sampling plan
(:class:`depthlab.capacity.config.CellConfig`) at N points, i.e. T data sets × R restarts fitted in one stacked
engine call by :func:`depthlab.capacity.success.run_point`. Its data and initialisations derive from (cell,
N, data set, restart) only (see :mod:`depthlab.capacity.config`), so a trial's rows are the same in any job and
on any executor. Trials of one shape (architecture, N, T, R, budget, init gain, method) differing in ``seed``
or ``tol`` share a job; each is still its own engine call (the engine keys a call's initialisations by one cell key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from depthlab.capacity.config import EXACT_TOL, CellConfig, check_n_points
from depthlab.capacity.success import run_point
from depthlab.sweep.registry import Sweepable

DEFAULTS: dict[str, Any] = {"depth": 2, "width": 8, "activation": "tanh", "bias": False, "n_points": 8,
                            "trials": 16, "restarts": 4, "seed": 0, "tol": EXACT_TOL, "max_steps": 0,
                            "lm_steps": 0, "lm_patience": 0, "init_gain": 0.0, "method": "lm"}
#: The :class:`CellConfig` fields a trial sets: the fitting method (any of ``capacity.config.METHODS``), the
#: initialisation gain and the LM budget travel with the architecture and plan (0: the engine defaults).
_CELL_FIELDS = ("depth", "width", "activation", "bias", "trials", "restarts", "seed", "tol", "max_steps",
                "lm_steps", "lm_patience", "init_gain", "method")


def cell_of(config: Mapping[str, Any]) -> CellConfig:
    """The :class:`CellConfig` of a trial (validates every field with the capacity study's messages)."""
    return CellConfig(**{k: config[k] for k in _CELL_FIELDS})


def _validate(config: Mapping[str, Any]) -> None:
    cell_of(config)
    check_n_points(config["n_points"])


def pack_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """Same architecture, N, T, R, budget, initialisation gain and fitting method: the same tensor shapes and
    work per trial (trials of different methods never share a job)."""
    cell = cell_of(config)
    return (cell.depth, cell.width, cell.activation, cell.bias, int(config["n_points"]), cell.trials,
            cell.restarts, cell.max_steps, cell.lm_steps, cell.lm_patience, cell.init_gain, cell.method)


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """:func:`run_point` for every trial; rows carry ``trial_index`` (T·R rows per trial)."""
    frames = [run_point(cell_of(c), int(c["n_points"]), device).assign(trial_index=i, seed=int(c["seed"]))
              for i, c in enumerate(configs)]
    return pd.concat(frames, ignore_index=True).rename(columns={"trial": "dataset"})


SWEEPABLE = Sweepable(
    name="capacity",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="capacity: P(exact fit) of T data sets x R restarts for one (L, d, sigma, bias) cell at N points",
    volatile_columns=("seconds",),
    max_trials_per_job=4,
    validate=_validate,
)
