"""Two small pieces of the committee study's verdict rules: :class:`Exceeds` and :func:`half_unit`.

:class:`Exceeds` is the rule "x lies above a bound by more than k standard errors" (the robustness and the
sign-headline claims need the strict direction, which :class:`~depthlab.report.claims.AtLeast` with a
non-negative ``k_se`` does not give); :func:`half_unit` is the tolerance of a reference printed to a few digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from depthlab.report.claims import Rule, Value

#: Standard errors a measured difference must clear (or may not exceed) in the headline and robustness rules.
K_SE = 2.0


@dataclass(frozen=True)
class Exceeds(Rule):
    """``x − k_se·SE > bound``: the measurement lies above ``bound`` by more than ``k_se`` standard errors."""

    bound: float
    k_se: float = K_SE
    why: str = ""

    def passes(self, value: Value) -> bool:
        if math.isnan(value.se):
            raise ValueError("Exceeds needs the measurement's standard error")
        return bool(value.x - self.k_se * value.se > self.bound)

    def describe(self, quantity: str) -> str:
        why = f" ({self.why})" if self.why else ""
        return f"{quantity} > {self.bound:.4g} + {self.k_se:g} SE{why}"


def half_unit(value: float) -> float:
    """Half a unit of the last digit of a reference quoted to 3–4 significant digits (e.g. 0.904 → 5e-4)."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    text = f"{value:.6g}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)
