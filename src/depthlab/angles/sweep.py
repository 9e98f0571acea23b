"""The angle study as a sweepable: one trial is one Monte Carlo cell, its rows the per-layer statistics.

A trial is ``(theta0, width, depth, networks, method, activation, sigma_b, seed)``: ``networks`` random networks
(``method = "full"``, :func:`~depthlab.angles.montecarlo.simulate_full`) or exact Markov-chain paths
(``"markov"``, :func:`~depthlab.angles.markov.simulate_markov`) of ``depth`` layers of ``width`` neurons at input
angle θ_0 (Jakub & Nica, arXiv 2302.09712, Table 2 setting; other activations and biases beyond the paper). Its
randomness is the trial's own ``seed`` through the simulators' seed blocks (network m depends only on (seed, m)),
never its position in a job, so a trial gives the same rows however it is packed or wherever it runs — the rows
:func:`cell_rows` gives for the direct call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from depthlab.activations import get
from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full
from depthlab.angles.simcore import AngleRun, check_bias, check_networks, check_theta0, check_widths
from depthlab.angles.theory.layer_arrays import mean_path
from depthlab.angles.theory.other_activations import quadrature_angles
from depthlab.sweep.registry import Sweepable
from depthlab.validate import choice

DEFAULTS: dict[str, Any] = {"theta0": 0.1, "width": 256, "depth": 30, "networks": 1000, "method": "markov",
                            "activation": "relu", "sigma_b": 0.0, "seed": 0}
METHODS = ("markov", "full")


def _validate(config: Mapping[str, Any]) -> None:
    check_theta0(config["theta0"])
    check_widths(int(config["width"]), int(config["depth"]))
    check_networks(config["networks"])
    choice(config["method"], "method", METHODS)
    get(config["activation"])
    check_bias(config["sigma_b"])


def pack_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """Cells of one simulator and shape share a job (each still runs from its own seed)."""
    return str(config["method"]), int(config["width"]), int(config["depth"])


def simulate_cell(config: Mapping[str, Any], device: str | torch.device = "cpu") -> AngleRun:
    """The direct call of one cell: the simulator of ``config["method"]`` with the cell's parameters."""
    sim = simulate_full if choice(config["method"], "method", METHODS) == "full" else simulate_markov
    return sim(float(config["theta0"]), [int(config["width"])] * int(config["depth"]), int(config["networks"]),
               seed=int(config["seed"]), device=device, activation=config["activation"],
               sigma_b=float(config["sigma_b"]))


def cell_rows(config: Mapping[str, Any], run: AngleRun) -> pd.DataFrame:
    """Per-layer statistics of one cell (layers 0 … L) beside its infinite-width map (quadrature, any activation)
    and, for the paper's bias-free ReLU network, Algorithm 1."""
    depth = run.depth
    relu = run.activation == "relu" and run.sigma_b == 0.0
    with np.errstate(invalid="ignore"):
        mean_theta = np.nanmean(run.theta, axis=0)
    return pd.DataFrame({
        "layer": np.arange(depth + 1), "theta0": run.theta0, "width": int(config["width"]), "depth": depth,
        "networks": run.networks, "method": run.method, "activation": run.activation, "sigma_b": run.sigma_b,
        "seed": run.seed, "mean_log_sin2": run.mean_log_sin2(), "sd_log_sin2": run.sd_log_sin2(),
        "sem_log_sin2": run.sem_log_sin2(), "mean_theta": mean_theta, "collapsed": run.collapsed(),
        "alg1_mean": mean_path(run.theta0, list(run.widths)) if relu and 0 < run.theta0 < math.pi else np.nan,
        "inf_theta": quadrature_angles(run.theta0, depth, run.activation, sigma_b=run.sigma_b),
    })


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """Simulate every cell of the job; rows of :func:`cell_rows` with ``trial_index`` and wall ``seconds``."""
    frames = []
    for t, c in enumerate(configs):
        t0 = time.perf_counter()
        rows = cell_rows(c, simulate_cell(c, device))
        frames.append(rows.assign(trial_index=t, seconds=time.perf_counter() - t0))
    return pd.concat(frames, ignore_index=True)


SWEEPABLE = Sweepable(
    name="angles",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="depth degeneracy: Monte Carlo of the angle θ_ℓ per layer (one simulation cell per trial)",
    volatile_columns=("seconds",),
    max_trials_per_job=16,
    validate=_validate,
)
