"""Interpolation matrices and exact ReLU constructions (Huang, arXiv 2208.07498): pure maths, no training, no I/O.

* :mod:`~.network` — :class:`ReluNet`, a float64 ReLU network with explicit weights.
* :mod:`~.inputs` — validation of interpolation data (finite, shapes, distinct points).
* :mod:`~.interpolation_matrix` — the output-layer system ``H A + 1 βᵀ = Y``: solve, rank,
  condition, triangular orders, the normalised form.
* :mod:`~.construction` — the :class:`Construction` result, separating directions,
  thresholds and the triangular recursion every construction shares.
* :mod:`~.one_hidden_layer` — the three-layer (one hidden layer) solution types.
* :mod:`~.groups`, :mod:`~.deep_grouped`, :mod:`~.deep_windowed`,
  :mod:`~.deep_classifier` — our deep constructions with sparse interpolation matrices (2, 3 and 4–5 hidden layers).
* :mod:`~.build` — :func:`build`, one entry point for every named construction.
* :mod:`~.neuron_counts` — neuron and parameter formulas, lower bounds, the depth family.
* :mod:`~.numerics` — gap widening, iterative refinement, a rigorous float64 rounding bound.
"""

from depthlab.interp.theory import neuron_counts
from depthlab.interp.theory.build import NAMES, build
from depthlab.interp.theory.construction import (
    THRESHOLD_FRACTION,
    Construction,
    best_of,
    candidate_directions,
    forward_slopes,
    left_thresholds,
    need_neurons,
    separating_direction,
    verified_candidates,
)
from depthlab.interp.theory.deep_classifier import classifier
from depthlab.interp.theory.deep_grouped import grouped
from depthlab.interp.theory.deep_windowed import windowed
from depthlab.interp.theory.groups import group_bounds, group_solutions, over_directions, signed_output, sorted_groups
from depthlab.interp.theory.inputs import as_labels, as_points, as_targets, check_distinct, duplicate_groups, prepare
from depthlab.interp.theory.interpolation_matrix import (
    OutputSolve,
    condition,
    is_lower_triangular,
    normalized_form,
    numerical_rank,
    relative_residual,
    solve_output,
    triangular_order,
)
from depthlab.interp.theory.network import ReluNet
from depthlab.interp.theory.neuron_counts import DEPTH_FAMILY, counting_lower_bound, family_counts, shallow_lower_bound
from depthlab.interp.theory.numerics import gamma, refine_output, relative_rounding_bound, rounding_bound, widen_gaps
from depthlab.interp.theory.one_hidden_layer import (
    CONSTRUCTIONS,
    normalized,
    overparameterized,
    peeling,
    sorted_interpolation_matrix,
    triangular,
    triangular_bias,
    two_sided,
)

__all__ = [
    "CONSTRUCTIONS",
    "DEPTH_FAMILY",
    "NAMES",
    "THRESHOLD_FRACTION",
    "Construction",
    "OutputSolve",
    "ReluNet",
    "as_labels",
    "as_points",
    "as_targets",
    "best_of",
    "build",
    "candidate_directions",
    "check_distinct",
    "classifier",
    "condition",
    "counting_lower_bound",
    "duplicate_groups",
    "family_counts",
    "forward_slopes",
    "gamma",
    "group_bounds",
    "group_solutions",
    "grouped",
    "is_lower_triangular",
    "left_thresholds",
    "need_neurons",
    "neuron_counts",
    "normalized",
    "normalized_form",
    "numerical_rank",
    "over_directions",
    "overparameterized",
    "peeling",
    "prepare",
    "refine_output",
    "relative_residual",
    "relative_rounding_bound",
    "rounding_bound",
    "separating_direction",
    "shallow_lower_bound",
    "signed_output",
    "solve_output",
    "sorted_groups",
    "sorted_interpolation_matrix",
    "triangular",
    "triangular_bias",
    "triangular_order",
    "two_sided",
    "verified_candidates",
    "widen_gaps",
    "windowed",
]
