"""Committee-machine capacity: ReLU vs sign hidden units (Baldassi, Malatesta & Zecchina, PRL 2019).

Paper: Phys. Rev. Lett. 123, 170602 (2019), arXiv 1907.07578.

Public API (imported on first use, so ``import depthlab.committee`` is cheap):

* theory (:mod:`depthlab.committee.theory`): the replica capacity calculator for tree committee machines —
  :func:`alpha_rs`, :func:`alpha_1rsb`, :func:`theory_table`, :func:`theory_values`; the finite-K and K → ∞
  solvers (:func:`alpha_rs_finite_k`, :func:`alpha_rs_sign_exact`, :func:`solve_1rsb`, :func:`solve_binary_rs`,
  :func:`alpha_binary_rs_finite_k`), the sign growth law :func:`alpha_sign_growth`, the kernels.
* experiment: the stacked model (:class:`CommitteeSpec`, :func:`make_instances`, :func:`check_solutions`),
  training (:func:`train_instances`, :func:`train_weights`, :func:`least_action_instances`, :func:`anneal`),
  sweeps (:class:`SweepConfig`, :func:`run_sweep`, :func:`success_table`), transitions
  (:func:`transitions`, :func:`extrapolate`), the bisection locator (:func:`locate`), robustness
  (:func:`compare`), plain vs robust-ensemble solution geometry (:func:`geometry`) and :func:`run`, the study
  for ``depthlab reproduce``.

>>> from depthlab.committee import alpha_rs, alpha_1rsb
>>> round(alpha_rs("relu", "spherical", float("inf")), 5)
2.93388
>>> round(alpha_1rsb("relu"), 4)
2.6643
"""

from depthlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "depthlab.committee.theory": (
        "ACTIVATIONS", "TIES", "WEIGHTS", "BinaryRSResult", "FiniteKEstimate", "OneRSBResult",
        "activation_moments", "alpha_1rsb", "alpha_binary_rs_finite_k", "alpha_rs", "alpha_rs_finite_k",
        "alpha_rs_infinite_k", "alpha_rs_relu_k2_exact", "alpha_rs_sign_exact", "alpha_sign_growth",
        "alpha_sign_rs_asymptote", "check_ties", "kernel", "kernel_derivative", "kernel_slope_at_one",
        "solve_1rsb", "solve_binary_rs", "sq_distance", "theory_table", "theory_values",
    ),
    "depthlab.committee.model": ("CommitteeSpec", "check_solutions", "make_instances", "n_patterns"),
    "depthlab.committee.training": ("TrainSettings", "committee_family", "train_instances", "train_weights"),
    "depthlab.committee.least_action": ("LeastActionSettings", "least_action_instances"),
    "depthlab.committee.annealing": ("anneal", "exhaustive_capacity"),
    "depthlab.committee.experiment": ("SweepConfig", "run", "run_cell", "run_sweep", "sign_Ks", "success_table"),
    "depthlab.committee.analysis": ("extrapolate", "fit_transition", "transitions"),
    "depthlab.committee.locator": ("LocateSettings", "locate", "run_preset"),
    "depthlab.committee.robustness": ("compare",),
    "depthlab.committee.geometry": ("GeometrySettings", "geometry"),
})
