"""The replica calculator's numbers (table ``theory``) as declarations. Claims compare them with values an
outside source prints: α_c = 2 for the spherical perceptron (Cover, IEEE Trans. Electron. Comput. EC-14, 326
(1965); Gardner & Derrida, J. Phys. A 21, 271 (1988); Gardner, J. Phys. A 21, 257 (1988)), α_c ≈ 0.833 for the
binary one (Krauth & Mézard, J. Phys. France 50, 3057 (1989)) and the large-K law (16/π)√(ln K) of sign machines
(Monasson & Zecchina, PRL 75, 2432 (1995)); consistency checks compare them with our closed forms
(:mod:`depthlab.activations`) and with an independent implementation of the same replica equations of Baldassi,
Malatesta & Zecchina, PRL 123, 170602 (2019).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from depthlab.activations import RELU, SIGN
from depthlab.committee.rules import half_unit
from depthlab.committee.scales import SCALES
from depthlab.committee.theory.sign_growth import alpha_sign_growth
from depthlab.report.claims import (
    AtLeast,
    Claim,
    Measurement,
    NotMeasured,
    Rule,
    Value,
    Within,
    external,
    measured,
    ours,
)
from depthlab.report.types import StudyResult


def _k(K: float) -> str:
    return "∞" if math.isinf(K) else str(int(K))


def _num(x: float, stderr: float = 0.0) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x:.5f}" + (f" ± {stderr:.4f}" if stderr > 0 else "")


# ----------------------------------------------------------------------------------------------------------
# The replica calculator's numbers (table ``theory``)


def _calculator(quantity: str, activation: str, weights: str, K: float, ties: str = "error",
                sigma_ref: float = 0.0) -> Callable[[StudyResult], Measurement]:
    """Measure one calculator value; its SE combines ours with ``sigma_ref`` (a Monte Carlo reference)."""
    def measure(r: StudyResult) -> Measurement:
        t = r.tables["theory"]
        row = t[(t["quantity"] == quantity) & (t["activation"] == activation) & (t["weights"] == weights)
                & (t["K"] == float(K)) & (t["ties"] == ties)]
        if row.empty:
            raise NotMeasured(f"the theory table has no {quantity} for {activation}/{weights}/K={_k(K)}")
        x, se = float(row["alpha"].iloc[0]), float(row["stderr"].iloc[0])
        return measured(_num(x, se), Value(x, se=math.hypot(se, sigma_ref), label=f"{activation}, K={_k(K)}"))

    return measure


def _theory(key: str, statement: str, source: Any, expected: str, rule: Rule, quantity: str, activation: str,
            weights: str, K: float = math.inf, ties: str = "error", sigma_ref: float = 0.0) -> Claim:
    """One calculator value against its reference (a claim or a consistency check, by its source)."""
    q = {"alpha_rs": "α_RS", "alpha_1rsb": "α_1RSB"}[quantity]
    return Claim(key=key, statement=statement, source=source, expected=expected,
                 quantity=f"our {q} ({activation}, {weights}, K={_k(K)})", rule=rule,
                 measure=_calculator(quantity, activation, weights, K, ties, sigma_ref))


def _exact_two(key: str, quantity: str, source: Any) -> Claim:
    """The spherical perceptron's α_c = 2 (Cover 1965): exact, so the tolerance is our float64 arithmetic."""
    name = {"alpha_rs": "α_RS", "alpha_1rsb": "α_1RSB"}[quantity]
    return _theory(key, f"{name} linear (perceptron), spherical, K=∞", source, "2 (exact)",
                   Within(2.0, atol=1e-9, why="the perceptron's α_c = 2 is exact, so only float64 "
                                              "arithmetic remains"), quantity, "linear", "spherical")


def _diverges(key: str, quantity: str) -> Claim:
    name = {"alpha_rs": "α_RS", "alpha_1rsb": "α_1RSB"}[quantity]
    return _theory(key, f"{name} sign, spherical, K=∞ diverges",
                   ours("E[g′²] = ∞ for sign units (g′ is a delta function; activations.SIGN.moments), so "
                        "κ′(1) = ∞ and the K → ∞ capacity 2κ′(1) is infinite"),
                   "∞", AtLeast(math.inf, why="a finite value would contradict κ′(1) = ∞"), quantity, "sign",
                   "spherical")


def _independent(key: str, statement: str, ref: float, how: str, quantity: str, activation: str, weights: str,
                 K: float = math.inf, ties: str = "error", sigma: float = 0.0) -> Claim:
    """Our value against an independent implementation of the same replica equations (consistency)."""
    err = f"± {sigma:g}" if sigma else ""
    why = (f"reference {ref:g}: 3 combined standard errors (ours and its Monte Carlo) + ½ unit of its last digit"
           if sigma else f"reference {ref:g}: ½ unit of its last digit")
    return _theory(key, statement, ours(f"an independent implementation of the same equations: {how}"),
                   f"{ref:g} {err}".strip(), Within(ref, atol=half_unit(ref), k_se=3.0 if sigma else 0.0,
                                                    why=why),
                   quantity, activation, weights, K, ties, sigma)


