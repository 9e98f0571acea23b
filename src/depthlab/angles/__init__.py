"""Depth degeneracy: how the angle between two inputs vanishes with depth in ReLU networks at initialization.

Jakub & Nica, "Depth Degeneracy in Neural Networks: Vanishing Angles in Fully Connected ReLU Networks on
Initialization", JMLR 25(239), 2024 (arXiv 2302.09712). Theory side (this package's theory modules):

* :mod:`~depthlab.angles.infinite` — the infinite-width map (eq. 12)
  cos θ_{ℓ+1} = [sin θ_ℓ + (π − θ_ℓ) cos θ_ℓ]/π and its 3π/ℓ asymptote;
* :mod:`~depthlab.angles.jab` — mixed ReLU moments J_{a,b}(θ) (Table 1, Props. 1–3, Theorem 5) and quadrature;
* :mod:`~depthlab.angles.bessel` — Bessel-type numbers P(a, b), Q(a, b) (Def. 4, Lemma 12; OEIS A001498);
* :mod:`~depthlab.angles.finite` — Theorem 1's μ(θ, n), σ²(θ, n), ρ(n), Corollary 2's series (typo corrected);
* :mod:`~depthlab.angles.predict` — Algorithm 1 (mean path) and Approximation 2 (density on a grid).
"""

from depthlab.angles.bessel import P, P_recurrence, P_table, Q, Q_recurrence, Q_table, a001498
from depthlab.angles.finite import (
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
from depthlab.angles.infinite import infinite_width_angles, infinite_width_asymptote, infinite_width_map
from depthlab.angles.jab import J, J_bessel, J_gauss_legendre, J_near_pi, J_quadrature, J_recurrence
from depthlab.angles.predict import DensityPrediction, predict_density, predict_mean_path, theta_from_log_sin2

__all__ = [
    "SIGMA2_THETA2_CORRECTED",
    "SIGMA2_THETA2_PRINTED",
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
    "infinite_width_angles",
    "infinite_width_asymptote",
    "infinite_width_map",
    "log_sin2",
    "mu",
    "mu_minus_log_sin2",
    "mu_series",
    "mu_sigma2",
    "predict_density",
    "predict_mean_path",
    "rho",
    "sigma2",
    "sigma2_limit",
    "sigma2_series",
    "theorem1_mpmath",
    "theta_from_log_sin2",
]
