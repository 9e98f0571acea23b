"""Figures of the committee-machine study (one function per figure; each returns a matplotlib Figure).

* :func:`success_figure` — success probability vs α per (K, N), one panel per (activation, weights), with the
  replica capacities as vertical lines.
* :func:`capacity_figure` — the headline: measured transition α_50 vs K for ReLU and sign, beside the RS
  curves,
  the ReLU 1RSB value at K → ∞ and the sign growth law (16/π)√(ln K).
* :func:`robustness_figure` — training-error fraction vs weight noise, input noise and distance, ReLU vs sign.
* :func:`geometry_figure` — local energy and input-noise errors, plain vs robust-ensemble solutions.

:data:`FIGURES` lists them for ``depthlab reproduce`` (each drawn from the experiment's tables).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from depthlab.plotting import new_figure
from depthlab.report.types import FigureSpec

_COLORS = {"relu": "tab:blue", "sign": "tab:red", "linear": "tab:gray"}


def success_figure(success: pd.DataFrame, theory: pd.DataFrame | None = None) -> Figure:
    """Success probability vs α (``success`` from :func:`~depthlab.committee.experiment.success_table`)."""
    keys = ["activation", "weights"] + (["algorithm"] if "algorithm" in success.columns else [])
    groups = list(success.groupby(keys, sort=True))
    fig, axes = new_figure(len(groups) or 1, 1, width=5.0, height=3.6)
    for ax, (key, g) in zip(axes[0], groups, strict=False):
        act, wts = key[0], key[1]
        alg = f", {key[2]}" if len(key) > 2 else ""
        Ks = sorted(g["K"].unique())
        cmap = {K: c for K, c in zip(Ks, ["C0", "C1", "C2", "C3", "C4", "C5", "C6"], strict=False)}
        Ns = sorted(g["N"].unique())
        for (K, N), h in g.groupby(["K", "N"], sort=True):
            style = ["-", "--", ":", "-."][min(Ns.index(N), 3)] if N in Ns else "-"
            ax.errorbar(h["alpha"], h["p_success"], yerr=h["se"], color=cmap[K], ls=style, marker="o", ms=3,
                        label=f"K={K}, N={N}")
        if theory is not None:
            t = theory[(theory["activation"] == act) & (theory["weights"] == wts) & np.isinf(theory["K"])]
            for _, r in t.iterrows():
                if math.isfinite(r["alpha"]):
                    ax.axvline(r["alpha"], color="k", ls="--" if r["quantity"] == "alpha_rs" else ":", lw=1)
                    ax.text(r["alpha"], 1.02, "RS" if r["quantity"] == "alpha_rs" else "1RSB", fontsize=7,
                            ha="center")
        ax.axhline(0.5, color="gray", lw=0.5)
        ax.set_xlabel("α = P/N")
        ax.set_ylabel("P(all patterns stored)")
        ax.set_title(f"{act}, {wts} weights{alg}", fontsize=9)
        ax.set_ylim(-0.05, 1.1)
        ax.legend(fontsize=6, ncol=2)
    return fig


#: One colour per measured series (activation, algorithm): no two series share colour and style.
_SERIES_COLORS = {("relu", "adam-engine"): "tab:blue", ("sign", "adam-engine"): "tab:red",
                  ("sign", "least-action"): "tab:purple"}
_SPARE_COLORS = ("tab:green", "tab:orange", "tab:brown", "tab:olive", "tab:cyan")
_MARKERS = ("o", "^", "D", "v", "P")


def _series_color(act: str, alg: str, used: dict[tuple[str, str], str]) -> str:
    if (act, alg) not in used:
        spare = [c for c in _SPARE_COLORS if c not in used.values()]
        used[(act, alg)] = _SERIES_COLORS.get((act, alg), spare[0] if spare else "k")
    return used[(act, alg)]


def capacity_figure(extrap: pd.DataFrame, theory: pd.DataFrame) -> Figure:
    """Measured α_50 vs K (largest N and 1/N-extrapolated) with the replica curves, ReLU vs sign.

    Each measured series (activation, algorithm) has its own colour and marker (solid line: largest N; dotted,
    hollow squares: extrapolated to 1/N → 0); theory curves carry no markers (dashed: RS at finite K; dash-dot:
    the sign growth law; grey: the ReLU K → ∞ values). K is an integer axis.
    """
    fig, axes = new_figure(1, 1, width=9.0, height=4.4)
    ax = axes[0][0]
    extrap = extrap.copy()
    for col in ("alpha50_Nmax", "alpha50_Nmax_se", "alpha_inf", "alpha_inf_se"):
        if col not in extrap.columns:  # no cell crossed 1/2: nothing measured to draw
            extrap[col] = np.nan
    algs = extrap["algorithm"] if "algorithm" in extrap.columns else pd.Series("", index=extrap.index)
    used: dict[tuple[str, str], str] = {}
    ks: set[int] = set()
    for act in ("relu", "sign"):
        for j, alg in enumerate(sorted(set(algs[extrap["activation"] == act]))):
            e = extrap[(extrap["activation"] == act) & (extrap["weights"] == "spherical")
                       & (algs == alg)].sort_values("K")
            if not len(e):
                continue
            color, name = _series_color(act, alg, used), f"{act} ({alg})" if alg else act
            ks.update(int(k) for k in e["K"])
            ax.errorbar(e["K"], e["alpha50_Nmax"], yerr=e["alpha50_Nmax_se"], color=color,
                        marker=_MARKERS[j % len(_MARKERS)], ls="-", capsize=2,
                        label=f"{name}: measured α_50 (largest N)")
            ok = np.isfinite(e["alpha_inf"])
            if ok.any():
                ax.errorbar(e["K"][ok], e["alpha_inf"][ok], yerr=e["alpha_inf_se"][ok], color=color, marker="s",
                            mfc="none", ls=":", capsize=2, label=f"{name}: α_50 extrapolated to 1/N → 0")
        t = theory[(theory["activation"] == act) & (theory["weights"] == "spherical")
                   & np.isfinite(theory["K"]) & (theory["quantity"] == "alpha_rs")].sort_values("K")
        ties = t["ties"] if "ties" in t.columns else pd.Series("error", index=t.index)
        if (ties == "error").any():
            te = t[ties == "error"]
            ax.plot(te["K"], te["alpha"], color=_COLORS[act], ls="--", lw=1.2, label=f"{act}: RS (finite K)")
        if (ties == "correct").any():
            tc = t[ties == "correct"]
            ax.plot(tc["K"], tc["alpha"], color=_COLORS[act], ls=(0, (3, 1, 1, 1, 1, 1)), lw=1.2,
                    label=f"{act}: RS, ties counted correct")
    g = theory[theory["quantity"] == "alpha_growth"].sort_values("K")
    if len(g):
        ax.plot(g["K"], g["alpha"], color=_COLORS["sign"], ls="-.", lw=1.2, label="sign: (16/π)√(ln K)")
    for q, ls in (("alpha_rs", "--"), ("alpha_1rsb", ":")):
        r = theory[(theory["activation"] == "relu") & (theory["weights"] == "spherical")
                   & np.isinf(theory["K"]) & (theory["quantity"] == q)]
        if len(r):
            val = float(r["alpha"].iloc[0])
            ax.axhline(val, color="0.45", ls=ls, lw=1.0,
                       label=f"relu: {'RS' if q == 'alpha_rs' else '1RSB'} K → ∞ = {val:.3f}")
    ax.set_xscale("log", base=2)
    ticks = sorted(ks | {int(k) for k in theory["K"] if np.isfinite(k) and k >= 1})
    if ticks:
        ax.set_xticks(ticks, [str(k) for k in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("K (hidden units)")
    ax.set_ylabel("capacity α = P/N")
    ax.set_title("Capacity vs K: replica theory (lines) and measured α_50 (markers)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig


def robustness_figure(rob: pd.DataFrame) -> Figure:
    """Error fraction vs perturbation size, one panel per perturbation, one curve per machine kind."""
    kinds = [k for k in ("weight", "input", "distance") if k in set(rob["perturbation"])]
    fig, axes = new_figure(len(kinds) or 1, 1, width=4.2, height=3.4)
    labels = {"weight": "relative weight noise σ (binary: flip probability)",
              "input": "input noise σ (ξ + σ ε)", "distance": "distance d = (1 − q)/2 (random direction)"}
    for ax, kind in zip(axes[0], kinds, strict=False):
        for (act, wts, K), g in rob[rob["perturbation"] == kind].groupby(["activation", "weights", "K"]):
            g = g.sort_values("level")
            ax.errorbar(g["level"], g["error"], yerr=g["error_se"], color=_COLORS.get(act, "k"),
                        ls="-" if wts == "spherical" else "--", marker="o", ms=3,
                        label=f"{act} K={K} {wts}, α={g['alpha'].iloc[0]:g} "
                        f"({int(g['solutions'].iloc[0])} sol.)")
        ax.set_xlabel(labels[kind])
        ax.set_ylabel("training-error fraction")
        ax.set_title(f"{kind} perturbation")
        ax.legend(fontsize=6)
    return fig


def geometry_figure(geo: pd.DataFrame) -> Figure:
    """Local energy vs d and error vs input noise: plain (dashed), robust-ensemble (solid) and uncoupled-replica
    (dotted) solutions, per case."""
    kinds = [k for k in ("distance", "input") if k in set(geo["perturbation"])]
    fig, axes = new_figure(len(kinds) or 1, 1, width=4.6, height=3.6)
    labels = {"distance": "distance d = (1 − q)/2 (random direction)", "input": "input noise σ (ξ + σ ε)"}
    for ax, kind in zip(axes[0], kinds, strict=False):
        for (act, K, alpha, comp, alg), g in geo[geo["perturbation"] == kind].groupby(
                ["activation", "K", "alpha", "comparison", "algorithm"], sort=True):
            g = g.sort_values("level")
            ax.errorbar(g["level"], g["error"], yerr=g["error_se"], color=_COLORS.get(act, "k"),
                        alpha=0.5 if comp == "equal-load" else 1.0,
                        ls={"replicated": "-", "replicated-uncoupled": ":"}.get(alg, "--"),
                        marker={"replicated": "o", "replicated-uncoupled": "^"}.get(alg, "s"), ms=3,
                        label=f"{act} K={K} α={alpha:g} (α/α_RS={g['load'].iloc[0]:.2f}) {alg} "
                        f"({int(g['solutions'].iloc[0])})")
        ax.set_xlabel(labels[kind])
        ax.set_ylabel("training-error fraction")
        ax.set_title("local energy" if kind == "distance" else "input noise")
        ax.legend(fontsize=5)
    return fig


FIGURES = (
    FigureSpec("capacity.png", "Headline: measured storage transition α_50 vs K (largest N, and 1/N-extrapolated) "
               "for ReLU and sign committee machines, with the RS capacity at finite K, the ReLU RS and 1RSB values "
               "at K → ∞ and the sign growth law (16/π)√(ln K).",
               lambda r: capacity_figure(r.tables["extrapolated"], r.tables["theory"])),
    FigureSpec("success.png", "Success probability (all αN patterns stored) vs α per K and N; dashed/dotted "
               "verticals: RS/1RSB capacity at K → ∞.",
               lambda r: success_figure(r.tables["success"], r.tables["theory"])),
    FigureSpec("robustness.png", "Training-error fraction of found solutions after weight noise, input noise and "
               "a move to distance d along random directions (local energy), ReLU vs sign at equal α.",
               lambda r: robustness_figure(r.tables["robustness"])),
    FigureSpec("geometry.png", "Local energy (training-error fraction at distance d along random directions) and "
               "input-noise errors of plain Adam solutions (dashed), robust-ensemble (replicated) solutions "
               "(solid) and uncoupled replicas (dotted), ReLU vs sign at equal α and at equal α/α_RS (paler: the "
               "second sign load).",
               lambda r: geometry_figure(r.tables["geometry"]), when=lambda r: "geometry" in r.tables),
)
