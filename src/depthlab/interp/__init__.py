"""Interpolation matrices of ReLU networks (Huang, arXiv 2208.07498): exact constructions and trained networks.

Modules:
    network      -- :class:`ReluNet` (float64 MLP with explicit weights), forward pass, counts.
    checks       -- input validation: finite data, shapes, duplicate points.
    matrix       -- interpolation matrices layer by layer, output-layer solve, rank/condition, triangularity.
    shallow      -- three-layer (one hidden layer) constructions: triangular, normalised, bias, peeling,
                    two-sided, overparameterised.
    deep         -- deep constructions with sparse interpolation matrices and the K-class classifier.
    counts       -- neuron and parameter counts against depth.
    analysis     -- per-layer sparsity, rank, solution type of any network (trained or constructed).
    training     -- trained networks via the shared batched engine.
    figures, study, cli -- report figures, the reproduce study and ``depthlab interp``.
"""

from depthlab.interp.network import ReluNet

__all__ = ["ReluNet"]
