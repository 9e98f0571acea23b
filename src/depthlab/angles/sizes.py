"""Memory and wall-time estimates of the Monte Carlo simulators, from their arguments alone (standard library).

``depthlab angles simulate`` refuses before it allocates (:mod:`depthlab.budget`):

* memory: the per-layer angles and sin² of every network are kept, (M, L+1) float64 each, in torch and NumPy
  and through one concatenation (8 copies of M·(L+1) doubles); one chunk's working set is, for the Markov
  chain, about 8 float64 arrays of (4096 paths × n), and for the full networks 3 copies of a (C, n, n) weight
  tensor with C ≥ 64 networks (:func:`depthlab.angles.montecarlo.default_chunk` keeps it near 256 MB when it
  can);
* time, measured on one CPU thread of a 2-core machine at load 5 (``depthlab.angles`` at n = 64–1024,
  depth 30): the Markov chain costs 1.9–3.2e-7 s per network·layer·unit and the full networks 5.5–5.9e-8 s per
  network·layer·n² (drawing the Gaussian weights dominates). The estimate uses the upper values; an idle core
  is faster, a GPU much faster.
"""

from __future__ import annotations

from collections.abc import Sequence

MARKOV_SECONDS = 3.2e-7  # per network · layer · unit, one CPU thread
FULL_SECONDS = 5.9e-8  # per network · layer · n_ℓ · n_{ℓ-1}, one CPU thread
MARKOV_CHUNK = 4096
FULL_MIN_CHUNK = 64
FULL_BUDGET = 256 << 20


def simulate_bytes(method: str, widths: Sequence[int], networks: int) -> int:
    """Estimated peak bytes of simulating ``networks`` networks of layer widths ``widths``."""
    results = 8 * 8 * networks * (len(widths) + 1)
    if method == "markov":
        return results + 8 * 8 * min(networks, MARKOV_CHUNK) * max(widths)
    biggest = max([a * b for a, b in zip(widths[1:], widths[:-1], strict=False)] or [2 * widths[0]])
    chunk = max(FULL_MIN_CHUNK, FULL_BUDGET // max(8 * biggest, 1))
    return results + 3 * 8 * min(networks, chunk) * biggest


def simulate_seconds(method: str, widths: Sequence[int], networks: int, threads: int = 1) -> float:
    """Estimated CPU wall time (seconds) with ``threads`` threads (assumed to scale perfectly)."""
    if method == "markov":
        work = MARKOV_SECONDS * networks * sum(widths)
    else:
        work = FULL_SECONDS * networks * (2 * widths[0] + sum(a * b for a, b in zip(widths[1:], widths[:-1],
                                                                                     strict=False)))
    return work / max(threads, 1)
