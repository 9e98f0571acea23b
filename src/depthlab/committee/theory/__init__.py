"""Replica capacity of tree committee machines (Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019)): pure
maths, no training, no I/O.

* :mod:`~depthlab.committee.theory.calculator` — the public calculator: :func:`alpha_rs`, :func:`alpha_1rsb`,
  :func:`theory_table`, :func:`theory_values`.
* :mod:`~depthlab.committee.theory.machine` — the machines it knows (activations, weights, K) and the fixed
  output weights.
* :mod:`~depthlab.committee.theory.kernels` — the K → ∞ dual kernels and moments (from
  :mod:`depthlab.activations`) and Gauss–Hermite quadrature.
* :mod:`~depthlab.committee.theory.rs_spherical` — RS, spherical weights: 2κ′(1) at K → ∞, 1/E[d(z,S)²] at
  finite K (ReLU K = 2 in closed form, quasi-Monte Carlo otherwise).
* :mod:`~depthlab.committee.theory.rs_sign_exact` — RS, spherical weights, sign units at any odd K, exactly.
* :mod:`~depthlab.committee.theory.one_rsb` — 1RSB, spherical weights, K → ∞.
* :mod:`~depthlab.committee.theory.rs_binary` — RS zero-entropy point, binary weights, K → ∞ and perceptron.
* :mod:`~depthlab.committee.theory.rs_binary_finite_k` — the same at finite K (sign K ≤ 15, ReLU K = 2).
* :mod:`~depthlab.committee.theory.sign_growth` — the large-K law (16/π)√(ln K) for sign units.
"""

from depthlab.committee.theory.calculator import alpha_1rsb, alpha_rs, theory_table, theory_values
from depthlab.committee.theory.kernels import (
    activation_moments,
    gauss_hermite,
    kernel,
    kernel_derivative,
    kernel_slope_at_one,
)
from depthlab.committee.theory.machine import ACTIVATIONS, WEIGHTS, check_activation, check_k, output_weights
from depthlab.committee.theory.one_rsb import OneRSBResult, solve_1rsb
from depthlab.committee.theory.rs_binary import BinaryRSResult, solve_binary_rs
from depthlab.committee.theory.rs_binary_finite_k import alpha_binary_rs_finite_k
from depthlab.committee.theory.rs_sign_exact import alpha_rs_sign_exact
from depthlab.committee.theory.rs_spherical import (
    TIES,
    FiniteKEstimate,
    alpha_rs_finite_k,
    alpha_rs_infinite_k,
    alpha_rs_relu_k2_exact,
    check_ties,
    sq_distance,
)
from depthlab.committee.theory.sign_growth import alpha_sign_growth, alpha_sign_rs_asymptote

__all__ = [
    "ACTIVATIONS",
    "TIES",
    "WEIGHTS",
    "BinaryRSResult",
    "FiniteKEstimate",
    "OneRSBResult",
    "activation_moments",
    "alpha_1rsb",
    "alpha_binary_rs_finite_k",
    "alpha_rs",
    "alpha_rs_finite_k",
    "alpha_rs_infinite_k",
    "alpha_rs_relu_k2_exact",
    "alpha_rs_sign_exact",
    "alpha_sign_growth",
    "alpha_sign_rs_asymptote",
    "check_activation",
    "check_k",
    "check_ties",
    "gauss_hermite",
    "kernel",
    "kernel_derivative",
    "kernel_slope_at_one",
    "output_weights",
    "solve_1rsb",
    "solve_binary_rs",
    "sq_distance",
    "theory_table",
    "theory_values",
]
