"""Figures of the angle study (one function per figure; each returns a matplotlib Figure, saved by the
caller)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from depthlab.plotting import new_figure


def figure1(data: dict[str, Any]) -> Figure:
    """Paper Fig. 1: mean ± SD of ln sin²θ_ℓ vs depth (left), histograms at layers 1 and L vs
    Approximation 2."""
    t: pd.DataFrame = data["table"]
    fig, axes = new_figure(3, 1, width=4.6)
    ax = axes[0, 0]
    ell = t["layer"].to_numpy()
    ax.fill_between(
        ell,
        t["markov_mean"] - t["markov_sd"],
        t["markov_mean"] + t["markov_sd"],
        color="C0",
        alpha=0.2,
        label="MC ± SD (Markov chain)",
    )
    ax.plot(ell, t["markov_mean"], "C0-", label=f"MC mean ({data['markov'].networks} chains)")
    ax.errorbar(
        ell,
        t["full_mean"],
        yerr=t["full_sem"],
        fmt="C3.",
        ms=3,
        label=f"full-network MC ({data['full'].networks} nets) ± SE",
    )
    ax.plot(ell, t["alg1_mean"], "k--", label="Algorithm 1 (finite width)")
    ax.plot(ell, t["approx2_mean"] + t["approx2_sd"], "k:", lw=0.8, label="Approx. 2 ± SD")
    ax.plot(ell, t["approx2_mean"] - t["approx2_sd"], "k:", lw=0.8)
    ax.plot(ell, t["inf_width"], "C2-.", label="infinite width (eq. 12)")
    ax.set_xlabel("layer ℓ")
    ax.set_ylabel("ln sin² θ_ℓ")
    ax.set_title(f"θ_0 = {data['theta0']}, width {data['width']}")
    ax.legend(fontsize=7)
    dens = data["density"]
    for k, layer in enumerate((1, data["depth"])):
        ax = axes[0, k + 1]
        x = data["markov"].layer(layer)
        ax.hist(x, bins=60, density=True, color="C0", alpha=0.5, label="MC (Markov chain)")
        ax.plot(dens.grid, dens.density[layer], "k-", lw=1.2, label="Approximation 2")
        p = data["ks"][f"markov_layer{layer}"][1]
        ax.set_title(f"layer {layer}: KS p = {p:.3g}")
        ax.set_xlabel("ln sin² θ_ℓ")
        lo, hi = np.quantile(x, [0.0005, 0.9995])
        ax.set_xlim(lo - 0.2, hi + 0.2)
        ax.legend(fontsize=7)
    return fig


def figure2(df: pd.DataFrame) -> Figure:
    """Paper Fig. 2: one-step mean drift and variance of ln sin²θ_1 vs μ, σ² (99% CIs)."""
    fig, axes = new_figure(2, 1, width=4.8)
    ax = axes[0, 0]
    ax.errorbar(
        df["theta"], -df["mc_mean"], yerr=df["mc_mean_ci"], fmt="C0o", ms=3, capsize=2, label="MC, 99% CI"
    )
    ax.plot(df["theta"], -df["mu_drift"], "k-", label="ln sin²θ − μ(θ, n) (Theorem 1)")
    ax.set_xlabel("θ_ℓ")
    ax.set_ylabel("E[ln sin²θ_ℓ − ln sin²θ_{ℓ+1}]")
    ax.set_title(f"one step, width {int(df['width'].iloc[0])}")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.errorbar(
        df["theta"],
        df["mc_var"],
        yerr=[df["mc_var"] - df["mc_var_lo"], df["mc_var_hi"] - df["mc_var"]],
        fmt="C0o",
        ms=3,
        capsize=2,
        label="MC, 99% CI",
    )
    ax.plot(df["theta"], df["sigma2"], "k-", label="σ²(θ, n) (Theorem 1)")
    ax.set_xlabel("θ_ℓ")
    ax.set_ylabel("Var ln sin²θ_{ℓ+1}")
    ax.legend(fontsize=8)
    return fig


def width_sweep(df: pd.DataFrame) -> Figure:
    """Mean ln sin²θ_ℓ vs depth at several widths: MC vs Algorithm 1 vs infinite width."""
    widths = sorted(df["width"].unique(), reverse=True)
    fig, axes = new_figure(len(widths), 1, width=4.0)
    for k, n in enumerate(widths):
        ax = axes[0, k]
        t = df[df["width"] == n]
        ax.fill_between(
            t["layer"],
            t["markov_mean"] - t["markov_sd"],
            t["markov_mean"] + t["markov_sd"],
            color="C0",
            alpha=0.2,
        )
        ax.plot(t["layer"], t["markov_mean"], "C0-", label="MC mean ± SD")
        if t["full_mean"].notna().any():
            ax.plot(t["layer"], t["full_mean"], "C3.", ms=3, label="full-network MC")
        ax.plot(t["layer"], t["alg1_mean"], "k--", label="Algorithm 1")
        ax.plot(t["layer"], t["inf_width"], "C2-.", label="infinite width")
        ax.set_title(f"width {n}")
        ax.set_xlabel("layer ℓ")
        ax.set_ylabel("ln sin² θ_ℓ")
        ax.legend(fontsize=7)
    return fig


def activations(df: pd.DataFrame) -> Figure:
    """Beyond the paper: MC mean angle vs the Gauss–Hermite infinite-width map, per activation."""
    fig, axes = new_figure(1, 1, width=5.5)
    ax = axes[0, 0]
    for k, (name, t) in enumerate(df.groupby(["activation", "sigma_b"], sort=False)):
        lab = f"{name[0]}, σ_b={name[1]:g}"
        ax.errorbar(
            t["layer"], t["mc_mean_theta"], yerr=t["mc_sem_theta"], fmt=f"C{k}o", ms=3, label=lab + " MC"
        )
        ax.plot(t["layer"], t["inf_theta"], f"C{k}-", lw=1)
    ax.set_xlabel("layer ℓ")
    ax.set_ylabel("mean θ_ℓ (lines: infinite width)")
    ax.legend(fontsize=7)
    return fig


def training(rows: pd.DataFrame, summary: dict[str, Any]) -> Figure:
    """Training link: predicted ln sin²θ_L (θ_0 = π/2) vs test accuracy on digits."""
    fig, axes = new_figure(1, 1, width=5.5)
    ax = axes[0, 0]
    ax.errorbar(
        rows["pred_log_sin2"],
        rows["acc_mean"],
        yerr=rows["acc_sd"],
        fmt="C0o",
        ms=4,
        capsize=2,
        label=f"finite width (Spearman ρ = {summary['spearman_finite']:.2f})",
    )
    ax.plot(
        rows["inf_log_sin2"],
        rows["acc_mean"],
        "C2x",
        label=f"infinite width (ρ = {summary['spearman_infinite']:.2f})",
    )
    ax.set_xlabel("predicted ln sin² θ_L")
    ax.set_ylabel("test accuracy (digits)")
    ax.legend(fontsize=8)
    return fig
