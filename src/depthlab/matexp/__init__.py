"""Matrix-exponential networks (Gai & Zhang, arXiv 2407.02540).

f(X) = W3·expm(W2·expm(W1·X)) with complex d×d weights solves two matrix equations Y1 = f(X1), Y2 = f(X2)
exactly; a one-layer network Y = W·X solves only one.

Public API (imported on first use, so ``import depthlab.matexp`` is cheap):

* theory (:mod:`depthlab.matexp.theory`): :func:`solve_two`, :func:`solve_problem`, :func:`make_problem`,
  :func:`random_problem` — the closed form with :class:`Diagnostics`; :func:`solve_batched` — many problems
  at once in PyTorch (CPU/CUDA); :func:`one_layer_fit` — the one-layer least-squares baseline;
  :func:`certify` — mpmath residuals (d ≤ 8); :func:`solve_extended` — the construction in extended
  precision (d ≤ 16) for weights float64 cannot represent; :func:`forward`, :func:`forward_torch` — the network itself.
* experiment: :func:`fit_depth`, :func:`depth_table`, :func:`summarize` — beyond the paper, how many equations
  depth L solves; :func:`closed_form_table`; :func:`run` — the study for ``depthlab reproduce``;
  :func:`matexp_net` — the network as an engine family.
"""

from depthlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "depthlab.matexp.theory": (
        "DEFAULT_TOL", "BatchedSolution", "Certificate", "Diagnosis", "Diagnostics", "ExtendedSolution",
        "InaccurateSolutionError", "MatexpProblem", "MatexpSolution", "MatexpWarning", "OneLayerFit", "certify",
        "diagnose", "forward", "forward_torch", "jacobian_torch", "hard_instance", "make_problem",
        "one_equation_exact", "one_layer_fit",
        "random_problem", "random_problems", "solve_batched", "solve_extended", "solve_problem", "solve_two",
    ),
    "depthlab.matexp.depth": ("DepthFitResult", "DepthTableConfig", "depth_table", "fit_depth", "summarize"),
    "depthlab.matexp.experiment": ("closed_form_table", "run"),
    "depthlab.matexp.family": ("matexp_net",),
})
