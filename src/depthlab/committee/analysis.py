"""Transition points from success data: logistic maximum-likelihood fit of P_success(α) and the 1/N extrapolation.

For one (activation, weights, K, N) the instances give Bernoulli outcomes s_i at loads α_i. We fit
P(s = 1 | α) = 1 / (1 + exp((α − α_50) / w)) by maximum likelihood; α_50 is the load where success = 1/2, and
its standard error comes from the inverse observed Fisher information (finite-difference Hessian of the
negative log-likelihood). The finite-size extrapolation fits α_50(N) = α_50(∞) + b/N by weighted least squares
(weights 1/SE²); its standard error is the usual WLS one, with the points' SEs taken as known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize


@dataclass(frozen=True)
class Transition:
    """α_50 of one curve: value, standard error, logistic width, and whether the data bracket it."""

    alpha50: float
    se: float
    width: float
    bracketed: bool


def _nll(theta: np.ndarray, a: np.ndarray, s: np.ndarray) -> float:
    a50, logw = theta
    z = (a - a50) / math.exp(logw)
    # -log σ(-z) for successes, -log σ(z) for failures; stable via logaddexp.
    return float(np.sum(np.where(s > 0, np.logaddexp(0.0, z), np.logaddexp(0.0, -z))))


def fit_transition(alpha: np.ndarray, success: np.ndarray) -> Transition:
    """Logistic MLE of α_50 from per-instance outcomes.

    When every instance succeeded (or failed) there is no crossing: α_50 is returned as NaN with
    ``bracketed=False``. The width is bounded below by 1 % of the α grid spacing (so the MLE exists when the
    data separate perfectly); when the fitted width is below the grid spacing the SE is the grid-resolution
    limit spacing/√12 instead of the (meaningless) curvature of a flat likelihood.
    """
    a = np.asarray(alpha, dtype=float)
    s = np.asarray(success, dtype=float)
    if len(a) == 0 or s.min() == s.max():
        return Transition(float("nan"), float("nan"), float("nan"), False)
    grid = np.unique(a)
    spacing = float(np.min(np.diff(grid))) if len(grid) > 1 else 0.1
    lo_w = math.log(0.01 * spacing)
    frac = pd.Series(s).groupby(a).mean()
    start_a50 = float(np.interp(0.5, frac.to_numpy()[::-1], frac.index.to_numpy()[::-1])) \
        if frac.is_monotonic_decreasing else float(np.mean(a))
    best = minimize(_nll, np.array([start_a50, math.log(max(spacing, 0.05))]), args=(a, s),
                    method="L-BFGS-B", bounds=[(grid[0] - 2.0, grid[-1] + 2.0), (lo_w, math.log(10.0))])
    a50, logw = best.x
    # Observed information by central differences.
    h = np.array([1e-4 * max(1.0, abs(a50)), 1e-4])
    H = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            H[i, j] = (_nll(best.x + ei + ej, a, s) - _nll(best.x + ei - ej, a, s)
                       - _nll(best.x - ei + ej, a, s) + _nll(best.x - ei - ej, a, s)) / (4 * h[i] * h[j])
    se = float("nan")
    if np.all(np.isfinite(H)) and np.linalg.det(H) > 0 and H[0, 0] > 0:
        se = float(math.sqrt(max(np.linalg.inv(H)[0, 0], 0.0)))
    if math.exp(logw) < spacing or not math.isfinite(se):
        # The transition is sharper than the α grid: the likelihood is flat between the two grid points around
        # the crossing and its curvature means nothing. α_50 is then only known to lie in that interval; report
        # the standard deviation of a uniform distribution on it, spacing/√12.
        se = spacing / math.sqrt(12.0)
    bracketed = bool(frac.iloc[0] >= 0.5 >= frac.iloc[-1]) or bool(frac.max() >= 0.5 >= frac.min())
    return Transition(float(a50), se, float(math.exp(logw)), bracketed)


def _with_algorithm(df: pd.DataFrame, by: tuple[str, ...]) -> tuple[str, ...]:
    """Add ``algorithm`` after ``weights`` when the table has that column (Adam and least-action rows of the
    same machine are separate curves)."""
    if "algorithm" in df.columns and "algorithm" not in by and "weights" in by:
        i = by.index("weights") + 1
        return (*by[:i], "algorithm", *by[i:])
    return by


def transitions(df: pd.DataFrame, by: tuple[str, ...] = ("activation", "weights", "K", "N")) -> pd.DataFrame:
    """α_50 per group of a per-instance table with columns ``alpha`` and ``solved`` (plus ``by``, and
    ``algorithm`` when present)."""
    by = _with_algorithm(df, by)
    rows = []
    for keys, g in df.groupby(list(by), sort=True):
        t = fit_transition(g["alpha"].to_numpy(), g["solved"].to_numpy().astype(float))
        rows.append({**dict(zip(by, keys, strict=True)), "alpha50": t.alpha50, "alpha50_se": t.se,
                     "width": t.width, "bracketed": t.bracketed, "instances": len(g)})
    return pd.DataFrame(rows)


def extrapolate(trans: pd.DataFrame, by: tuple[str, ...] = ("activation", "weights", "K")) -> pd.DataFrame:
    """α_50(N → ∞) from α_50(N) = a + b/N (weighted least squares) per group; needs ≥ 2 sizes with a
    crossing. Groups also by ``algorithm`` when that column is present."""
    by = _with_algorithm(trans, by)
    rows = []
    for keys, g in trans.groupby(list(by), sort=True):
        g = g[np.isfinite(g["alpha50"]) & np.isfinite(g["alpha50_se"]) & (g["alpha50_se"] > 0)]
        row = {**dict(zip(by, keys, strict=True)), "sizes": len(g),
               "N_max": int(g["N"].max()) if len(g) else 0}
        if len(g) >= 2:
            x = 1.0 / g["N"].to_numpy(float)
            A = np.stack([np.ones_like(x), x], axis=1)
            wts = 1.0 / g["alpha50_se"].to_numpy() ** 2
            cov = np.linalg.inv(A.T @ (A * wts[:, None]))
            coef = cov @ (A.T @ (wts * g["alpha50"].to_numpy()))
            row.update(alpha_inf=float(coef[0]), alpha_inf_se=float(math.sqrt(cov[0, 0])),
                       slope=float(coef[1]))
        elif len(g) == 1:
            row.update(alpha_inf=float("nan"), alpha_inf_se=float("nan"), slope=float("nan"))
        else:
            row.update(alpha_inf=float("nan"), alpha_inf_se=float("nan"), slope=float("nan"))
        if len(g):
            big = g.loc[g["N"].idxmax()]
            row.update(alpha50_Nmax=float(big["alpha50"]), alpha50_Nmax_se=float(big["alpha50_se"]))
        rows.append(row)
    return pd.DataFrame(rows)
