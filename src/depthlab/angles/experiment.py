"""Validation experiments of Jakub & Nica (arXiv 2302.09712): Figure 1, Figure 2, the width sweep, varying widths.

Each function returns plain data (NumPy arrays / pandas tables / dicts) that
:mod:`depthlab.angles.figures` plots
and :mod:`depthlab.angles.study` turns into claims. Sizes come from :func:`sizes` (``"quick"`` or ``"full"``).

* **Figure 1** (paper §1, Fig. 1): θ_0 = 0.1, width 256, 30 layers, 5000 networks; mean ± SD of ln
  sin²θ_ℓ against
  Algorithm 1 / Approximation 2 and the infinite-width rule; one-sample KS tests of the Approximation-2 density at
  layers 1 and 30 (the paper reports p = 0.987 and 0.186).
* **Figure 2** (paper §2, Fig. 2): one step θ → θ_1 at width 1024 for θ ∈ [0.005, 0.8]: MC mean and
  variance of
  ln sin²θ_1 against μ(θ, n) and σ²(θ, n) (Theorem 1), with 99% confidence intervals.
* **Width sweep** (the note §8.4): θ_0 = π/2, depth 50, widths 256, 64, 16 — where the 1/n theory holds
  and where it
  fails.
* **Varying widths** (issue item 5): which width enters the step θ_ℓ → θ_{ℓ+1}, decided by full-network
  MC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from depthlab.angles import theory_link as th
from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full
from depthlab.angles.predict import DensityPrediction
from depthlab.angles.simcore import AngleRun


@dataclass(frozen=True)
class Sizes:
    """Monte Carlo sizes of one scale."""

    fig1_markov: int
    fig1_full: int
    fig2_networks: int
    fig2_angles: int
    sweep_markov: int
    sweep_full: int
    sweep_depth: int
    varying_full: int


QUICK = Sizes(
    fig1_markov=5000,
    fig1_full=128,
    fig2_networks=2000,
    fig2_angles=12,
    sweep_markov=4000,
    sweep_full=256,
    sweep_depth=50,
    varying_full=640,
)
FULL = Sizes(
    fig1_markov=20000,
    fig1_full=5000,
    fig2_networks=10000,
    fig2_angles=100,
    sweep_markov=20000,
    sweep_full=2000,
    sweep_depth=50,
    varying_full=4000,
)


def sizes(scale: str) -> Sizes:
    return QUICK if scale == "quick" else FULL


def ks_against(sample: np.ndarray, dens: DensityPrediction, layer: int) -> tuple[float, float]:
    """One-sample KS test of ``sample`` against the predicted CDF at ``layer``: ``(statistic,
    p-value)``."""
    res = stats.kstest(sample, dens.cdf(layer))
    return float(res.statistic), float(res.pvalue)


def figure1(
    scale: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    *,
    theta0: float = 0.1,
    width: int = 256,
    depth: int = 30,
) -> dict[str, Any]:
    """Figure 1 data: MC (Markov chain and full network), predictions, KS tests at layers 1 and
    ``depth``."""
    sz = sizes(scale)
    ws = [width] * depth
    mk = simulate_markov(theta0, ws, sz.fig1_markov, seed=seed, device=device)
    full = simulate_full(theta0, ws, sz.fig1_full, seed=seed, device=device)
    dens = th.density(theta0, ws)
    alg1 = th.mean_path(theta0, ws)
    inf = th.infinite_log_sin2(theta0, depth)
    ks = {}
    for ell in (1, depth):
        ks[f"markov_layer{ell}"] = ks_against(mk.layer(ell), dens, ell)
        ks[f"full_layer{ell}"] = ks_against(full.layer(ell), dens, ell)
        r = stats.ks_2samp(full.layer(ell), mk.layer(ell))
        ks[f"full_vs_markov_layer{ell}"] = (float(r.statistic), float(r.pvalue))
    table = pd.DataFrame(
        {
            "layer": np.arange(depth + 1),
            "markov_mean": mk.mean_log_sin2(),
            "markov_sd": mk.sd_log_sin2(),
            "markov_sem": mk.sem_log_sin2(),
            "full_mean": full.mean_log_sin2(),
            "full_sd": full.sd_log_sin2(),
            "full_sem": full.sem_log_sin2(),
            "alg1_mean": alg1,
            "approx2_mean": dens.mean,
            "approx2_sd": dens.sd,
            "inf_width": inf,
        }
    )
    return {
        "table": table,
        "ks": ks,
        "markov": mk,
        "full": full,
        "density": dens,
        "theta0": theta0,
        "width": width,
        "depth": depth,
    }


def figure2(
    scale: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    *,
    width: int = 1024,
    lo: float = 0.005,
    hi: float = 0.8,
) -> pd.DataFrame:
    """Figure 2 data: one step θ → θ_1 at ``width`` for angles in [lo, hi] (exact Markov-chain MC, one layer).

    Columns: theta, mc_mean (of ln sin²θ_1 − ln sin²θ), mc_mean_ci (99% half-width), mc_var (of ln sin²θ_1),
    mc_var_lo/hi (99% chi-square interval), mu_drift (μ − ln sin²θ), sigma2, n.
    """
    sz = sizes(scale)
    thetas = np.linspace(lo, hi, sz.fig2_angles)
    z = stats.norm.ppf(0.995)
    rows = []
    for k, t in enumerate(thetas):
        run = simulate_markov(float(t), [width], sz.fig2_networks, seed=seed + 1000 * k, device=device)
        x = run.layer(1) - math.log(math.sin(t) ** 2)
        n = len(x)
        var = float(np.var(x, ddof=1))
        mu, s2 = th.mu_sigma2(float(t), width)
        rows.append(
            {
                "theta": float(t),
                "n": n,
                "mc_mean": float(x.mean()),
                "mc_mean_ci": z * math.sqrt(var / n),
                "mc_var": var,
                "mc_var_lo": var * (n - 1) / stats.chi2.ppf(0.995, n - 1),
                "mc_var_hi": var * (n - 1) / stats.chi2.ppf(0.005, n - 1),
                "mu_drift": float(mu) - math.log(math.sin(t) ** 2),
                "sigma2": float(s2),
                "width": width,
            }
        )
    return pd.DataFrame(rows)


def width_sweep(
    scale: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    *,
    widths: tuple[int, ...] = (256, 64, 16),
    theta0: float = math.pi / 2,
) -> tuple[pd.DataFrame, dict[int, AngleRun]]:
    """Mean ln sin²θ_ℓ over depth at several widths: Markov-chain MC, full network (small widths), Algorithm 1,
    Approximation 2 and the infinite-width rule. Returns ``(table, markov runs by width)``."""
    sz = sizes(scale)
    depth = sz.sweep_depth
    inf = th.infinite_log_sin2(theta0, depth)
    frames, runs = [], {}
    for n in widths:
        ws = [n] * depth
        mk = simulate_markov(theta0, ws, sz.sweep_markov, seed=seed, device=device)
        runs[n] = mk
        full_n = sz.sweep_full if n <= 64 or scale == "full" else 0
        full = simulate_full(theta0, ws, full_n, seed=seed, device=device) if full_n else None
        dens = th.density(theta0, ws)
        frames.append(
            pd.DataFrame(
                {
                    "width": n,
                    "layer": np.arange(depth + 1),
                    "markov_mean": mk.mean_log_sin2(),
                    "markov_sd": mk.sd_log_sin2(),
                    "markov_sem": mk.sem_log_sin2(),
                    "collapsed": mk.collapsed(),
                    "full_mean": full.mean_log_sin2() if full else np.nan,
                    "full_sem": full.sem_log_sin2() if full else np.nan,
                    "alg1_mean": th.mean_path(theta0, ws),
                    "approx2_mean": dens.mean,
                    "approx2_sd": dens.sd,
                    "inf_width": inf,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), runs


def one_step_check(
    width: int, theta: float, networks: int, seed: int = 0, device: str = "cpu"
) -> dict[str, float]:
    """One step at (θ, n): MC mean/variance of ln sin²θ_1 and its SE against μ(θ, n), σ²(θ, n)."""
    run = simulate_markov(theta, [width], networks, seed=seed, device=device)
    x = run.layer(1)
    mu, s2 = th.mu_sigma2(theta, width)
    var = float(np.var(x, ddof=1))
    return {
        "width": width,
        "theta": theta,
        "mc_mean": float(x.mean()),
        "mc_sem": math.sqrt(var / len(x)),
        "mc_var": var,
        "mu": float(mu),
        "sigma2": float(s2),
        "collapsed": int(run.collapsed()[1]),
    }


#: Width profiles for the varying-width check: alternating narrow/wide and a bottleneck.
VARYING_PROFILES: dict[str, list[int]] = {
    "alternating 16/128": [16, 128] * 5,
    "bottleneck 128→16→128": [128] * 4 + [16] * 2 + [128] * 4,
}


def varying_widths(
    scale: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    theta0: float = math.pi / 2,
) -> pd.DataFrame:
    """Which width enters the step θ_ℓ → θ_{ℓ+1}? Full-network MC against Algorithm 1 under two conventions.

    * ``new-layer``: the step into layer ℓ+1 uses n_{ℓ+1} (the number of i.i.d. neuron pairs; exact
      reduction).
    * ``previous-layer``: it uses n_ℓ, with n_0 := n_1 for the input (the paper's index notation; the
      authors'
      training notebook uses the input dimension for the first step).
    """
    sz = sizes(scale)
    rows = []
    for name, ws in VARYING_PROFILES.items():
        full = simulate_full(theta0, ws, sz.varying_full, seed=seed, device=device)
        new = th.mean_path(theta0, ws)
        prev = th.mean_path(theta0, [ws[0], *ws[:-1]])
        m, se = full.mean_log_sin2(), full.sem_log_sin2()
        for ell in range(len(ws) + 1):
            rows.append(
                {
                    "profile": name,
                    "layer": ell,
                    "width": ws[ell - 1] if ell else 0,
                    "full_mean": m[ell],
                    "full_sem": se[ell],
                    "alg1_new_layer": new[ell],
                    "alg1_previous_layer": prev[ell],
                }
            )
    return pd.DataFrame(rows)
