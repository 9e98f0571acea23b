"""Interpolation matrices of ReLU networks (Huang, arXiv 2208.07498): exact constructions and trained networks.

Public API (imported on first use, so ``import depthlab.interp`` is cheap):

* theory (:mod:`depthlab.interp.theory`, pure maths): :class:`ReluNet`; :func:`build` and :data:`NAMES` — every
  named construction (one hidden layer: :func:`triangular`, :func:`triangular_bias`, :func:`normalized`,
  :func:`two_sided`, :func:`peeling`, :func:`overparameterized`; deep: :func:`grouped`, :func:`windowed`,
  :func:`classifier`) returning a :class:`Construction`; :func:`solve_output`, :func:`triangular_order`,
  :func:`normalized_form` — the interpolation matrix's linear algebra; :func:`rounding_bound`,
  :func:`relative_rounding_bound`, :func:`widen_gaps` — float64 numerics; :mod:`neuron_counts` — neuron and
  parameter formulas, :func:`shallow_lower_bound`, :func:`counting_lower_bound`, :data:`DEPTH_FAMILY`.
* experiment: :func:`analyse` — per-layer sparsity, rank, solution type and class overlap of any network
  (:mod:`depthlab.interp.layer_analysis`); :func:`train_classifiers`, :func:`trained_table` — trained ReLU MLPs
  through the shared engine (:mod:`depthlab.interp.training`); :func:`construction_sweep`,
  :func:`adversarial_sweep`, :func:`depth_table` and :func:`run` — the study's tables and its experiment for
  ``depthlab reproduce`` (:mod:`depthlab.interp.experiment`); :func:`random_points`, :func:`clusters`,
  :func:`digits` — data sets (:mod:`depthlab.interp.datasets`); :func:`save_network`, :func:`load_network`.
"""

from depthlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "depthlab.interp.theory": (
        "CONSTRUCTIONS", "DEPTH_FAMILY", "NAMES", "Construction", "OutputSolve", "ReluNet", "build", "classifier",
        "counting_lower_bound", "grouped", "neuron_counts", "normalized", "normalized_form", "overparameterized",
        "peeling", "relative_residual", "relative_rounding_bound", "rounding_bound", "shallow_lower_bound",
        "solve_output", "triangular", "triangular_bias", "triangular_order", "two_sided", "widen_gaps", "windowed",
    ),
    "depthlab.interp.layer_analysis": ("analyse",),
    "depthlab.interp.training": ("Trained", "train_classifiers", "trained_table"),
    "depthlab.interp.experiment": (
        "adversarial_sweep", "construction_sweep", "construction_trial", "depth_table", "run",
    ),
    "depthlab.interp.datasets": ("clusters", "digits", "nearly_coincident", "points_on_line", "random_points"),
    "depthlab.interp.network_files": ("load_network", "save_network"),
})
