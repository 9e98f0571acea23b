"""Small pieces of the committee study's verdict rules: :data:`K_SE` and :func:`half_unit` (the tolerance of a
reference printed to a few digits). The strict "above a bound by more than k SE" rule is the shared
:class:`depthlab.report.claims.Exceeds`."""

from __future__ import annotations

import math

#: Standard errors a measured difference must clear (or may not exceed) in the headline and robustness rules.
K_SE = 2.0


def half_unit(value: float) -> float:
    """Half a unit of the last digit of a reference quoted to 3–4 significant digits (e.g. 0.904 → 5e-4)."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    text = f"{value:.6g}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)
