"""Public capacity calculator: :func:`alpha_rs`, :func:`alpha_1rsb` and :func:`theory_table`.

Which combinations are computed, and how (spherical = continuous weights):

* spherical, any activation, K = ∞: RS closed form 2κ′(1) (:mod:`.rs_spherical`); 1RSB saddle
  (:mod:`.one_rsb`).
* spherical, ReLU, K = 2, ties = "error": 1RSB (q1 → 1) at finite K by deterministic quadrature
  (:mod:`.one_rsb_finite_k`); the minimum is the RS corner, 4/3.
* spherical, sign, finite odd K: RS = 1/E[d(z,S)²] by exact 1-D quadrature (:mod:`.rs_sign_exact`).
* spherical, ReLU, finite even K: RS = 1/E[d(z,S)²], exact at K = 2, quasi-Monte Carlo otherwise.
* spherical, linear (any K) or sign with K = 1: the perceptron, 2 (RS and 1RSB; Gardner 1988).
* binary, K = ∞ or the perceptron: RS zero-entropy point (:mod:`.rs_binary`); 1RSB = frozen 1RSB = same α.
* binary, sign with odd K ≤ 15 or ReLU with K = 2: RS zero-entropy point at finite K
  (:mod:`.rs_binary_finite_k`).
* not available (InputError): spherical 1RSB at finite K > 1 except ReLU K = 2 with ties = "error"; binary
  ReLU at finite K ≥ 4; binary sign at K > 15.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from depthlab.committee.theory.machine import INF, check_activation, check_k, check_weights
from depthlab.committee.theory.one_rsb import solve_1rsb
from depthlab.committee.theory.one_rsb_finite_k import solve_1rsb_relu_k2
from depthlab.committee.theory.rs_binary import solve_binary_rs
from depthlab.committee.theory.rs_binary_finite_k import alpha_binary_rs_finite_k
from depthlab.committee.theory.rs_sign_exact import alpha_rs_sign_exact
from depthlab.committee.theory.rs_spherical import (
    QMC_POINTS,
    QMC_REPLICAS,
    TIES,
    alpha_rs_finite_k,
    alpha_rs_infinite_k,
    alpha_rs_relu_k2_exact,
    check_ties,
)
from depthlab.committee.theory.sign_growth import alpha_sign_growth
from depthlab.errors import InputError


def _is_perceptron(activation: str, K: float | int) -> bool:
    return activation == "linear" or (activation == "sign" and K == 1)


def alpha_rs(activation: str, weights: str = "spherical", K: float | int = INF, *,
             ties: str = "error") -> float:
    """Replica-symmetric capacity α = P/N of the tree committee machine.

    Args:
        activation: "relu" (K even, output weights ±1 halves), "sign" (K odd, all +1) or "linear"
            (perceptron).
        weights: "spherical" (continuous, each branch on its sphere) or "binary" (±1).
        K: number of hidden units, or ``float('inf')``.
        ties: "error" (default: an output of exactly 0 is a mistake, as in the authors' code and in a
            margin > 0 criterion) or "correct" (S = {Σ c_l relu(z_l) ≥ 0}: an output of 0 matches both
            labels). It matters only for ReLU at finite K, where all units are inactive with probability
            2^{-K}: spherical K = 2 gives 4/3 vs 3.8101.

    Returns:
        Spherical: α_RS (2π/(π−1) ≈ 2.93388 for ReLU at K = ∞, ∞ for sign at K = ∞, 2 for the
        perceptron; finite K from 1/E[d(z,S)²], QMC with relative standard error ≲ 1e-3 except ReLU K = 2,
        exact; sign at finite K exact). Binary: the α where the RS entropy vanishes (0.83308 perceptron,
        0.90399 ReLU, 0.94695 sign, at K = ∞; finite K for sign with odd K ≤ 15 and ReLU with K = 2).

    Raises:
        InputError: unknown activation/weights/ties, K < 1, odd K for ReLU, even K for sign, or a binary
            committee machine that is not implemented (ReLU K ≥ 4, sign K > 15).
    """
    activation = check_activation(activation)
    weights = check_weights(weights)
    K = check_k(K, activation)
    check_ties(ties)
    if weights == "spherical":
        if K == INF:
            return alpha_rs_infinite_k(activation)
        if _is_perceptron(activation, K):
            return 2.0
        if activation == "relu" and K == 2:
            return alpha_rs_relu_k2_exact(ties)
        if activation == "sign":
            return alpha_rs_sign_exact(int(K))
        return alpha_rs_finite_k(activation, int(K), ties=ties).alpha
    if _is_perceptron(activation, K):
        return solve_binary_rs("linear").alpha
    if K == INF:
        return solve_binary_rs(activation).alpha
    if (activation == "sign" and K <= 15) or (activation == "relu" and K == 2):
        return alpha_binary_rs_finite_k(activation, int(K), ties=ties)
    raise InputError(
        f"binary-weight RS capacity is implemented for K = inf, the perceptron (linear, or sign with K=1), "
        f"sign with odd K ≤ 15 and ReLU with K = 2; not for {activation} with K={K}: use K=inf"
    )


def alpha_1rsb(activation: str, weights: str = "spherical", K: float | int = INF, *,
               ties: str = "error") -> float:
    """One-step RSB capacity.

    Args:
        activation, weights, K, ties: as in :func:`alpha_rs` (ties only matter where a finite-K value is
            delegated to :func:`alpha_rs`, i.e. binary weights).

    Returns:
        Spherical, K = ∞: the 1RSB stationary point (≈ 2.66428 for ReLU, ∞ for sign, 2 for linear). Spherical
        perceptron at any K: 2. Spherical ReLU, K = 2, ties = "error": 1RSB (q1 → 1), finite K, deterministic
        quadrature (:func:`~depthlab.committee.theory.one_rsb_finite_k.solve_1rsb_relu_k2`): no interior
        minimum below the RS corner, so 4/3 = α_RS (the per-pattern feasible cone S in field space is convex).
        Binary: the frozen-1RSB capacity, which equals the RS zero-entropy point (Krauth & Mézard 1989), i.e.
        the same number as :func:`alpha_rs`.

    Raises:
        InputError: bad input, or a combination without a 1RSB calculation (spherical ReLU/sign at finite K
            other than ReLU K = 2 with ties = "error", binary combinations that :func:`alpha_rs` does not
            implement).
    """
    activation = check_activation(activation)
    weights = check_weights(weights)
    K = check_k(K, activation)
    check_ties(ties)
    if weights == "binary":
        return alpha_rs(activation, "binary", K, ties=ties)
    if _is_perceptron(activation, K):
        return 2.0
    if K == INF:
        return solve_1rsb(activation).alpha
    if activation == "relu" and K == 2 and ties == "error":
        return solve_1rsb_relu_k2().alpha
    why = ("the feasible cone {relu(z1) ≥ relu(z2)} with ties='correct' is not convex"
           if activation == "relu" and K == 2 else
           "the feasible cone is a non-convex union of activation-pattern cones; it needs importance sampling "
           "or a boundary-resolving cubature")
    raise InputError(
        f"1RSB capacity is implemented at K = inf, for the perceptron and for ReLU K = 2 with ties='error' "
        f"(finite K, deterministic quadrature); not for {activation} with K={K}, ties={ties!r}: {why}"
    )


def _row(quantity: str, activation: str, weights: str, K: float | int, method: str, alpha: float,
         stderr: float, source: str, ties: str = "error") -> dict[str, object]:
    return {"quantity": quantity, "activation": activation, "weights": weights, "K": float(K),
            "ties": ties, "method": method, "alpha": float(alpha), "stderr": float(stderr), "source": source}


def theory_table(relu_ks: Iterable[int] = (2, 4, 6, 8, 16, 32), sign_ks: Iterable[int] = (3, 5, 7, 9, 15, 33),
                 *, points: int = QMC_POINTS, replicas: int = QMC_REPLICAS, seed: int = 0) -> pd.DataFrame:
    """Every capacity value of the calculator in one table.

    Args:
        relu_ks: finite even K for the spherical ReLU RS curve (computed for both tie conventions).
        sign_ks: finite odd K for the spherical sign RS curve and the (16/π)√(ln K) growth law.
        points, replicas, seed: QMC budget for the finite-K ReLU values.

    Returns:
        DataFrame with columns ``quantity`` (alpha_rs / alpha_1rsb / alpha_growth), ``activation``,
        ``weights``, ``K`` (float, inf for K → ∞), ``ties`` ("error" or "correct"; the two only differ for
        ReLU at finite K), ``method``, ``alpha``, ``stderr`` (0 for deterministic values; their
        quadrature/solver error is < 1e-9) and ``source`` (how we computed it). The values they are compared
        with, and where those come from, are the study's declarations (:mod:`depthlab.committee.claims`).
    """
    relu_ks = [check_k(k, "relu") for k in relu_ks]
    sign_ks = [check_k(k, "sign") for k in sign_ks]
    rows: list[dict[str, object]] = []
    src_rs_inf = "RS closed form 2κ′(1) = 2E[g′²]/Var g (rs_spherical.alpha_rs_infinite_k)"
    for act in ("relu", "sign", "linear"):
        rows.append(_row("alpha_rs", act, "spherical", INF, "RS", alpha_rs_infinite_k(act), 0.0, src_rs_inf))
    for act in ("relu", "sign", "linear"):
        r = solve_1rsb(act)
        how = (f"1RSB stationary point q0={r.q0:.6f}, y=m/(1-q1)={r.y:.4f}, |grad|={r.grad_norm:.1e}"
               if r.interior else "1RSB: no interior stationary point below RS; corner q0→1 = RS")
        rows.append(_row("alpha_1rsb", act, "spherical", INF, "1RSB (q1→1)", r.alpha, 0.0, how))
    for act in ("relu", "sign", "linear"):
        b = solve_binary_rs(act)
        rows.append(_row("alpha_rs", act, "binary", INF if act != "linear" else 1, "RS zero-entropy", b.alpha,
                         0.0, f"RS entropy = 0 at q={b.q:.6f}, q̂={b.qhat:.6f} (rs_binary)"))
    for ties in TIES:
        for k in relu_ks:
            if k == 2:
                form = "4/3" if ties == "error" else "8π/(3π−2√2)"
                rows.append(_row("alpha_rs", "relu", "spherical", 2, "RS", alpha_rs_relu_k2_exact(ties), 0.0,
                                 f"RS 1/E[d²], exact angular integral {form}", ties))
                continue
            e = alpha_rs_finite_k("relu", int(k), points=points, replicas=replicas, seed=seed, ties=ties)
            rows.append(_row("alpha_rs", "relu", "spherical", k, "RS", e.alpha, e.stderr,
                             f"RS 1/E[d²], QMC {e.replicas}×{e.points} scrambled Sobol points", ties))
    for k in sign_ks:
        rows.append(_row("alpha_rs", "sign", "spherical", k, "RS", alpha_rs_sign_exact(int(k)), 0.0,
                         "RS 1/E[d²], exact 1-D quadrature over order statistics (rs_sign_exact)"))
    for k in sign_ks:
        rows.append(_row("alpha_growth", "sign", "spherical", k, "large-K law (16/π)√(ln K)",
                         alpha_sign_growth(k), 0.0,
                         "Monasson & Zecchina, cond-mat/9601122 (abstract); PRL 75, 2432 (1995)"))
    df = pd.DataFrame(rows)
    df["K"] = df["K"].astype(float)
    return df


def theory_values(activation: str, weights: str, K: float | int, ties: str = "error") -> dict[str, object]:
    """The calculator's answer for one machine, as plain JSON-ready values (used by the CLI).

    Returns:
        ``{"activation", "weights", "K", "alpha_rs", "alpha_1rsb", "notes"}``; a quantity that is not
        implemented for this combination is ``None`` and ``notes`` says why. ∞ is the float ``inf``.
    """
    activation = check_activation(activation)
    weights = check_weights(weights)
    K = check_k(K, activation)
    check_ties(ties)
    out: dict[str, object] = {"activation": activation, "weights": weights,
                              "K": "inf" if K == INF else int(K), "ties": ties, "notes": []}
    for key, fn in (("alpha_rs", alpha_rs), ("alpha_1rsb", alpha_1rsb)):
        try:
            out[key] = fn(activation, weights, K, ties=ties)
        except InputError as exc:
            out[key] = None
            out["notes"].append(f"{key}: {exc}")  # type: ignore[union-attr]
    if out["alpha_rs"] is not None and math.isinf(out["alpha_rs"]):  # type: ignore[arg-type]
        out["notes"].append("alpha_rs: diverges for sign units as K → inf (g′ is a delta function)")  # type: ignore[union-attr]
    return out
