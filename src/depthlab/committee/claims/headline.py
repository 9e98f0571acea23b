"""The headline of Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578, as three claims
on the measured α_50 vs K (table ``extrapolated``): the ReLU capacity stays finite (α_50 stops growing between the
two largest K), and the sign capacity diverges (α_50 at the largest K passes the ReLU RS ceiling 2π/(π − 1)),
once per sign algorithm. At finite N with a fixed budget this measures the algorithmic threshold, not the
capacity itself (:data:`CAVEAT`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from depthlab.committee.claims.common import DIVERGES, FINITE, PAPER, RELU_CEILING
from depthlab.committee.rules import K_SE
from depthlab.report.claims import AtMost, Claim, Exceeds, Measurement, NotMeasured, Value, measured, paper
from depthlab.report.types import StudyResult

# ----------------------------------------------------------------------------------------------------------
# The headline: finite for ReLU, divergent for sign (measured α_50 vs K)

CAVEAT = ("Measured at finite N with a fixed budget: this tests the algorithmic threshold, which for sign units "
          "stays far below the sign RS capacity (which grows like √K), not the capacity itself.")


def _curve(r: StudyResult, activation: str, algorithm: str) -> pd.DataFrame:
    e = r.tables["extrapolated"]
    c = e[(e["activation"] == activation) & (e["weights"] == "spherical") & (e["algorithm"] == algorithm)
          & np.isfinite(e["alpha50_Nmax"])].sort_values("K")
    if len(c) < 2:
        raise NotMeasured(f"fewer than two K with a crossing for {activation} ({algorithm})")
    return c


def _listing(c: pd.DataFrame) -> str:
    return ", ".join(f"{x.alpha50_Nmax:.2f} (K={x.K}, N={x.N_max})" for x in c.itertuples())


def _step(lo: pd.Series, hi: pd.Series) -> tuple[float, float]:
    return (float(hi["alpha50_Nmax"] - lo["alpha50_Nmax"]),
            math.hypot(float(hi["alpha50_Nmax_se"]), float(lo["alpha50_Nmax_se"])))


def _relu_growth(r: StudyResult) -> Measurement:
    c = _curve(r, "relu", "adam-engine")
    prev, top = c.iloc[-2], c.iloc[-1]
    d, se = _step(prev, top)
    first, first_se = _step(c.iloc[0], top)
    return measured(f"ReLU α_50: {_listing(c)}; K={prev['K']} → {top['K']}: {d:+.2f} ± {se:.2f} (K={c.iloc[0]['K']}"
                    f" → {top['K']}: {first:+.2f} ± {first_se:.2f})",
                    Value(d, se=se, label=f"K={prev['K']} → {top['K']}"))


def _sign_top(algorithm: str) -> Callable[[StudyResult], Measurement]:
    def measure(r: StudyResult) -> Measurement:
        c = _curve(r, "sign", algorithm)
        top = c.iloc[-1]
        d, se = _step(c.iloc[0], top)
        return measured(f"sign α_50: {_listing(c)}; K={c.iloc[0]['K']} → {top['K']}: {d:+.2f} ± {se:.2f}",
                        Value(float(top["alpha50_Nmax"]), se=float(top["alpha50_Nmax_se"]), label=f"K={top['K']}"))

    return measure


def headline_claims() -> list[Claim]:
    """The abstract's headline as two claims: ReLU stops growing; sign passes the ReLU ceiling (per algorithm)."""
    relu = Claim(
        key="headline-relu-finite",
        statement="Capacity stays finite as K grows for ReLU (measured α_50 vs K) [adam-engine]",
        source=paper(f"{PAPER}, abstract: '{FINITE}'"), expected="finite as K → ∞",
        quantity="the growth of ReLU α_50 between the two largest K",
        rule=AtMost(0.0, k_se=K_SE, why="a capacity that stays finite stops growing; at small K even the RS "
                                        "capacity of this model still rises (4/3 at K = 2, 2.93 at K → ∞), so the "
                                        "test is where K is largest"),
        measure=_relu_growth, note=CAVEAT)
    signs = [Claim(
        key=f"headline-sign-diverges-{algorithm}",
        statement=f"Capacity diverges as K grows for sign units (measured α_50 vs K) [{algorithm}]",
        source=paper(f"{PAPER}, abstract: '{DIVERGES}'"), expected="diverges as K → ∞",
        quantity="sign α_50 at the largest K",
        rule=Exceeds(RELU_CEILING, why="a diverging capacity must pass any finite bound; this one is the ReLU RS "
                                       "capacity at K → ∞, 2π/(π−1)"),
        measure=_sign_top(algorithm), note=CAVEAT) for algorithm in ("adam-engine", "least-action")]
    return [relu, *signs]
