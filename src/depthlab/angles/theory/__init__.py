"""Theory of the depth-degeneracy study (Jakub & Nica, JMLR 25(239) 2024, arXiv 2302.09712): pure maths.

* :mod:`~depthlab.angles.theory.infinite` — the infinite-width map (eq. 12)
  cos θ_{ℓ+1} = [sin θ_ℓ + (π − θ_ℓ) cos θ_ℓ]/π and its 3π/ℓ asymptote;
* :mod:`~depthlab.angles.theory.jab` — mixed ReLU moments J_{a,b}(θ) (Table 1, Props. 1–3, Theorem 5) and
  quadrature;
* :mod:`~depthlab.angles.theory.bessel` — Bessel-type numbers P(a, b), Q(a, b) (Def. 4, Lemma 12; OEIS A001498);
* :mod:`~depthlab.angles.theory.finite` — Theorem 1's μ(θ, n), σ²(θ, n), ρ(n), Corollary 2's series (typo
  corrected);
* :mod:`~depthlab.angles.theory.predict` — Algorithm 1 (mean path) and Approximation 2 (density on a grid);
* :mod:`~depthlab.angles.theory.authors_notebook` — the authors' notebook discretisation of Approximation 2
  (for their Kolmogorov–Smirnov construction);
* :mod:`~depthlab.angles.theory.other_activations` — beyond the paper: the infinite-width map of any activation,
  with biases, by quadrature;
* :mod:`~depthlab.angles.theory.layer_arrays` — the predictions as arrays indexed by layer (what the experiments
  tabulate).
"""

from depthlab.angles.theory.authors_notebook import AuthorsDensity, authors_density
from depthlab.angles.theory.bessel import P, P_recurrence, P_table, Q, Q_recurrence, Q_table, a001498
from depthlab.angles.theory.finite import (
    SIGMA2_THETA2_CORRECTED,
    SIGMA2_THETA2_PRINTED,
    approx1_step,
    log_sin2,
    mu,
    mu_minus_log_sin2,
    mu_series,
    mu_sigma2,
    rho,
    sigma2,
    sigma2_limit,
    sigma2_series,
    theorem1_mpmath,
)
from depthlab.angles.theory.infinite import infinite_width_angles, infinite_width_asymptote, infinite_width_map
from depthlab.angles.theory.jab import J, J_bessel, J_gauss_legendre, J_near_pi, J_quadrature, J_recurrence
from depthlab.angles.theory.other_activations import gauss_hermite_2d, polar_moments, quadrature_angles
from depthlab.angles.theory.predict import (
    DensityPrediction,
    predict_density,
    predict_mean_path,
    theta_from_log_sin2,
)

__all__ = [
    "SIGMA2_THETA2_CORRECTED",
    "SIGMA2_THETA2_PRINTED",
    "AuthorsDensity",
    "DensityPrediction",
    "J",
    "J_bessel",
    "J_gauss_legendre",
    "J_near_pi",
    "J_quadrature",
    "J_recurrence",
    "P",
    "P_recurrence",
    "P_table",
    "Q",
    "Q_recurrence",
    "Q_table",
    "a001498",
    "approx1_step",
    "authors_density",
    "gauss_hermite_2d",
    "infinite_width_angles",
    "infinite_width_asymptote",
    "infinite_width_map",
    "log_sin2",
    "mu",
    "mu_minus_log_sin2",
    "mu_series",
    "mu_sigma2",
    "polar_moments",
    "predict_density",
    "predict_mean_path",
    "quadrature_angles",
    "rho",
    "sigma2",
    "sigma2_limit",
    "sigma2_series",
    "theorem1_mpmath",
    "theta_from_log_sin2",
]
