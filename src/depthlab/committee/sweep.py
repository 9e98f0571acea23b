"""The committee-machine capacity cells of :mod:`depthlab.committee` as a sweepable study.

A trial is one cell of :func:`depthlab.committee.experiment.run_sweep`: one (activation, weights, algorithm, K,
N, α) with ``instances`` storage problems × ``restarts`` starts, trained as one stacked batch (Adam through
the shared engine, least-action learning, or simulated annealing for binary weights). ``N`` is nominal and
rounded to the nearest multiple of K exactly as ``depthlab committee run`` does, and the cell description is
:meth:`SweepConfig.cell`, so a trial's rows are the rows ``committee run`` writes for that cell: instance data
derive from ``(seed, activation, weights, K, N, P, instance)`` and initialisations from ``(…, restart)``
only, never from the job a trial is packed in or the worker it runs on. Trials of one shape (everything but
``seed``, ``alpha`` and ``instances``) share a job; each trial is still its own stacked call.

A full-scale spec (the ``full`` preset on a GPU cluster)::

    study = "committee"
    [params]
    activation = "sign"
    algorithm = "least-action"
    steps = 5000
    instances = 64
    [grid]
    K = [1, 3, 7, 15, 31]
    N = [256, 512, 1024]
    alpha = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from depthlab.committee.experiment import SweepConfig, run_cell
from depthlab.committee.model import adjusted_N
from depthlab.sweep.registry import Sweepable

_SKIP = {"Ks", "Ns", "alphas", "chunk"}
DEFAULTS: dict[str, Any] = {"K": 4, "N": 64, "alpha": 1.0}
DEFAULTS.update({f.name: f.default for f in dataclasses.fields(SweepConfig) if f.name not in _SKIP})
_SHAPE = tuple(k for k in DEFAULTS if k not in ("seed", "alpha", "instances"))


def sweep_config(config: Mapping[str, Any]) -> SweepConfig:
    """The one-cell :class:`SweepConfig` of a trial (validates every field with the study's messages)."""
    kw = {k: config[k] for k in DEFAULTS if k not in ("K", "N", "alpha")}
    return SweepConfig(Ks=(int(config["K"]),), Ns=(int(config["N"]),), alphas=(float(config["alpha"]),), **kw)


def cell_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The trial's cell, exactly as ``committee run`` builds it (N rounded to a multiple of K)."""
    K = int(config["K"])
    return sweep_config(config).cell(K, adjusted_N(int(config["N"]), K), float(config["alpha"]))


def _validate(config: Mapping[str, Any]) -> None:
    cell_of(config)


def pack_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """Same machine, algorithm and budget: the same work per instance."""
    return tuple(config[k] for k in _SHAPE)


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """:func:`run_cell` for every trial; rows carry ``trial_index`` and ``seed`` (one row per instance)."""
    frames = [run_cell(cell_of(c), device, int(SweepConfig.chunk)).assign(trial_index=i, seed=int(c["seed"]))
              for i, c in enumerate(configs)]
    return pd.concat(frames, ignore_index=True)


SWEEPABLE = Sweepable(
    name="committee",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="committee: P(all alpha*N patterns stored) of tree committee machines (ReLU/sign, spherical/"
    "binary) for one (K, N, alpha) cell",
    volatile_columns=("seconds",),
    max_trials_per_job=4,
    validate=_validate,
)
