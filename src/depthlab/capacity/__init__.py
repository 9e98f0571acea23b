"""Capacity vs depth: how many random points (x_i, y_i) in R^d a depth-L square network fits exactly.

Gai & Zhang (arXiv 2407.02540, §4) report that with ReLU or sigmoid a two-layer network fits about twice as many
points as a one-layer network; the protocol measured here (Gaussian data, square d×d weights, exact = relative
residual ≤ 1e-8 in float64, N* = where P(some restart fits) crosses 1/2) is depthlab's own.

Public API (imported on first use, so ``import depthlab.capacity`` is cheap):

* theory (:mod:`depthlab.capacity.theory`): :func:`capacity_bound`, :func:`parameter_count`,
  :func:`symmetry_dimension`, :func:`max_fittable`, :func:`bound_table` — the parameter-count bound (P − S)/d;
  :func:`cover_probability`, :func:`cover_probability_exact` — Cover's theorem (Cover 1965, Theorem 1).
* experiment: :class:`CellConfig` (one architecture and sampling plan), :class:`SeedSplit` (tuning vs evaluation
  seeds); :func:`run_point`, :func:`run_curve`, :func:`curve_result`, :func:`open_store`, :func:`make_data` — one
  success curve and its N*; :class:`GridSpec`, :func:`run_grid` — the resumable grid; :func:`wilson_interval`,
  :func:`estimate_crossing` — the statistics of a curve; :func:`linear_capacity_check`, :func:`cover_check` —
  the engine's sanity checks; :func:`gain_probe`, :func:`choose_gain` — choosing an initialisation gain on
  tuning seeds; :func:`run` — the study for ``depthlab reproduce``.
"""

from depthlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "depthlab.capacity.theory": (
        "bound_table", "capacity_bound", "cover_probability", "cover_probability_exact", "max_fittable",
        "parameter_count", "symmetry_dimension",
    ),
    "depthlab.capacity.config": ("EXACT_TOL", "CellConfig", "SeedSplit"),
    "depthlab.capacity.success": (
        "curve_result", "curve_table", "depth_ratios", "make_data", "open_store", "point_summary", "run_curve",
        "run_point",
    ),
    "depthlab.capacity.curves": ("Crossing", "estimate_crossing", "wilson_interval"),
    "depthlab.capacity.grid": ("GridResult", "GridSpec", "run_grid"),
    "depthlab.capacity.sanity": ("cover_check", "linear_capacity_check"),
    "depthlab.capacity.tuning": ("choose_gain", "gain_probe"),
    "depthlab.capacity.experiment": ("run",),
})
