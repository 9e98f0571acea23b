"""Claim rows of the committee study: theory numbers, measured transitions, robustness and the headline.

Verdict rules (each row's note repeats its rule):

* theory numbers: |ours − reference| ≤ 3·√(σ_ours² + σ_ref²) + ½ unit of the reference's last quoted digit
  (σ_ref from the reference text, "± x", else 0);
* measured transitions: gradient/annealing thresholds must not exceed the RS capacity (they may sit below it —
  algorithms stop below capacity); "holds" when α_50 ≤ α_RS(K) + 2 SE;
* robustness: "holds" when ReLU's mean error is below sign's by more than 2 combined SE at the reference
  level,
  "differs" otherwise (with the measured difference);
* headline: sign α_50 grows from the smallest to the largest K by > 2 SE while ReLU α_50 does not grow by > 2
  SE.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from depthlab.report.types import Claim, Verdict

PAPER = "Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578"


def _half_unit(value: float) -> float:
    """Half a unit of the last digit of a reference quoted to 3–4 significant digits (e.g. 0.904 → 5e-4)."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    text = f"{value:.6g}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def theory_claims(theory: pd.DataFrame) -> list[Claim]:
    """One row per calculator value with a reference, plus the sign growth values (no reference: not
    tested)."""
    out = []
    for r in theory.itertuples():
        K = "∞" if math.isinf(r.K) else str(int(r.K))
        q = {"alpha_rs": "α_RS", "alpha_1rsb": "α_1RSB"}.get(r.quantity, r.quantity)
        name = f"{q} {r.activation}, {r.weights}, K={K}"
        if r.activation == "relu" and K != "∞" and getattr(r, "ties", "error") == "correct":
            name += " (ties counted correct: the note's recipe)"
        if r.quantity == "alpha_growth":
            out.append(Claim(f"sign capacity grows as (16/π)√(ln K): {name}",
                             "Monasson & Zecchina, PRL 75, 2432 (1995) (large-K law)",
                             "(16/π)√(ln K)", f"{r.alpha:.4f}", Verdict.NOT_TESTED,
                             "asymptotic formula evaluated at finite K; compared with measurements in the "
                             "headline figure only"))
            continue
        ref = r.reference_value
        if not isinstance(ref, float) or math.isnan(ref):
            continue
        if math.isinf(ref) or math.isinf(r.alpha):
            ok = math.isinf(ref) and math.isinf(r.alpha)
            out.append(Claim(f"{name} diverges", str(r.reference_source), "∞", f"{r.alpha}",
                             Verdict.HOLDS if ok else Verdict.DIFFERS,
                             "divergence (K → ∞) checked symbolically"))
            continue
        m = re.search(r"±\s*([0-9.]+)", str(r.reference_source))
        sig_ref = float(m.group(1)) if m else 0.0
        tol = 3 * math.hypot(float(r.stderr), sig_ref) + _half_unit(ref)
        ok = abs(r.alpha - ref) <= tol
        out.append(Claim(name, str(r.reference_source), f"{ref:g}",
                         f"{r.alpha:.5f}" + (f" ± {r.stderr:.4f}" if r.stderr > 0 else ""),
                         Verdict.HOLDS if ok else Verdict.DIFFERS,
                         f"|Δ| = {abs(r.alpha - ref):.2g} vs tolerance {tol:.2g} (3σ combined + ½ last "
                         f"digit); {r.method}. The paper's own numbers were not reachable (abstract only)."))
    return out


def _rs_at(theory: pd.DataFrame, activation: str, weights: str, K: int) -> float:
    """RS capacity of our model (ties count as errors) at finite K: from the table, else from the calculator."""
    t = theory[(theory["quantity"] == "alpha_rs") & (theory["activation"] == activation)
               & (theory["weights"] == weights) & (theory["K"] == float(K))]
    if "ties" in t.columns:
        t = t[t["ties"] == "error"]
    if len(t):
        return float(t["alpha"].iloc[0])
    from depthlab.committee import alpha_rs
    from depthlab.errors import DepthlabError

    try:
        return float(alpha_rs(activation, weights, K))
    except DepthlabError:
        return float("nan")


