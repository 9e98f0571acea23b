"""Figures of the matrix-exponential study: functions of tables returning figures, and :data:`FIGURES`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from depthlab.plotting import new_figure
from depthlab.report.types import FigureSpec

_FLOOR = 1e-17  # residuals of exactly 0 are drawn at this level on the log axis


def residual_figure(table: pd.DataFrame) -> Figure:
    """Closed-form residual (three layers) and best one-layer residual against d, complex and real data.

    Args:
        table: :func:`~depthlab.matexp.experiment.closed_form_table` rows.
    """
    fig, axes = new_figure(1, 1, width=6.0, height=4.8)
    ax = axes[0, 0]
    for real, marker in ((False, "o"), (True, "s")):
        t = table[table["real"] == real]
        if t.empty:
            continue
        kind = "real" if real else "complex"
        jitter = 1 + 0.04 * (1 if real else -1)
        ax.scatter(t["d"] * jitter, np.maximum(t["max_residual"], _FLOOR), marker=marker, s=18, alpha=0.7,
                   label=f"3-layer closed form ({kind})")
        ax.scatter(t["d"] * jitter, t["one_layer_ls_residual"], marker=marker, s=18, alpha=0.7,
                   facecolors="none", edgecolors="C3" if real else "C1", label=f"best 1-layer, LS ({kind})")
    ax.axhline(1e-10, color="gray", ls="--", lw=1, label="tolerance 1e-10")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("d (matrix size)")
    ax.set_ylabel("relative residual of the two equations")
    ax.set_title("Two equations: three expm layers vs one linear layer")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)  # below: no point hidden
    return fig


def nmax_figure(summary: pd.DataFrame) -> Figure:
    """n_max(L) per d beside the count bound n ≤ L (L·d² unknowns vs n·d² equations).

    Args:
        summary: :func:`~depthlab.matexp.depth.summarize` rows (depth, d, n_max, count_bound).
    """
    fig, axes = new_figure(1, 1, width=5.5, height=4.0)
    ax = axes[0, 0]
    depths = np.sort(summary["depth"].unique())
    ax.plot(depths, depths, "k--", lw=1, label="count bound n = L")
    dims = sorted(summary["d"].unique())
    for k, d in enumerate(dims):
        s = summary[summary["d"] == d].sort_values("depth")
        off = (k - (len(dims) - 1) / 2) * 0.06
        ax.plot(s["depth"] + off, s["n_max"], "o-", ms=5, label=f"d = {d}")
    ax.set_xlabel("depth L")
    ax.set_ylabel("n_max: equations solved (≥ half the instances)")
    ax.set_xticks(depths)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # n_max is a count
    ax.set_title("How many equations a depth-L expm network solves")
    ax.legend(fontsize=8)
    return fig


FIGURES = (
    FigureSpec("residuals.png", "Closed-form three-layer residual vs best one-layer residual, by d.",
               lambda r: residual_figure(r.tables["closed_form"])),
    FigureSpec("n_max.png", "n_max(L): equations solved by a depth-L expm network, with the count bound n = L.",
               lambda r: nmax_figure(r.tables["n_max"])),
)