#: Finite-K ReLU RS capacity with ties counted correct, S = {Σ c relu ≥ 0}: an independent plain Monte Carlo
#: of 1/E[d(z, S)²] (value, its standard error), computed when the calculator was written.
RELU_TIES_CORRECT_MC = {2: (3.812, 0.007), 4: (3.096, 0.007), 6: (2.935, 0.009), 8: (2.913, 0.009),
                        16: (2.904, 0.012), 32: (2.924, 0.017)}


def _growth_law(K: int) -> Claim:
    def measure(_r: StudyResult) -> Measurement:
        raise NotMeasured("the law is asymptotic in K and we measure no capacity of sign machines (only the "
                          "algorithmic thresholds of the headline rows); it is drawn in capacity.png")

    return Claim(
        key=f"sign-growth-law-K{K}", statement=f"sign capacity grows as (16/π)√(ln K): K={K}",
        source=external("Monasson & Zecchina, PRL 75, 2432 (1995); cond-mat/9601122, abstract (large-K law)"),
        expected=f"(16/π)√(ln K) = {alpha_sign_growth(K):.4f}", quantity="the capacity of the sign machine",
        rule=Within(float(alpha_sign_growth(K)), k_se=2.0, why="the law's value at this K"), measure=measure,
        note="asymptotic formula evaluated at finite K; compared with measurements in the headline figure only")


def theory_claims(scale: str) -> list[Claim]:
    """The calculator's values that an outside source prints (Cover/Gardner, Krauth–Mézard, Monasson–Zecchina)."""
    return [
        _exact_two("rs-linear-spherical", "alpha_rs", external(
            "Cover, IEEE Trans. Electron. Comput. EC-14, 326 (1965); Gardner & Derrida, J. Phys. A 21, 271 "
            "(1988), abstract: α_c(κ = 0) = 2")),
        _exact_two("1rsb-linear-spherical", "alpha_1rsb", external(
            "Gardner, J. Phys. A 21, 257 (1988): the spherical perceptron's solutions form a convex set, so RS is "
            "exact and α_c = 2")),
        _theory("rs-linear-binary", "α_RS linear (binary perceptron), binary, K=1",
                external("Krauth & Mézard, J. Phys. France 50, 3057 (1989), α_c ≈ 0.833 (as quoted in Huang, "
                         "arXiv 2404.18902, abstract)"), "0.833",
                Within(0.833, atol=half_unit(0.833), why="½ unit of the printed last digit"), "alpha_rs",
                "linear", "binary", 1),
        *(_growth_law(K) for K in SCALES[scale]["theory"]["sign_ks"]),
    ]


def theory_checks(scale: str) -> list[Claim]:
    """The calculator against our own closed forms and an independent implementation of its equations."""
    moments = RELU.moments
    assert moments is not None and SIGN.moments is not None
    out = [
        _theory("rs-relu-spherical", "α_RS relu, spherical, K=∞",
                ours("two closed forms in depthlab.activations: 2κ′(1) from RELU.kernel_derivative against "
                     "2E[g′²]/Var g from RELU.moments = 2·(1/2)/((π−1)/(2π)) = 2π/(π−1)"), "2π/(π−1) = 2.93388",
                Within(2.0 * moments.dg2 / moments.var, rtol=1e-12, why="float64 rounding of two closed forms"),
                "alpha_rs", "relu", "spherical"),
        _diverges("rs-sign-spherical", "alpha_rs"),
        _independent("1rsb-relu-spherical", "α_1RSB relu, spherical, K=∞", 2.6643,
                     "the 1RSB q1 → 1 stationary point at q0 = 0.757, y = m/(1 − q1) = 16.6 (Nelder–Mead, 201-node "
                     "Gauss–Hermite)", "alpha_1rsb", "relu", "spherical"),
        _diverges("1rsb-sign-spherical", "alpha_1rsb"),
        _independent("rs-relu-binary", "α_RS relu, binary, K=∞", 0.904,
                     "RS entropy = 0 at q = 0.449, q̂ = 1.35", "alpha_rs", "relu", "binary"),
        _independent("rs-sign-binary", "α_RS sign, binary, K=∞", 0.947,
                     "RS entropy = 0 at q = 0.309, q̂ = 0.617", "alpha_rs", "sign", "binary"),
    ]
    for K in SCALES[scale]["theory"]["relu_ks"]:
        if K in RELU_TIES_CORRECT_MC:
            ref, sigma = RELU_TIES_CORRECT_MC[K]
            out.append(_independent(
                f"rs-relu-spherical-K{K}-ties-correct", f"α_RS relu, spherical, K={K} (ties counted correct)", ref,
                "plain Monte Carlo of 1/E[d(z, S)²], S = {Σ c_l relu(z_l) ≥ 0}", "alpha_rs", "relu", "spherical",
                K, "correct", sigma))
    return out
