"""Reference values to compare the calculator with, each with its source.

Sources are either a paper (cited with what we could check) or ``note's computation``: a number from
``/work/shared/notes/baldassi-relu-capacity.md`` computed by the note's author from the same replica
formulas, not read from Baldassi, Malatesta & Zecchina (PRL 123, 170602 (2019)). The paper's body was not
reachable through our search tools (only its abstract), so none of its capacity numbers is quoted here as the paper's.
"""

from __future__ import annotations

import math

NOTE = "note's computation (shared/notes/baldassi-relu-capacity.md"
_INF = math.inf

#: (quantity, activation, weights, K) -> (value, source)
REFERENCES: dict[tuple[str, str, str, float], tuple[float, str]] = {
    ("alpha_rs", "linear", "spherical", _INF): (2.0, "Gardner, J. Phys. A 21, 257 (1988); Cover (1965)"),
    ("alpha_1rsb", "linear", "spherical", _INF): (2.0, "Gardner, J. Phys. A 21, 257 (1988) (RS exact)"),
    ("alpha_rs", "relu", "spherical", _INF): (2.0 * math.pi / (math.pi - 1.0), f"{NOTE} §2.2, 2π/(π−1))"),
    ("alpha_1rsb", "relu", "spherical", _INF): (2.6643, f"{NOTE} §2.2)"),
    ("alpha_rs", "sign", "spherical", _INF): (_INF, "abstract of Baldassi et al. (capacity diverges for "
                                                    "threshold units)"),
    ("alpha_1rsb", "sign", "spherical", _INF): (_INF, "abstract of Baldassi et al. (capacity diverges for "
                                                      "threshold units)"),
    ("alpha_rs", "linear", "binary", 1.0): (0.833, "Krauth & Mézard, J. Phys. France 50, 3057 (1989) "
                                                   "(= RS zero-entropy point)"),
    ("alpha_rs", "relu", "binary", _INF): (0.904, f"{NOTE} §2.2)"),
    ("alpha_rs", "sign", "binary", _INF): (0.947, f"{NOTE} §2.2)"),
    ("alpha_rs", "relu", "spherical", 2.0): (3.812, f"{NOTE} §2.3, Monte Carlo ± 0.007)"),
    ("alpha_rs", "relu", "spherical", 4.0): (3.096, f"{NOTE} §2.3, Monte Carlo ± 0.007)"),
    ("alpha_rs", "relu", "spherical", 6.0): (2.935, f"{NOTE} §2.3, Monte Carlo ± 0.009)"),
    ("alpha_rs", "relu", "spherical", 8.0): (2.913, f"{NOTE} §2.3, Monte Carlo ± 0.009)"),
    ("alpha_rs", "relu", "spherical", 16.0): (2.904, f"{NOTE} §2.3, Monte Carlo ± 0.012)"),
    ("alpha_rs", "relu", "spherical", 32.0): (2.924, f"{NOTE} §2.3, Monte Carlo ± 0.017)"),
}


def reference_for(quantity: str, activation: str, weights: str, K: float | int,
                  ties: str = "error") -> tuple[float, str]:
    """The reference (value, source) for one calculator value, or (nan, "") when there is none.

    The note's finite-K ReLU values (§2.3) use the recipe S = {Σ c relu ≥ 0}, i.e. ties="correct"; they are
    attached to those rows only.
    """
    if activation == "relu" and weights == "spherical" and math.isfinite(float(K)) and ties != "correct":
        return (math.nan, "")
    return REFERENCES.get((quantity, activation, weights, float(K)), (math.nan, ""))
