"""Figures of the capacity study: success curves with Wilson intervals, N* against depth beside the bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from depthlab.capacity.theory import capacity_bound
from depthlab.plotting import new_figure


def success_curves(results: list[dict[str, Any]], *, width: int, bias: bool = False) -> Figure:
    """P(exact fit) against N for every depth, one panel per activation (width ``width``).

    Points are the fraction of data sets fitted (any restart) with 95 % Wilson intervals; the dashed vertical lines
    are the parameter-count bounds (P − S)/d; the L = 1 curve (activation-free) is drawn in every panel.
    """
    sel = [r for r in results if r["config"]["width"] == width and r["config"]["bias"] == bias]
    acts = sorted({r["config"]["activation"] for r in sel if r["config"]["depth"] > 1}) or ["linear"]
    fig, axes = new_figure(len(acts), 1, width=4.2, height=3.4, sharey=True)
    depths = sorted({r["config"]["depth"] for r in sel})
    colors = {L: f"C{i}" for i, L in enumerate(depths)}
    for ax, act in zip(axes[0], acts, strict=True):
        for r in sorted(sel, key=lambda r: r["config"]["depth"]):
            cfg = r["config"]
            if cfg["depth"] > 1 and cfg["activation"] != act:
                continue
            c = pd.DataFrame(r["curve"])
            if c.empty:
                continue
            L = cfg["depth"]
            yerr = np.clip(np.vstack([c["p"] - c["p_low"], c["p_high"] - c["p"]]), 0, None)
            ax.errorbar(
                c["n_points"],
                c["p"],
                yerr=yerr,
                marker="o",
                ms=3,
                lw=1,
                capsize=2,
                color=colors[L],
                label=f"L={L}  N*={r['n_star']:.1f}",
            )
            ax.axvline(
                capacity_bound(L, width, cfg["activation"], bias=bias), color=colors[L], ls="--", lw=0.8
            )
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
            ax.errorbar(
                h["depth"] + 0.04 * (i - 1),
                h["n_star"],
                yerr=yerr,
                marker="o",
                capsize=3,
                color=f"C{i}",
                label=f"{act} N*",
            )
            ax.plot(h["depth"], h["bound"], ls="--", color=f"C{i}", lw=0.9, label=f"{act} bound (P−S)/d")
        ax.set_xlabel("depth L")
        ax.set_title(f"d={d}{', biases' if bias else ''}")
        ax.set_xticks(sorted(g["depth"].unique()))
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("capacity N*  (P(exact)=1/2, 95% CI)")
    return fig
