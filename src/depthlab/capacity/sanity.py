"""Sanity checks that anchor the fitting engine to known truths (the tables behind the study's sanity claims).

1. **Linear capacity.** The one-layer map y = W x fits N generic points exactly iff N ≤ d (the d×N data
   matrix has full column rank N ≤ d; for N = d + 1 the N·d equations in d² unknowns are inconsistent with
   probability one). The engine must fit every data set at N = d and none at N = d + 1.
2. **Cover's theorem.** A single perceptron without bias, trained by the engine in classification mode,
   separates N random ±1-labelled Gaussian points in R^d with probability 2^{1−N} Σ_{k<d} C(N−1, k)
   (:func:`depthlab.capacity.theory.cover_probability`, Cover 1965, Theorem 1). The engine's success counts are
   compared with the formula by an exact two-sided binomial test, and — to tell an optimiser failure from a
   sampling fluctuation — with the exact separability of the same data sets decided by the engine's
   linear-programming certificate (:func:`depthlab.engine.linearly_separable`: find w with y_i w·x_i ≥ 1).

The functions return counts, residuals and p-values only; the verdicts are decided by the rules declared in
:mod:`depthlab.capacity.claims`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy import stats

from depthlab.capacity.config import CellConfig
from depthlab.capacity.fitting import fit_perceptron
from depthlab.capacity.success import run_point
from depthlab.capacity.theory import cover_probability
from depthlab.engine import linearly_separable
from depthlab.seeding import stacked_normal


def linear_capacity_check(
    width: int, *, trials: int = 16, seed: int = 0, device: torch.device | str = "cpu"
) -> dict[str, Any]:
    """Fit y = W x at N = d and N = d + 1 with the engine.

    Returns:
        ``{"width", "trials", "fitted_at_d", "fitted_at_d_plus_1", "max_residual_at_d", "min_residual_at_d1"}``.
    """
    cell = CellConfig(depth=1, width=width, activation="linear", trials=trials, restarts=1, seed=seed)
    at_d = run_point(cell, width, device)
    at_d1 = run_point(cell, width + 1, device)
    f_d, f_d1 = int(at_d["success"].sum()), int(at_d1["success"].sum())
    return {
        "width": width,
        "trials": trials,
        "fitted_at_d": f_d,
        "fitted_at_d_plus_1": f_d1,
        "max_residual_at_d": float(at_d["residual"].max()),
        "min_residual_at_d1": float(at_d1["residual"].min()),
    }


def cover_data(
    n_points: int, dim: int, trials: int, seed: int, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cover-check data: X (T, N, d) iid N(0, 1), labels (T, N, 1) iid fair ±1, seeded by (seed, N, d, t)."""
    z = stacked_normal(
        f"{seed}/cover/d{dim}", [(n_points, t) for t in range(trials)], (n_points, dim + 1), device=device
    )
    x = z[..., :dim].contiguous()
    y = torch.where(z[..., dim:] >= 0, 1.0, -1.0).to(z.dtype)
    return x, y


def cover_check(
    cases: Sequence[tuple[int, int]],
    *,
    trials: int = 200,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> pd.DataFrame:
    """Compare the engine's perceptron separations with Cover's formula and with exact LP separability.

    Args:
        cases: (N, d) pairs.
        trials: random labelled data sets per case.
        seed: root seed.
        device: compute device for the engine.

    Returns:
        One row per case: N, d, trials, engine and LP success counts, Cover's probability, the exact two-sided
        binomial p-values of both counts against it, and the engine-vs-LP disagreements (``engine_missed``:
        LP-separable sets the engine did not separate; ``engine_false``: sets the engine claims to separate
        that the LP calls inseparable).
    """
    rows = []
    for n, d in cases:
        x, y = cover_data(n, d, trials, seed, device)
        engine_ok = fit_perceptron(x, y, key=f"{seed}/cover/N{n}/d{d}", device=device)
        lp_ok = np.asarray(linearly_separable(x.cpu(), y.cpu()), dtype=bool)
        p = cover_probability(n, d)
        k_engine, k_lp = int(engine_ok.sum()), int(lp_ok.sum())
        pv_engine = (
            stats.binomtest(k_engine, trials, p).pvalue if 0 < p < 1 else float(k_engine == trials * p)
        )
        pv_lp = stats.binomtest(k_lp, trials, p).pvalue if 0 < p < 1 else float(k_lp == trials * p)
        rows.append(
            {
                "n_points": n,
                "dim": d,
                "trials": trials,
                "cover_p": p,
                "engine_separated": k_engine,
                "lp_separable": k_lp,
                "engine_rate": k_engine / trials,
                "lp_rate": k_lp / trials,
                "binomial_se": float(np.sqrt(p * (1 - p) / trials)),
                "pvalue_engine": float(pv_engine),
                "pvalue_lp": float(pv_lp),
                "engine_missed": int(np.sum(lp_ok & ~engine_ok)),
                "engine_false": int(np.sum(engine_ok & ~lp_ok)),
            }
        )
    return pd.DataFrame(rows)
