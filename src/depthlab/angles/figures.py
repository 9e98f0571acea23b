"""Figures of the angle study: functions of tables returning a matplotlib Figure, and :data:`FIGURES`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from depthlab.angles.claims import PAPER_KS
from depthlab.plotting import new_figure
from depthlab.report.types import FigureSpec, StudyResult


def figure1(table: pd.DataFrame, samples: pd.DataFrame, density: pd.DataFrame, ks: pd.DataFrame,
            setup: pd.DataFrame) -> Figure:
    """Paper Fig. 1: mean ± SD of ln sin²θ_ℓ vs depth (left), histograms at layers 1 and L vs Approximation 2.

    Args:
        table, samples, density, ks, setup: the ``figure1``, ``figure1_samples``, ``figure1_density``,
            ``figure1_ks`` and ``figure1_setup`` tables of :func:`depthlab.angles.experiment.figure1_tables`.
    """
    s = setup.iloc[0]
    fig, axes = new_figure(3, 1, width=4.6)
    ax = axes[0, 0]
    ell = table["layer"].to_numpy()
    ax.fill_between(ell, table["markov_mean"] - table["markov_sd"], table["markov_mean"] + table["markov_sd"],
                    color="C0", alpha=0.2, label="MC ± SD (Markov chain)")
    ax.plot(ell, table["markov_mean"], "C0-", label=f"MC mean ({int(s['markov_paths'])} chains)")
    ax.errorbar(ell, table["full_mean"], yerr=table["full_sem"], fmt="C3.", ms=3,
                label=f"full-network MC ({int(s['full_networks'])} nets) ± SE;\nerrors correlated across layers")
    ax.plot(ell, table["alg1_mean"], "k--", label="Algorithm 1 (finite width)")
    ax.plot(ell, table["approx2_mean"] + table["approx2_sd"], "k:", lw=0.8, label="Approx. 2 ± SD")
    ax.plot(ell, table["approx2_mean"] - table["approx2_sd"], "k:", lw=0.8)
    ax.plot(ell, table["inf_width"], "C2-.", label="infinite width (eq. 12)")
    ax.set_xlabel("layer ℓ")
    ax.set_ylabel("ln sin² θ_ℓ")
    ax.set_title(f"θ_0 = {s['theta0']:g}, width {int(s['width'])}")
    ax.legend(fontsize=7)
    p = ks.set_index(["test", "layer"])["p"]
    for k, layer in enumerate(sorted(samples["layer"].unique())):
        ax = axes[0, k + 1]
        x = samples.loc[samples["layer"] == layer, "log_sin2"].to_numpy()
        d = density[density["layer"] == layer]
        ax.hist(x, bins=60, density=True, color="C0", alpha=0.5, label="MC (Markov chain)")
        ax.plot(d["x"], d["density"], "k-", lw=1.2, label="Approximation 2")
        ax.set_title(f"layer {layer}: KS p = {p['markov', layer]:.3g} (seed {int(s['seed'])})")
        ax.set_xlabel("ln sin² θ_ℓ")
        ax.set_ylabel("probability density")
        lo, hi = np.quantile(x, [0.0005, 0.9995])
        ax.set_xlim(lo - 0.2, hi + 0.2)
        ax.legend(fontsize=7)
    return fig


def ks_spread(ks_seeds: pd.DataFrame, paper_p: dict[int, float]) -> Figure:
    """The KS p-values of fresh samples under both constructions (ours: one-sample; the authors'), per tested
    layer, with the paper's printed p."""
    layers = sorted(ks_seeds["layer"].unique())
    fig, axes = new_figure(len(layers), 1, width=4.4)
    bins = np.linspace(0.0, 1.0, 21)
    for k, layer in enumerate(layers):
        ax = axes[0, k]
        t = ks_seeds[ks_seeds["layer"] == layer]
        ax.hist(t["p_ours"], bins=bins, alpha=0.5, color="C0", label="ours: one-sample KS")
        ax.hist(t["p_authors"], bins=bins, alpha=0.5, color="C1", label="authors' construction")
        lo, hi = np.quantile(t["p_authors"], (0.025, 0.975))
        ax.axvspan(lo, hi, color="C1", alpha=0.12, label="central 95 % (authors')")
        ax.axvline(paper_p[layer], color="k", ls="--", label=f"paper: p = {paper_p[layer]}")
        ax.set_title(f"layer {layer}: {len(t)} samples of {int(t['samples'].median())}")
        ax.set_xlabel("KS p-value")
        ax.set_ylabel("number of samples")
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


def _figure1(r: StudyResult) -> Figure:
    t = r.tables
    return figure1(t["figure1"], t["figure1_samples"], t["figure1_density"], t["figure1_ks"], t["figure1_setup"])


def _ks_spread(r: StudyResult) -> Figure:
    return ks_spread(r.tables["ks_seeds"], PAPER_KS)


FIGURES = (
    FigureSpec("figure1.png", "Paper Fig. 1: θ_0 = 0.1, width 256: mean ± SD of ln sin²θ_ℓ (MC) vs Algorithm 1 / "
               "Approximation 2 and the infinite-width map; histograms at layers 1 and 30 vs the Approximation-2 "
               "density. The full-network points are one set of networks: each layer's mean carries the noise of "
               "all earlier steps, so their offsets from the chain are correlated from layer to layer.", _figure1),
    FigureSpec("ks_spread.png", "KS p-values of the Approximation-2 density on fresh samples of 5000 (one per "
               "seed), under the one-sample test and under the authors' construction, with the paper's printed p.",
               _ks_spread),
    FigureSpec("width_sweep.png", "θ_0 = π/2, depth 50, widths 256/64/16: MC mean ± SD vs Algorithm 1 and the "
               "infinite-width map. The 1/n law holds at 256, over-predicts the decay at 64 and fails at 16.",
               lambda r: width_sweep(r.tables["width_sweep"])),
    FigureSpec("figure2.png", "Paper Fig. 2: one step at width 1024: MC mean drift and variance of ln sin²θ_{ℓ+1} "
               "(99% CIs) vs μ(θ, n) and σ²(θ, n) of Theorem 1.", lambda r: figure2(r.tables["figure2"])),
    FigureSpec("activations.png", "Beyond the paper: mean θ_ℓ (MC, width 256) vs the infinite-width map by "
               "quadrature for ReLU, leaky ReLU, tanh, GELU, and with biases σ_b = 0.3.",
               lambda r: activations(r.tables["activations"])),
    FigureSpec("training.png", "Training link on digits: Algorithm-1 ln sin²θ_L (θ_0 = π/2) vs test accuracy after "
               "a short training, with Spearman's ρ.", lambda r: training(r.tables["training"], r.values["training"])),
)
