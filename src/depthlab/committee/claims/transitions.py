"""Measured storage transitions (table ``extrapolated``) and the perceptron decided exactly (table
``exact_cover``). Each machine's α_50 at the largest N must stay at or below its capacity: Cover's α_c = 2 for the
spherical perceptron (Cover, IEEE Trans. Electron. Comput. EC-14, 326 (1965); a claim), and for every other
machine of Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019) the RS capacity our calculator gives (a
consistency check); the algorithms are Adam, least action (Mitchison & Durbin, Biol. Cybern. 60, 345 (1989)) and
(replicated) simulated annealing (Baldassi et al., PNAS 113, E7655 (2016)). The exact row decides storage by
linear programming and compares the pooled fraction at P = 2N with Cover's Theorem 1, exactly ½.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from depthlab.committee.rules import K_SE
from depthlab.committee.scales import BINARY_MACHINES, SCALES
from depthlab.report.claims import AtMost, Claim, Measurement, NotMeasured, Value, Within, external, measured, ours
from depthlab.report.types import StudyResult

# ----------------------------------------------------------------------------------------------------------
# Measured storage transitions (table ``extrapolated``)

ALGORITHMS = {
    "adam-engine": "Adam on the squared hinge via the shared engine (straight-through surrogates)",
    "least-action": "batched least-action learning (Mitchison & Durbin 1989), margin-free, weights not "
                    "renormalised",
    "simulated-annealing": "simulated annealing (Metropolis)",
    "replicated-annealing": "replicated simulated annealing (robust ensemble, Baldassi et al. 2016)",
}


def _row(r: StudyResult, activation: str, weights: str, algorithm: str, K: int) -> pd.Series:
    e = r.tables["extrapolated"]
    row = e[(e["activation"] == activation) & (e["weights"] == weights) & (e["algorithm"] == algorithm)
            & (e["K"] == K)]
    if row.empty or not math.isfinite(float(row["alpha50_Nmax"].iloc[0])):
        raise NotMeasured("no crossing of P(success) = 1/2 in the α grid")
    return row.iloc[0]


def _transition_measure(activation: str, weights: str, algorithm: str, K: int, needs_rs: bool
                        ) -> Callable[[StudyResult], Measurement]:
    def measure(r: StudyResult) -> Measurement:
        x = _row(r, activation, weights, algorithm, K)
        a, se, rs = float(x["alpha50_Nmax"]), float(x["alpha50_Nmax_se"]), float(x["alpha_rs"])
        if needs_rs and not math.isfinite(rs):
            raise NotMeasured(f"the calculator has no RS value for {activation}/{weights} at K={K}")
        ext = (f"; 1/N-extrapolated {x['alpha_inf']:.3f} ± {x['alpha_inf_se']:.3f}"
               if math.isfinite(x["alpha_inf"]) else "; no 1/N extrapolation (needs ≥ 2 sizes with a crossing)")
        text = f"α_50 = {a:.3f} ± {se:.3f} at N = {int(x['N_max'])}{ext}"
        if math.isfinite(rs):
            text += f"; RS capacity {rs:.3f}, reached to {a / rs:.0%}"
        return measured(text, Value(a, se=se, ref=rs, label=f"K={K}"))

    return measure


def _transition(activation: str, weights: str, algorithm: str, K: int) -> Claim:
    """α_50 of one machine below its capacity: Cover's bound for the perceptron (a claim), else our RS value."""
    perceptron = activation == "sign" and K == 1 and weights == "spherical"
    what = f"K={K}" + (" (perceptron)" if perceptron else "")
    if perceptron:
        source = external("Cover, IEEE Trans. Electron. Comput. EC-14, 326 (1965): at most half of the "
                          "dichotomies of P = 2N points in R^N are linearly separable, at every N")
        expected, rule = "α_50 ≤ 2", AtMost(2.0, k_se=K_SE, why="an algorithm stops at or below capacity")
    else:
        source = ours("the RS capacity of the same machine (ties counted as errors) from our replica calculator, "
                      "depthlab.committee.theory.alpha_rs")
        expected = "α_50 ≤ α_RS(K) (calculator, ties = errors)"
        rule = AtMost(k_se=K_SE, why="RS over-estimates the capacity, and an algorithm stops at or below it")
    return Claim(
        key=f"transition-{activation}-{weights}-{algorithm}-K{K}",
        statement=f"{activation}, {weights} weights, {what} [{algorithm}]: measured storage transition below the "
                  + ("perceptron's capacity 2" if perceptron else "replica capacity"),
        source=source, expected=expected, quantity="α_50 at the largest N", rule=rule,
        measure=_transition_measure(activation, weights, algorithm, K, not perceptron),
        note=ALGORITHMS[algorithm])


def _machines(scale: str) -> list[tuple[str, str, str, int]]:
    """(activation, weights, algorithm, K) of every measured transition at ``scale``, in report order."""
    sc = SCALES[scale]
    return ([("relu", "spherical", "adam-engine", K) for K in sc["relu"]["Ks"]]
            + [("sign", "spherical", "adam-engine", K) for K in sc["sign"]["Ks"]]
            + [("sign", "spherical", "least-action", K) for K in sc["sign_la"]["Ks"]]
            + [(act, "binary", "simulated-annealing", K) for act, K in BINARY_MACHINES])


# ----------------------------------------------------------------------------------------------------------
# The perceptron decided exactly (table ``exact_cover``)

#: Standard errors of the exact-perceptron row: under Cover's value the pooled count is exactly binomial, so a
#: true ½ reads *differs* with probability 0.27 % (two-sided normal tail at 3 SE).
COVER_K_SE = 3.0


def _cover_measure(r: StudyResult) -> Measurement:
    t = r.tables["exact_cover"]
    if t.empty:
        raise NotMeasured("no exact perceptron cells at this scale")
    n = int(t["instances"].sum())
    stored = float((t["p_success"] * t["instances"]).sum())
    ref = float((t["p_cover"] * t["instances"]).sum() / n)
    se = math.sqrt(ref * (1 - ref) / n)
    per_n = ", ".join(f"{x.p_success:.3f} of {x.instances} at N = {x.N}" for x in t.itertuples())
    return measured(f"fraction storable at P = 2N: {stored / n:.4f} ± {se:.4f} pooled over {n} problems "
                    f"({per_n}); Cover: {ref:g}", Value(stored / n, se=se, ref=ref, label="P = 2N"))


def exact_cover_claim() -> Claim:
    """The LP-decided storage probability of the spherical perceptron at P = 2N against Cover's ½."""
    return Claim(
        key="perceptron-exact-cover",
        statement="The spherical perceptron stores P = 2N random patterns with probability exactly ½, at every N "
                  "(storage decided exactly by linear programming, not by a trainer)",
        source=external("Cover, IEEE Trans. Electron. Comput. EC-14, 326 (1965), Theorem 1: C(P, N) = 2 Σ_{k<N} "
                        "C(P−1, k) of the 2^P dichotomies of P points in general position in R^N are linearly "
                        "separable through the origin, i.e. exactly half at P = 2N"),
        expected="½", quantity="fraction of problems storable at P = 2N, pooled over N",
        rule=Within(0.5, k_se=COVER_K_SE, why="the count is exactly binomial(n, ½) under Cover's value; SE = "
                    "√(p(1 − p)/n) at p = ½"),
        measure=_cover_measure,
        note="Storage decided by the max-margin LP of depthlab.committee.exact (HiGHS), each positive answer "
             "re-checked on the true machine in float64; Gaussian patterns are in general position with "
             "probability 1.")