def transition_claims(extrap: pd.DataFrame, theory: pd.DataFrame, algorithm: str) -> list[Claim]:
    """Measured α_50 per (activation, weights, K) against the RS capacity at that K (or K → ∞ for binary)."""
    out = []
    for r in extrap.itertuples():
        rs = _rs_at(theory, r.activation, r.weights, r.K)
        label = "finite K" if math.isfinite(rs) else "n/a"
        if r.weights == "binary" or not math.isfinite(rs):
            inf_rs = theory[(theory["quantity"] == "alpha_rs") & (theory["activation"] == r.activation)
                            & (theory["weights"] == r.weights) & np.isinf(theory["K"])]
            if len(inf_rs) and not math.isfinite(rs):
                rs, label = float(inf_rs["alpha"].iloc[0]), "K → ∞"
        a, se = r.alpha50_Nmax, r.alpha50_Nmax_se
        ext = (f"; 1/N-extrapolated {r.alpha_inf:.3f} ± {r.alpha_inf_se:.3f}"
               if math.isfinite(r.alpha_inf) else "; no 1/N extrapolation (needs ≥ 2 sizes with a crossing)")
        measured = f"α_50 = {a:.3f} ± {se:.3f} at N = {r.N_max}{ext}" if math.isfinite(a) else "no crossing"
        if not math.isfinite(a) or not math.isfinite(rs):
            verdict, note = Verdict.NOT_TESTED, "no crossing in the α grid, or no RS value for this K"
        else:
            verdict = Verdict.HOLDS if a <= rs + 2 * se else Verdict.DIFFERS
            note = (f"{algorithm}; RS capacity ({label}) {rs:.3f}; the algorithm reaches "
                    f"{a / rs:.0%} of it. Rule: α_50 ≤ α_RS + 2 SE (algorithms stop at or below capacity).")
        K = f"K={r.K}" + (" (perceptron)" if r.activation == "sign" and r.K == 1 else "")
        alg = f" [{r.algorithm}]" if hasattr(r, "algorithm") else ""
        out.append(Claim(f"{r.activation}, {r.weights} weights, {K}{alg}: measured storage transition below the "
                         f"replica capacity", "RS capacity from depthlab's replica calculator (theory_* modules); "
                         "issue #6 experiment", f"α_RS = {rs:.3f} (calculator, ties = errors)",
                         measured, verdict, note))
    return out


