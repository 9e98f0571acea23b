"""Large-K growth law of the capacity of tree committee machines with sign hidden units.

Monasson & Zecchina, "Weight space structure and internal representations: a direct approach to learning and
generalization in multilayer neural networks", PRL 75, 2432 (1995) (journal reference not re-checked),
and "Learning and generalization theories of large committee machines", cond-mat/9601122 (abstract checked):
for continuous weights the capacity of the sign tree committee machine grows as α_c ≃ (16/π) √(ln K) at large
K (the RS value grows like √K instead, an overestimate; our RS recipe gives α_RS(K) ≈ (12/√(2π)) √K at large
K, see :func:`alpha_sign_rs_asymptote`).
"""

from __future__ import annotations

import math

import numpy as np

from depthlab.errors import InputError


def alpha_sign_growth(K: float | int | np.ndarray) -> float | np.ndarray:
    """Large-K capacity law (16/π) √(ln K) for sign units, continuous weights (Monasson & Zecchina 1995).

    Args:
        K: number of hidden units (scalar or array, each ≥ 2; the law is asymptotic, rough at small K).

    Returns:
        (16/π) √(ln K), same shape as K (``inf`` for K = inf).

    Raises:
        InputError: any K < 2 (ln K ≤ 0 makes the law meaningless) or NaN.
    """
    arr = np.asarray(K, dtype=np.float64)
    if np.any(np.isnan(arr)) or np.any(arr < 2):
        raise InputError(f"alpha_sign_growth needs K ≥ 2 (asymptotic law in ln K), got {K!r}")
    out = (16.0 / math.pi) * np.sqrt(np.log(arr))
    return float(out) if out.ndim == 0 else out


def alpha_sign_rs_asymptote(K: float | int | np.ndarray) -> float | np.ndarray:
    """Leading large-K behaviour of our finite-K RS value for sign units: (12/√(2π)) √K ≈ 4.787 √K.

    Derived here (not from a paper) from α_RS = 1/E[d²]: with S = Σ sign(z_l) ~ N(0, K), m ≈ |S|/2 of the
    negative coordinates nearest 0 must flip; their magnitudes are ≈ j/(K φ(0)), so d² ≈ m³/(3 K² φ(0)²) and
    E[d²] ≈ E|Z|³ K^{-1/2}/(48 φ(0)²) with E|Z|³ = 2√(2/π), φ(0)² = 1/(2π).
    """
    arr = np.asarray(K, dtype=np.float64)
    if np.any(np.isnan(arr)) or np.any(arr < 1):
        raise InputError(f"K must be ≥ 1, got {K!r}")
    out = 12.0 / math.sqrt(2.0 * math.pi) * np.sqrt(arr)
    return float(out) if out.ndim == 0 else out
