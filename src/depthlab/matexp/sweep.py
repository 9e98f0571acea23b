"""The n_max(L, d) cells of :mod:`depthlab.matexp.depth` as a sweepable study.

A trial is one (L, d, n) cell with the same config mapping as :meth:`DepthTableConfig.cell`, so its hash
equals the shard key :func:`depthlab.matexp.depth.depth_table` uses. Cells of the same shape (L, d, n,
instances, restarts, max_iter) that differ only in ``seed`` or ``tol`` are packed: their instances and
restarts are concatenated into one stacked engine fit (:func:`depthlab.matexp.depth.solve_stacked`, the
engine's ``"lm"`` solver). Each model's data and starting weights are
drawn from (its cell's seed, its own index) exactly as :func:`depthlab.matexp.depth.run_cell` draws them, and
every step of the solver acts on each model separately, so a packed cell gives the rows :func:`run_cell` gives
alone (up to the batched LAPACK kernels' rounding; the ``seconds`` column is wall time and differs from run to run).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
import torch

from depthlab.matexp.depth import DepthTableConfig, initial_weights, random_equations, solve_stacked
from depthlab.sweep.registry import Sweepable

_TABLE = DepthTableConfig()
DEFAULTS: dict[str, Any] = {"depth": 2, "d": 2, "n": 1}
DEFAULTS.update({f.name: getattr(_TABLE, f.name) for f in fields(_TABLE)
                 if f.name in ("instances", "restarts", "max_iter", "tol", "seed")})


def _validate(config: Mapping[str, Any]) -> None:
    DepthTableConfig(depths=(config["depth"],), dims=(config["d"],), instances=config["instances"],
                     restarts=config["restarts"], max_iter=config["max_iter"], tol=config["tol"],
                     seed=config["seed"], n_cap=max(1, config["n"]))


def pack_key(config: Mapping[str, Any]) -> tuple[int, ...]:
    """Cells with the same tensor shapes and iteration budget stack into one solver run."""
    return tuple(int(config[k]) for k in ("depth", "d", "n", "instances", "restarts", "max_iter"))


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """Fit every cell of the job in one stacked engine fit (Levenberg–Marquardt).

    Returns:
        :func:`depthlab.matexp.depth.run_cell`'s rows (one per instance) for each cell, with ``trial_index``.
    """
    depth, d, n, inst, restarts, max_iter = pack_key(configs[0])
    xs, ys, w0 = [], [], []
    seeds = [(depth, d, n, i, r) for i in range(inst) for r in range(restarts)]
    for c in configs:
        x, y = random_equations(inst, n, d, int(c["seed"]))
        xs.append(x.repeat_interleave(restarts, dim=0))
        ys.append(y.repeat_interleave(restarts, dim=0))
        w0.append(initial_weights(depth, d, seeds, key=f"matexp-depth-init:{int(c['seed'])}"))
    t0 = time.perf_counter()
    _, rel, iters = solve_stacked(torch.cat(xs), torch.cat(ys), torch.cat(w0), max_iter=max_iter, device=device)
    secs = time.perf_counter() - t0
    rel = rel.reshape(len(configs), inst, restarts, n)
    iters = iters.reshape(len(configs), inst, restarts)
    frames = []
    for t, c in enumerate(configs):
        worst = rel[t].amax(dim=-1)  # (inst, restarts)
        best = worst.nan_to_num(float("inf")).amin(dim=-1)
        ok = (worst <= c["tol"])
        frames.append(pd.DataFrame({
            "trial_index": t, "depth": depth, "d": d, "n": n, "instance": np.arange(inst),
            "solved": ok.any(dim=-1).cpu().numpy(), "best_residual": best.cpu().numpy(),
            "restarts_solved": ok.sum(dim=-1).cpu().numpy(), "restarts": restarts, "unknowns": depth * d * d,
            "equations": n * d * d,
            "median_iterations": iters[t].double().median(dim=-1).values.cpu().numpy(),
            "seconds": secs / (inst * len(configs)), "seed": int(c["seed"]), "tol": float(c["tol"]),
        }))
    return pd.concat(frames, ignore_index=True)


SWEEPABLE = Sweepable(
    name="matexp",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="n_max(L, d): can a depth-L matrix-exponential network solve n random equations? (one cell "
    "per trial)",
    volatile_columns=("seconds",),
    max_trials_per_job=8,
    validate=_validate,
)
