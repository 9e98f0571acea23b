"""Peak memory of ``depthlab committee run``, from its arguments alone (standard library only).

A cell stacks ``instances × restarts`` machines, each with its own copy of the P × N patterns
(``training._stack``: float32 for Adam, float64 for annealing and the checks), converts them once to float64
for the success check, and the engine moves chunks of machines to the device. So a cell needs about
(4 + 8 + 8) bytes per pattern entry and machine, plus the labels and weights; 24 bytes leaves a margin.
"""

from __future__ import annotations

import math

BYTES_PER_ENTRY = 24


def cell_bytes(n: int, alpha: float, instances: int, restarts: int) -> int:
    """Estimated peak bytes of one (K, N, α) cell with N = ``n`` inputs and P = ⌈α·N⌉ patterns."""
    p = math.ceil(alpha * n)
    return BYTES_PER_ENTRY * instances * restarts * p * (n + 2)
