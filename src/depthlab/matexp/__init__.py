"""Matrix-exponential networks (Gai & Zhang, arXiv 2407.02540).

f(X) = W3·expm(W2·expm(W1·X)) with complex d×d weights solves two matrix equations Y1 = f(X1), Y2 = f(X2)
exactly; a one-layer network Y = W·X solves only one.

Public API:
    :func:`solve_two`, :func:`solve_problem`, :func:`make_problem`, :func:`random_problem` — the closed form
    with :class:`Diagnostics`; :func:`solve_batched` — many problems at once in PyTorch (CPU/CUDA);
    :func:`one_layer_fit` — the one-layer least-squares baseline; :func:`certify` — mpmath residuals (d ≤ 8);
    :func:`fit_depth`, :func:`depth_table` — beyond the paper: how many equations depth L solves;
    :func:`forward`, :func:`forward_torch` — the network itself.
"""

from depthlab.matexp.baseline import OneLayerFit, one_equation_exact, one_layer_fit
from depthlab.matexp.batched import BatchedSolution, random_problems, solve_batched
from depthlab.matexp.certify import Certificate, certify
from depthlab.matexp.depth import DepthFitResult, DepthTableConfig, depth_table, fit_depth, summarize
from depthlab.matexp.network import forward, forward_torch
from depthlab.matexp.theory import (
    Diagnostics,
    MatexpProblem,
    MatexpSolution,
    MatexpWarning,
    make_problem,
    random_problem,
    solve_problem,
    solve_two,
)

__all__ = [
    "BatchedSolution",
    "Certificate",
    "DepthFitResult",
    "DepthTableConfig",
    "Diagnostics",
    "MatexpProblem",
    "MatexpSolution",
    "MatexpWarning",
    "OneLayerFit",
    "certify",
    "depth_table",
    "fit_depth",
    "forward",
    "forward_torch",
    "make_problem",
    "one_equation_exact",
    "one_layer_fit",
    "random_problem",
    "random_problems",
    "solve_batched",
    "solve_problem",
    "solve_two",
    "summarize",
]
