"""Figures of the interp study: functions of the experiment's tables returning figures, and :data:`FIGURES`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from depthlab.interp.claims import EXACT_TOL
from depthlab.plotting import new_figure
from depthlab.report.types import FigureSpec, StudyResult


def panels_from_table(table: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """``(title, H)`` pairs from :func:`~depthlab.interp.experiment.matrix_panels`' long table."""
    out = []
    for _, sub in table.groupby("panel", sort=True):
        H = np.zeros((int(sub["point"].max()) + 1, int(sub["neuron"].max()) + 1))
        H[sub["point"].to_numpy(), sub["neuron"].to_numpy()] = sub["value"].to_numpy()
        out.append((str(sub["title"].iloc[0]), H))
    return out


def matrices_figure(panels: list[tuple[str, np.ndarray]]) -> Figure:
    """Activation patterns (H > 0) of interpolation matrices, rows in the construction's order.

    Args:
        panels: ``(title, H)`` pairs, H of shape ``(N, n)``.
    """
    fig, axes = new_figure(len(panels), 1, width=3.0, height=3.2)
    for ax, (title, H) in zip(axes[0], panels, strict=True):
        ax.imshow(H > 0, cmap="Greys", interpolation="nearest", aspect="auto")
        ax.set_title(f"{title}\nzeros {np.mean(H == 0):.0%}", fontsize=9)
        ax.set_xlabel("neuron")
        ax.set_ylabel("data point")
    return fig


def depth_figure(table: pd.DataFrame) -> Figure:
    """Neurons and parameters of the depth family (:func:`depthlab.interp.experiment.depth_table`).

    Panels: hidden neurons against N (lines: formulas; red crosses: built networks; dashed: lower bounds),
    parameters against N, and hidden neurons against depth L for every N where the networks were built.
    """
    fig, axes = new_figure(3, 1, width=4.4, height=3.6)
    for name, sub in table.groupby("construction", sort=False):
        bound = "bound" in name
        label = name if bound else f"{name} (L = {int(sub['depth'].iloc[0])})"
        style = "k--" if "1 hidden" in name else ("k:" if bound else "o-")
        axes[0, 0].loglog(sub["N"], sub["neurons_bound"], style, label=label)
        if sub["parameters_bound"].notna().any():
            axes[0, 1].loglog(sub["N"], sub["parameters_bound"], style, label=label)
        if "neurons_built" in sub:
            built = sub.dropna(subset=["neurons_built"])
            axes[0, 0].scatter(built["N"], built["neurons_built"], marker="x", color="red", zorder=5)
    fam = table[~table["construction"].str.contains("bound")].dropna(subset=["neurons_built"])
    for N, sub in fam.groupby("N"):
        line = axes[0, 2].semilogy(sub["depth"], sub["neurons_built"], "o-", label=f"N = {N} (built)")
        cb = table[(table.N == N) & table["construction"].str.startswith("counting")]["neurons_bound"]
        if len(cb):
            axes[0, 2].axhline(float(cb.iloc[0]), color=line[0].get_color(), ls=":", lw=1)
    axes[0, 0].set_title("hidden neurons to interpolate N points")
    axes[0, 1].set_title("parameters")
    axes[0, 2].set_title("built networks: neurons against depth\n(dotted: counting bound, any depth)")
    axes[0, 2].set_xlabel("hidden layers L (4, 5: K-class classifiers)")
    if len(fam):
        axes[0, 2].set_xticks(sorted({int(x) for x in fam["depth"]}))
    for ax in axes[0, :2]:
        ax.set_xlabel("N (data points)")
    for ax in axes[0]:
        ax.legend(fontsize=6)
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].text(0.02, 0.02, "x: built networks (measured)", transform=axes[0, 0].transAxes, fontsize=7)
    return fig


def residual_figure(sweep: pd.DataFrame) -> Figure:
    """Residual and condition number against N for each construction."""
    fig, axes = new_figure(2, 1, width=4.6, height=3.6)
    for name, sub in sweep.groupby("construction", sort=False):
        sub = sub.groupby("N", as_index=False).agg({"residual": "max", "cond": "max"})
        axes[0, 0].loglog(sub["N"], np.maximum(sub["residual"], 1e-17), "o-", label=name)
        if sub["cond"].notna().any():
            axes[0, 1].loglog(sub["N"], sub["cond"], "o-", label=name)
    axes[0, 0].axhline(EXACT_TOL, color="k", ls=":", lw=1)
    axes[0, 0].set_title("relative residual max|f(X) − Y| / max(1, max|Y|)")
    axes[0, 1].set_title("condition number of the output system")
    for ax in axes[0]:
        ax.set_xlabel("N")
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
    return fig


def trained_figure(table: pd.DataFrame) -> Figure:
    """Trained networks: zero fraction and class overlap of activation sets by layer, one line per depth/data."""
    fig, axes = new_figure(2, 1, width=4.6, height=3.6)
    for (data, depth), sub in table.groupby(["data", "depth"], sort=False):
        axes[0, 0].plot(sub["layer"], sub["zero_fraction"], "o-", label=f"{data}, L = {depth}")
        if "between_jaccard" in sub:
            axes[0, 1].plot(
                sub["layer"],
                sub["within_jaccard"] - sub["between_jaccard"],
                "o-",
                label=f"{data}, L = {depth}",
            )
    axes[0, 0].set_title("activation sparsity of H^(ℓ) (zero fraction)")
    axes[0, 1].set_title("within − between-class Jaccard of active sets")
    for ax in axes[0]:
        ax.set_xlabel("hidden layer ℓ")
        ax.legend(fontsize=6)
        ax.grid(True, alpha=0.3)
    return fig


def _trained_means(r: StudyResult) -> pd.DataFrame:
    return r.tables["trained_layers"].groupby(["data", "depth", "layer"], as_index=False).mean(numeric_only=True)


FIGURES = (
    FigureSpec("interp_matrices.png", "Activation patterns (black = active) of interpolation matrices: one-sided "
               "triangular, two-sided (block), peeling, the sparse layer 2 of 'grouped', and the class-block last "
               "layer of the classifier (rows sorted by class).",
               lambda r: matrices_figure(panels_from_table(r.tables["matrix_panels"]))),
    FigureSpec("interp_depth.png", "Neurons and parameters of the depth family against N: L = 1 triangular, 2 "
               "grouped, 3 windowed, 4 classifier and 5 classifier-windowed (K = 10), with the one-hidden-layer "
               "lower bound and the any-depth counting bound for points on a line; red crosses: built networks. "
               "Right: built networks' neurons against depth.",
               lambda r: depth_figure(r.tables["depth"])),
    FigureSpec("interp_residuals.png", "Relative residual and condition number against N.",
               lambda r: residual_figure(r.tables["constructions"].query("part != 'multi-output'"))),
    FigureSpec("interp_trained.png", "Trained ReLU MLPs (shared engine): activation sparsity and class separation "
               "of active sets, layer by layer.",
               lambda r: trained_figure(_trained_means(r)), when=lambda r: "trained_layers" in r.tables),
)
