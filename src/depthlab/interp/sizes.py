"""Peak-memory estimates of ``depthlab interp construct`` and ``analyse``, from their arguments alone.

Standard library only, so the CLI can refuse an oversized request before it imports NumPy or torch
(:mod:`depthlab.budget`). Calibrated with ``tracemalloc`` (d = 10, one output) on an idle 2-core CPU:

* one-hidden-layer constructions hold ``c`` float64 copies of a (rows × n) block of hidden outputs, rows = N up
  to 4096 points and a chunk beyond: peak/(8·N·n) was 2.0–2.1 (``triangular``, ``normalized``) and 3.0–3.2
  (``triangular-bias``, ``two-sided``, ``peeling``; ``overparameterized`` with n = 2N) for N = 500–4000, and the
  peak grew linearly in N from 8000 to 16000 points. We use c = 3.
* the deep constructions have n ≈ 4√(N·m) neurons (G ≈ √(N·m) groups; docs/interp.md); their measured peak
  (6.3 MiB at N = 2000) is below the same formula.
* ``analyse`` forms every layer's N × n_ℓ outputs at once (three float64 copies) and, per layer, n_ℓ × n_ℓ
  pair counts (about 24 bytes per pair) and a Jaccard matrix on at most 2000 rows.
"""

from __future__ import annotations

import math

#: Rows of hidden outputs one-hidden-layer constructions hold at once (all N up to this, then chunks).
ROWS = 4096
#: float64 copies of that block at the peak (measured 2.0–3.2, see the module docstring).
COPIES = 3
SHALLOW = ("triangular", "triangular-bias", "normalized", "two-sided", "peeling", "overparameterized")


def construct_neurons(name: str, n: int, m: int = 1, classes: int = 3) -> int:
    """Hidden neurons of construction ``name`` on N = ``n`` points with ``m`` outputs (K = ``classes``)."""
    if name == "overparameterized":
        return 2 * n
    if name in SHALLOW:
        return n
    root = math.sqrt(n * m)
    if name == "grouped":
        return int(4 * root) + 1
    if name == "windowed":
        return int(4 * math.sqrt(2) * root) + 1
    base = 4 * math.sqrt(2 * n) if name.endswith("windowed") else 4 * math.sqrt(n)
    return int(base) + 3 * classes + 1


def construct_bytes(name: str, n: int, d: int, m: int = 1, classes: int = 3) -> int:
    """Estimated peak bytes of building ``name`` on N = ``n`` points in R^d with ``m`` outputs."""
    neurons = construct_neurons(name, n, m, classes)
    return 8 * (COPIES * min(n, ROWS) * neurons + neurons * (d + 2) + 6 * n * (d + m))


def analyse_bytes(n: int, widths: list[int], jaccard_rows: int = 2000) -> int:
    """Estimated peak bytes of the per-layer analysis of a network with hidden ``widths`` on N = ``n`` points."""
    outputs = 8 * 3 * n * sum(widths)
    pairs = 24 * max((w * w for w in widths), default=0)
    return outputs + pairs + 8 * 3 * min(n, jaccard_rows) ** 2
