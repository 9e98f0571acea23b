"""Figures of the capacity study: success curves with Wilson intervals, N* against depth beside the bound.

Each figure is a function of the study's tables (``curves``: one row per (cell, N); ``cells``: one row per cell)
returning a matplotlib Figure; :data:`FIGURES` lists them for ``depthlab reproduce`` and
:func:`figure_drawers` for a grid folder (``depthlab capacity grid``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from depthlab.capacity.theory import capacity_bound
from depthlab.plotting import new_figure
from depthlab.report.types import FigureSpec, StudyResult

_CELL = ["depth", "width", "activation", "bias"]


def success_curves(curves: pd.DataFrame, cells: pd.DataFrame, *, width: int, bias: bool = False) -> Figure:
    """P(exact fit) against N for every depth, one panel per activation (width ``width``).

    Points are the fraction of data sets fitted (any restart) with 95 % Wilson intervals; the dashed vertical lines
    are the parameter-count bounds (P − S)/d; the L = 1 curve (activation-free) is drawn in every panel.

    Args:
        curves: one row per (cell, N) (:func:`depthlab.capacity.success.curve_table`).
        cells: one row per cell with its ``n_star`` (:func:`depthlab.capacity.success.summarise_grid`).
    """
    sel = curves[(curves["width"] == width) & (curves["bias"].astype(bool) == bias)]
    n_star = {tuple(k): v for k, v in zip(cells[_CELL].itertuples(index=False), cells["n_star"], strict=True)}
    acts = sorted(set(sel.loc[sel["depth"] > 1, "activation"])) or ["linear"]
    fig, axes = new_figure(len(acts), 1, width=4.2, height=3.4, sharey=True)
    depths = sorted(sel["depth"].unique())
    colors = {L: f"C{i}" for i, L in enumerate(depths)}
    for ax, act in zip(axes[0], acts, strict=True):
        for key, c in sel.groupby(_CELL, sort=True):
            L, _, cell_act, _ = key
            if L > 1 and cell_act != act:
                continue
            c = c.sort_values("n_points")
            yerr = np.clip(np.vstack([c["p"] - c["p_low"], c["p_high"] - c["p"]]), 0, None)
            ax.errorbar(c["n_points"], c["p"], yerr=yerr, marker="o", ms=3, lw=1, capsize=2, color=colors[L],
                        label=f"L={L}  N*={n_star[tuple(key)]:.1f}")
            ax.axvline(capacity_bound(int(L), width, cell_act, bias=bias), color=colors[L], ls="--", lw=0.8)
        ax.axhline(0.5, color="0.6", lw=0.6)
        ax.set_title(f"{act}, d={width}{', biases' if bias else ''}")
        ax.set_xlabel("N (data points)")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("P(exact fit)  [95% Wilson]")
    return fig


def n_star_vs_depth(summary: pd.DataFrame, *, bias: bool = False) -> Figure:
    """N* (with CI) against L per activation and width, the parameter-count bound drawn beside (dashed)."""
    sub = summary[summary["bias"] == bias]
    widths = sorted(sub["width"].unique())
    fig, axes = new_figure(max(1, len(widths)), 1, width=4.4, height=3.4)
    for ax, d in zip(axes[0], widths, strict=False):
        g = sub[sub["width"] == d]
        base = g[g["depth"] == 1]
        acts = sorted(a for a in g["activation"].unique() if a != "linear") or ["linear"]
        for i, act in enumerate(acts):
            h = pd.concat([base, g[(g["activation"] == act) & (g["depth"] > 1)]]).sort_values("depth")
            lower = (h["n_star"] - h["n_star_low"].clip(lower=0)).to_numpy(dtype=float)
            upper = (h["n_star_high"] - h["n_star"]).to_numpy(dtype=float)
            yerr = np.nan_to_num(np.clip(np.vstack([lower, upper]), 0, None), posinf=0.0)
            ax.errorbar(h["depth"] + 0.04 * (i - 1), h["n_star"], yerr=yerr, marker="o", capsize=3,
                        color=f"C{i}", label=f"{act} N*")
            ax.plot(h["depth"], h["bound"], ls="--", color=f"C{i}", lw=0.9, label=f"{act} bound (P−S)/d")
        ax.set_xlabel("depth L")
        ax.set_title(f"d={d}{', biases' if bias else ''}")
        ax.set_xticks(sorted(g["depth"].unique()))
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("capacity N*  (P(exact)=1/2, 95% CI)")
    return fig


Draw = Callable[[pd.DataFrame, pd.DataFrame], Figure]


def figure_drawers(cells: pd.DataFrame) -> list[tuple[str, str, Draw]]:
    """``(file name, caption, draw(curves, cells))`` for every (width, bias) and bias setting in ``cells``."""
    out: list[tuple[str, str, Draw]] = []
    biases = sorted(bool(b) for b in cells["bias"].unique())
    for d in sorted(int(w) for w in cells["width"].unique()):
        for b in biases:
            out.append((f"success_curves_d{d}{'_bias' if b else ''}.png",
                        f"P(exact fit) vs N, d={d}, {'biases' if b else 'no biases'} (95% Wilson intervals; "
                        "dashed: bounds).",
                        lambda cv, cl, d=d, b=b: success_curves(cv, cl, width=d, bias=b)))
    for b in biases:
        out.append((f"n_star_vs_depth{'_bias' if b else ''}.png",
                    f"Capacity N* vs depth L with the parameter-count bound{', biases' if b else ''}.",
                    lambda _cv, cl, b=b: n_star_vs_depth(cl, bias=b)))
    return out


def FIGURES(result: StudyResult) -> tuple[FigureSpec, ...]:
    """The report's figures for this result's cells (one set per width and bias setting measured)."""
    return tuple(FigureSpec(name, caption, lambda r, draw=draw: draw(r.tables["curves"], r.tables["cells"]))
                 for name, caption, draw in figure_drawers(result.tables["cells"]))
