"""The matrix-exponential construction of Gai & Zhang (arXiv 2407.02540): pure maths, no training, no I/O.

* :mod:`~depthlab.matexp.theory.closed_form` — W1, W2, W3 for two equations (:func:`solve_two`) with
  diagnostics; :func:`random_problem`, :func:`make_problem`.
* :mod:`~depthlab.matexp.theory.batched` — the same construction for many problems at once in PyTorch.
* :mod:`~depthlab.matexp.theory.lam` — the λ candidates and the conditioning proxy that ranks them.
* :mod:`~depthlab.matexp.theory.network` — the network f(X) = W3·expm(W2·expm(W1·X)) (NumPy and Torch)
  and its holomorphic Jacobian (Daleckii–Krein).
* :mod:`~depthlab.matexp.theory.baseline` — the one-layer least-squares baseline.
* :mod:`~depthlab.matexp.theory.certify` — 40-digit mpmath residuals of float64 weights.
* :mod:`~depthlab.matexp.theory.accuracy` — which assumption fails when no λ reaches the tolerance.
* :mod:`~depthlab.matexp.theory.extended` — the construction in extended precision (mpmath, small d), for
  instances whose weights float64 cannot represent.
"""

from depthlab.matexp.theory.accuracy import DEFAULT_TOL, Diagnosis, InaccurateSolutionError, diagnose
from depthlab.matexp.theory.baseline import OneLayerFit, one_equation_exact, one_layer_fit
from depthlab.matexp.theory.batched import BatchedSolution, random_problems, solve_batched
from depthlab.matexp.theory.certify import MAX_CERTIFY_D, Certificate, certify
from depthlab.matexp.theory.closed_form import (
    RESIDUAL_TOL,
    Diagnostics,
    MatexpProblem,
    MatexpSolution,
    MatexpWarning,
    make_problem,
    random_problem,
    solve_problem,
    solve_two,
)
from depthlab.matexp.theory.extended import MAX_EXTENDED_D, ExtendedSolution, hard_instance, solve_extended
from depthlab.matexp.theory.network import expm_frechet_factors, forward, forward_torch, jacobian_torch

__all__ = [
    "DEFAULT_TOL",
    "MAX_CERTIFY_D",
    "MAX_EXTENDED_D",
    "RESIDUAL_TOL",
    "BatchedSolution",
    "Certificate",
    "Diagnosis",
    "Diagnostics",
    "ExtendedSolution",
    "InaccurateSolutionError",
    "MatexpProblem",
    "MatexpSolution",
    "MatexpWarning",
    "OneLayerFit",
    "certify",
    "diagnose",
    "expm_frechet_factors",
    "forward",
    "forward_torch",
    "hard_instance",
    "jacobian_torch",
    "make_problem",
    "one_equation_exact",
    "one_layer_fit",
    "random_problem",
    "random_problems",
    "solve_batched",
    "solve_extended",
    "solve_problem",
    "solve_two",
]