def headline_claim(extrap: pd.DataFrame, theory: pd.DataFrame, sign_algorithm: str | None = None) -> Claim:
    """'Capacity stays finite as K grows for ReLU, diverges for sign', tested on the measured α_50(K).

    Rule: every measured ReLU α_50 stays at or below the ReLU RS ceiling α_RS(K → ∞) = 2π/(π−1) (+ 2 SE), and
    the sign machine's α_50 at its largest K exceeds that ceiling by > 2 SE (a capacity that diverges must pass
    any finite ceiling). Note that with ties counted as errors the ReLU RS capacity *rises* with K towards the
    ceiling (4/3 at K = 2), so a rising ReLU α_50 at small K is expected. The note also says whether sign α_50
    grows from its smallest to its largest K by > 2 combined SE (necessary for divergence, not sufficient).

    Args:
        sign_algorithm: which sign rows to use (the ``algorithm`` column: ``"adam-engine"`` or
            ``"least-action"``); ``None`` uses all sign rows (tables without that column).
    """
    sel = theory[(theory["quantity"] == "alpha_rs") & (theory["activation"] == "relu")
                 & (theory["weights"] == "spherical") & np.isinf(theory["K"])]
    ceiling = float(sel["alpha"].iloc[0]) if len(sel) else 2.0 * math.pi / (math.pi - 1.0)
    relu = extrap[(extrap["activation"] == "relu") & (extrap["weights"] == "spherical")
                  & np.isfinite(extrap["alpha50_Nmax"])].sort_values("K")
    sign = extrap[(extrap["activation"] == "sign") & (extrap["weights"] == "spherical")
                  & np.isfinite(extrap["alpha50_Nmax"])].sort_values("K")
    if sign_algorithm is not None and "algorithm" in sign.columns:
        sign = sign[sign["algorithm"] == sign_algorithm]
    paper = (f"ReLU: finite as K → ∞ (RS {ceiling:.3f}, 1RSB 2.664 by our calculator); sign: diverges "
             "(abstract; (16/π)√(ln K), Monasson & Zecchina 1995)")
    how = f" [sign units: {sign_algorithm}; ReLU: adam-engine]" if sign_algorithm else ""
    claim = f"Capacity stays finite as K grows for ReLU, diverges for sign (measured α_50 vs K){how}"
    if len(relu) < 2 or len(sign) < 2:
        return Claim(claim, f"{PAPER}, abstract", paper, "fewer than two K with a crossing", Verdict.NOT_TESTED)
    measured = ("ReLU α_50: " + ", ".join(f"{r.alpha50_Nmax:.2f} (K={r.K}, N={r.N_max})" for r in relu.itertuples())
                + "; sign α_50: "
                + ", ".join(f"{r.alpha50_Nmax:.2f} (K={r.K}, N={r.N_max})" for r in sign.itertuples()))
    relu_ok = bool((relu["alpha50_Nmax"] <= ceiling + 2 * relu["alpha50_Nmax_se"]).all())
    top, low = sign.iloc[-1], sign.iloc[0]
    sign_ok = bool(top["alpha50_Nmax"] > ceiling + 2 * top["alpha50_Nmax_se"])
    rise = float(top["alpha50_Nmax"] - low["alpha50_Nmax"])
    rise_se = math.hypot(float(top["alpha50_Nmax_se"]), float(low["alpha50_Nmax_se"]))
    grows = "yes" if rise > 2 * rise_se else "no"
    note = (f"Rule: all ReLU α_50 ≤ {ceiling:.3f} + 2 SE ({'yes' if relu_ok else 'no'}) and sign α_50 at "
            f"K={top['K']} > {ceiling:.3f} + 2 SE ({'yes' if sign_ok else 'no'}). Sign α_50 grows from K={low['K']} "
            f"to K={top['K']} by {rise:+.2f} ± {rise_se:.2f} (> 2 SE: {grows}). Measured at finite N with a fixed "
            "budget: this tests the algorithmic threshold, which for sign units stays far below the sign RS "
            "capacity (which grows like √K), not the capacity itself.")
    return Claim(claim, f"{PAPER}, abstract", paper, measured,
                 Verdict.HOLDS if relu_ok and sign_ok else Verdict.DIFFERS, note)


def robustness_claims(rob: pd.DataFrame, levels: dict[str, float]) -> list[Claim]:
    """ReLU vs sign mean training error at one reference level per (weights, perturbation)."""
    what = {"weight": "weight perturbations", "input": "input perturbations",
            "distance": "moves to distance d along random directions (local energy)"}
    out = []
    for (wts, kind), g in rob.groupby(["weights", "perturbation"], sort=True):
        lev = levels.get(f"{wts}/{kind}")
        if lev is None:
            continue
        pick = g[np.isclose(g["level"], lev)]
        r, s = pick[pick["activation"] == "relu"], pick[pick["activation"] == "sign"]
        if not len(r) or not len(s):
            continue
        r, s = r.iloc[0], s.iloc[0]
        diff = s["error"] - r["error"]
        se = math.hypot(r["error_se"], s["error_se"])
        verdict = Verdict.HOLDS if diff > 2 * se else Verdict.DIFFERS
        out.append(Claim(
            f"ReLU solutions are more robust than sign solutions to {what[kind]} ({wts} weights, α = "
            f"{r['alpha']:g})",
            f"{PAPER}, abstract (dense regions; robust to weight and input perturbations)",
            "ReLU more robust (qualitative)",
            f"error fraction at level {lev:g}: ReLU K={r['K']} {r['error']:.4f} ± {r['error_se']:.4f} vs "
            f"sign K={s['K']} {s['error']:.4f} ± {s['error_se']:.4f}",
            verdict,
            f"Rule: sign − ReLU > 2 SE (Δ = {diff:+.4f} ± {se:.4f}). Our solutions come from Adam/annealing, "
            "not from a local-entropy algorithm, so they need not lie in the rare dense regions the paper "
            "describes."))
    return out
