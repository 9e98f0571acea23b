"""Depth degeneracy: how the angle between two inputs vanishes with depth in ReLU networks at initialization.

Jakub & Nica, "Depth Degeneracy in Neural Networks: Vanishing Angles in Fully Connected ReLU Networks on
Initialization", JMLR 25(239), 2024 (arXiv 2302.09712).

Public API (imported on first use, so ``import depthlab.angles`` is cheap):

* theory (:mod:`depthlab.angles.theory`): the infinite-width map (eq. 12) :func:`infinite_width_map`,
  :func:`infinite_width_angles`; the moments :func:`J` and the Bessel-type numbers :func:`P`, :func:`Q`
  (Theorem 5); Theorem 1's :func:`mu`, :func:`sigma2`, :func:`rho`; Algorithm 1 :func:`predict_mean_path` and
  Approximation 2 :func:`predict_density`; the authors' notebook density :func:`authors_density`; beyond the
  paper, :func:`quadrature_angles` (any activation, biases).
* experiment: the simulators :func:`simulate_full` (whole networks) and :func:`simulate_markov` (the exact
  O(n)-per-layer chain) returning an :class:`AngleRun`; the paper's figures :func:`figure1`, :func:`figure2`;
  :func:`width_sweep`, :func:`varying_widths`, :func:`compare_activations`; the KS constructions
  :func:`ks_one_sample`, :func:`ks_authors`, :func:`ks_seed_table`; the training link :func:`training_link`;
  :func:`run` — the study for ``depthlab reproduce``.
"""

from depthlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "depthlab.angles.theory": (
        "SIGMA2_THETA2_CORRECTED", "SIGMA2_THETA2_PRINTED", "AuthorsDensity", "DensityPrediction", "J",
        "J_bessel", "J_gauss_legendre", "J_near_pi", "J_quadrature", "J_recurrence", "P", "P_recurrence",
        "P_table", "Q", "Q_recurrence", "Q_table", "a001498", "approx1_step", "authors_density",
        "gauss_hermite_2d", "infinite_width_angles", "infinite_width_asymptote", "infinite_width_map", "log_sin2",
        "mu", "mu_minus_log_sin2", "mu_series", "mu_sigma2", "polar_moments", "predict_density",
        "predict_mean_path", "quadrature_angles", "rho", "sigma2", "sigma2_limit", "sigma2_series",
        "theorem1_mpmath", "theta_from_log_sin2",
    ),
    "depthlab.angles.simcore": ("AngleRun",),
    "depthlab.angles.montecarlo": ("simulate_full",),
    "depthlab.angles.markov": ("simulate_markov",),
    "depthlab.angles.experiment": ("figure1", "figure2", "one_step_check", "run", "varying_widths", "width_sweep"),
    "depthlab.angles.other_activations_mc": ("compare_activations",),
    "depthlab.angles.ks": ("ks_authors", "ks_one_sample", "ks_seed_table"),
    "depthlab.angles.training": ("TrainConfig", "training_link"),
})
