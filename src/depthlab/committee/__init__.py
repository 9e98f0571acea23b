"""Committee-machine capacity: ReLU vs sign hidden units (Baldassi, Malatesta & Zecchina, PRL 2019).

Paper: Phys. Rev. Lett. 123, 170602 (2019), arXiv 1907.07578.

Theory side (this package's ``theory_*`` modules): replica capacity calculator for tree committee machines.

>>> from depthlab.committee import alpha_rs, alpha_1rsb
>>> round(alpha_rs("relu", "spherical", float("inf")), 5)
2.93388
>>> round(alpha_1rsb("relu"), 4)
2.6643
"""

from depthlab.committee.theory_1rsb import OneRSBResult, solve_1rsb
from depthlab.committee.theory_api import alpha_1rsb, alpha_rs, theory_table, theory_values
from depthlab.committee.theory_binary import BinaryRSResult, solve_binary_rs
from depthlab.committee.theory_binary_finite import alpha_binary_rs_finite_k
from depthlab.committee.theory_common import ACTIVATIONS, WEIGHTS, kernel, kernel_slope_at_one
from depthlab.committee.theory_growth import alpha_sign_growth, alpha_sign_rs_asymptote
from depthlab.committee.theory_rs import (
    TIES,
    FiniteKEstimate,
    alpha_rs_finite_k,
    alpha_rs_infinite_k,
    alpha_rs_relu_k2_exact,
    check_ties,
    sq_distance,
)
from depthlab.committee.theory_sign_rs import alpha_rs_sign_exact

__all__ = [
    "ACTIVATIONS",
    "TIES",
    "WEIGHTS",
    "BinaryRSResult",
    "FiniteKEstimate",
    "OneRSBResult",
    "alpha_1rsb",
    "alpha_binary_rs_finite_k",
    "alpha_rs",
    "alpha_rs_finite_k",
    "alpha_rs_infinite_k",
    "alpha_rs_relu_k2_exact",
    "alpha_rs_sign_exact",
    "alpha_sign_growth",
    "alpha_sign_rs_asymptote",
    "check_ties",
    "kernel",
    "kernel_slope_at_one",
    "solve_1rsb",
    "solve_binary_rs",
    "sq_distance",
    "theory_table",
    "theory_values",
]
