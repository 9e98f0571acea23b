"""Choosing a tuned knob on tuning seeds only: the initialisation-gain probe of one capacity cell.

The rule, fixed before any data: for each candidate gain, fit the cell at one N on every tuning seed (the cell's
own T data sets × R restarts per seed, one stacked engine call per (gain, seed)); the chosen gain has the
highest pooled per-attempt success rate, ties going to the earlier candidate (list the default gain first).
The probe runs on :attr:`SeedSplit.tuning` only, so the evaluation seeds — the data the chosen gain is later
judged on — never enter the choice. Each (gain, seed) unit is one shard when a store is given, so an interrupted
probe resumes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pandas as pd
import torch

from depthlab.capacity.config import CellConfig, SeedSplit, check_n_points
from depthlab.capacity.success import run_point
from depthlab.errors import ConfigError
from depthlab.results import ShardStore
from depthlab.validate import finite_float

#: Columns of a probe table (one row per (gain, tuning seed)).
PROBE_COLUMNS = ("init_gain", "seed", "n_points", "datasets", "datasets_fitted", "attempts", "attempts_fitted",
                 "median_residual")


def _gains(gains: Sequence[float]) -> tuple[float, ...]:
    out = tuple(finite_float(g, "init gain", low=0.0) for g in gains)
    if not out:
        raise ConfigError("give at least one candidate gain")
    if len(set(out)) != len(out):
        raise ConfigError(f"candidate gains must be distinct, got {list(out)}")
    return out


def gain_probe(cell: CellConfig, n_points: int, gains: Sequence[float], seeds: SeedSplit, *,
               device: torch.device | str = "cpu", store: ShardStore | None = None,
               on_point: Callable[[float, int, bool], None] | None = None) -> pd.DataFrame:
    """Fit ``cell`` at N = ``n_points`` with each candidate gain on each tuning seed.

    Args:
        cell: the architecture and plan (its ``seed`` and ``init_gain`` are replaced by the probe's).
        n_points: the N at which the candidates compete (near the cell's capacity, where they differ).
        gains: candidate initialisation gains (0: the engine default), in order of preference for ties.
        seeds: the split; only ``seeds.tuning`` is fitted.
        device: compute device.
        store: keep each (gain, seed) unit as a shard here and reuse it on a re-run.
        on_point: called as ``on_point(gain, seed, computed)`` after each unit.

    Returns:
        One row per (gain, seed) with :data:`PROBE_COLUMNS`.
    """
    n = check_n_points(n_points)
    rows = []
    for gain in _gains(gains):
        for seed in seeds.tuning:
            c = dataclasses.replace(cell, seed=seed, init_gain=gain)
            key = c.point_key(n)
            computed = store is None or not store.has(key)
            if store is None:
                df = run_point(c, n, device)
            else:
                if computed:
                    store.write(key, run_point(c, n, device), config={**c.as_dict(), "n_points": n})
                df = store.read(key)
            fitted = df.groupby("trial")["success"].any()
            rows.append({"init_gain": gain, "seed": seed, "n_points": n, "datasets": int(fitted.size),
                         "datasets_fitted": int(fitted.sum()), "attempts": len(df),
                         "attempts_fitted": int(df["success"].sum()),
                         "median_residual": float(df["residual"].median())})
            if on_point is not None:
                on_point(gain, seed, computed)
    return pd.DataFrame(rows, columns=list(PROBE_COLUMNS))


def choose_gain(probe: pd.DataFrame) -> float:
    """The gain with the highest pooled per-attempt success rate over the tuning seeds (ties: the earlier one).

    Raises:
        ConfigError: an empty probe.
    """
    if probe.empty:
        raise ConfigError("the gain probe has no rows")
    pooled = probe.groupby("init_gain", sort=False)[["attempts_fitted", "attempts"]].sum()
    rate = pooled["attempts_fitted"] / pooled["attempts"]
    return float(rate.idxmax())  # the first of equal maxima, in the probe's (candidate) order
