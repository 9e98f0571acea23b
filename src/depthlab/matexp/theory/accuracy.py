"""Fail loudly on a non-solution: which assumption of the construction fails, and by how much.

The construction (:mod:`~depthlab.matexp.theory.closed_form`) needs X2 − X1, Y1 and Y1⁻¹Y2 invertible. In
floating point "invertible" means *well enough conditioned for the precision*: evaluating the network at X1
rounds its intermediate matrices, and the error is amplified by

* the inner layer, ‖W2‖·‖expm(A1)‖/‖B1‖ with A1 = λ(X2 − X1)⁻¹X1: large when X1 and X2 nearly agree along some
  direction (cond(X2 − X1) large);
* the outer layer, ‖W3‖·‖expm(H1)‖/‖Y1‖ with H1 = B1 = log(Y1⁻¹Y2)/(e^λ − 1): large when Y1 is ill-conditioned
  or log(Y1⁻¹Y2) is large.

When the product times the unit roundoff (eps = 2.2e-16) exceeds the tolerance, no float64 weights of the
construction can do better: :func:`diagnose` names the dominant factor, and :class:`InaccurateSolutionError`
carries the best solution found so that a caller may still keep it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.errors import NumericalError

#: Default tolerance of ``matexp solve`` on the larger relative residual: ≈ √eps, half of float64's digits.
DEFAULT_TOL = 1e-8
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Diagnosis:
    """The assumption that fails in float64 and the numbers behind it.

    Attributes:
        assumption: the construction's assumption, as a user reads it (``"X2 − X1 invertible"``).
        condition: the condition number that measures it (1-norm, LAPACK estimate).
        amplification: the rounding amplification of the whole evaluation (inner × outer layer).
        explanation: one sentence with the numbers.
    """

    assumption: str
    condition: float
    amplification: float
    explanation: str

    @property
    def float64_floor(self) -> float:
        """eps × amplification: about the smallest residual float64 weights of this construction can reach."""
        return EPS * self.amplification


def diagnose(diag: Any, y_norm: float) -> Diagnosis:
    """Name the failing assumption from a solution's :class:`~depthlab.matexp.theory.closed_form.Diagnostics`.

    Args:
        diag: the diagnostics (norms of the weights and intermediates, condition numbers).
        y_norm: min(‖Y1‖_F, ‖Y2‖_F).
    """
    n = diag.norms
    with np.errstate(all="ignore"):
        inner = n["W2"] * max(n["expm(A1)"], n["expm(A2)"]) / max(n["H1"], n["H2"], 1e-300)
        outer = n["W3"] * max(n["expm(H1)"], n["expm(H2)"]) / max(y_norm, 1e-300)
    inner = inner if math.isfinite(inner) else math.inf
    outer = outer if math.isfinite(outer) else math.inf
    amp = inner * outer if math.isfinite(inner * outer) else math.inf
    if inner >= max(outer, diag.cond_y1):
        return Diagnosis(
            "X2 − X1 invertible (well conditioned)", diag.cond_dx, amp,
            f"cond(X2 − X1) = {diag.cond_dx:.3g}: X1 and X2 nearly agree along some direction, so the inner "
            f"layer needs ‖W2‖·‖expm(A1)‖/‖B1‖ = {inner:.3g}")
    if diag.cond_y1 >= outer:
        return Diagnosis(
            "Y1 invertible (well conditioned)", diag.cond_y1, amp,
            f"cond(Y1) = {diag.cond_y1:.3g}, and the output layer amplifies rounding by "
            f"‖W3‖·‖expm(B1)‖/‖Y1‖ = {outer:.3g}")
    return Diagnosis(
        "Y1⁻¹Y2 invertible with a moderate logarithm", diag.cond_m, amp,
        f"cond(Y1⁻¹Y2) = {diag.cond_m:.3g} and ‖B1‖ = ‖log(Y1⁻¹Y2)‖/|e^λ − 1| = {n['B1']:.3g}, so the output "
        f"layer amplifies rounding by ‖W3‖·‖expm(B1)‖/‖Y1‖ = {outer:.3g}")


class InaccurateSolutionError(NumericalError):
    """No λ tried brought the residual to the tolerance. ``solution`` is the best one found, ``diagnosis`` why.

    The CLI exits with status 3 (documented in docs/cli.md) unless ``--allow-inaccurate`` keeps the weights.
    """

    def __init__(self, solution: Any, diagnosis: Diagnosis, tol: float, hint: str = "") -> None:
        self.solution = solution
        self.diagnosis = diagnosis
        self.tol = tol
        d = solution.diagnostics
        how = f"{d.candidates_verified} λ verified" if d.lam_auto else "λ fixed by --lam"
        floor = diagnosis.float64_floor
        why = (f"float64 rounding alone accounts for about eps × {diagnosis.amplification:.3g} = {floor:.3g}, so "
               "no float64 weights of this construction can do better" if floor > tol else
               "another λ (--lam) or log branch (--branch) may do better")
        super().__init__(
            f"no solution: the best relative residual is {d.max_residual:.3g} (λ = {d.lam:.4g}, {how}), above the "
            f"tolerance {tol:g}. Failing assumption: {diagnosis.assumption} — {diagnosis.explanation}; {why}."
            + (f" {hint}" if hint else ""))


def require_accuracy(solution: Any, y_norm: float, tol: float = DEFAULT_TOL, hint: str = "") -> None:
    """Raise :class:`InaccurateSolutionError` when ``solution``'s larger residual exceeds ``tol``."""
    if not solution.diagnostics.max_residual <= tol:
        raise InaccurateSolutionError(solution, diagnose(solution.diagnostics, y_norm), tol, hint)
