"""The interp constructions as a sweepable study: one trial = one construction built on one random data set.

A trial ``{construction, N, d, outputs, seed}`` is one row of :func:`depthlab.interp.experiment.construction_sweep`:
N points in R^d and targets with ``outputs`` columns drawn from ``numpy_rng(seed, N, d)`` (class labels, K = 10,
from ``numpy_rng(seed, N, d, 1)``), the construction built with a fresh ``numpy_rng(seed, N, d, 2)``. Every draw
derives from the trial's own config, so a trial gives the same row in any job, packed with any other trials, on
any executor; only ``seconds`` (wall time) differs from run to run. Trials on data of one shape (N, d, outputs)
share a job. The constructions are float64 NumPy; the device is not used.

Example: ``depthlab sweep run --study interp --grid construction=triangular,grouped,windowed --grid N=1000,3000``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from depthlab.interp.experiment import construction_trial
from depthlab.interp.theory.build import NAMES
from depthlab.sweep.registry import Sweepable
from depthlab.validate import choice, positive_int

DEFAULTS: dict[str, Any] = {"construction": "triangular", "N": 100, "d": 3, "outputs": 1, "seed": 0}


def _validate(config: Mapping[str, Any]) -> None:
    choice(config["construction"], "construction", NAMES)
    for name in ("N", "d", "outputs"):
        positive_int(config[name], f"interp study: {name}")
    positive_int(config["seed"], "interp study: seed", minimum=0)


def pack_key(config: Mapping[str, Any]) -> tuple[int, int, int]:
    """Trials on data of the same shape (N, d, outputs) share a job."""
    return int(config["N"]), int(config["d"]), int(config["outputs"])


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """:func:`~depthlab.interp.experiment.construction_trial` for every trial (``device`` is not used: float64
    NumPy); one row per trial, with ``trial_index``, ``outputs`` and ``seed``."""
    rows = [construction_trial(str(c["construction"]), int(c["N"]), int(c["d"]), int(c["seed"]), int(c["outputs"]))
            | {"outputs": int(c["outputs"]), "seed": int(c["seed"]), "trial_index": i}
            for i, c in enumerate(configs)]
    return pd.DataFrame(rows)


SWEEPABLE = Sweepable(
    name="interp",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="interp: one exact construction on N random points in R^d (residual, rounding bound, neurons)",
    volatile_columns=("seconds",),
    max_trials_per_job=16,
    validate=_validate,
)
