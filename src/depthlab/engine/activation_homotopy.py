"""Activation homotopy: exact fits of a ReLU network reached through softplus networks of rising sharpness.

For a family with a ``smoothing`` hook (the ReLU MLP: :func:`depthlab.engine.families.mlp`), the
``"activation-homotopy"`` stage runs Levenberg–Marquardt (:func:`depthlab.engine.lm.lm_stage`, the configuration's
LM budget and tolerance) on the softplus network ``σ_β(x) = log(1 + e^{βx})/β`` for each sharpness
``β_1 < β_2 < … < β_K`` of ``FitConfig.activation_sharpness`` in turn, each level started from the solution of
the previous one; the same parameters then define the ReLU network. This is a natural-parameter continuation in
β (Allgower & Georg, *Introduction to Numerical Continuation Methods*, 1990, §1–2: the solution of one level is
the predictor of the next, LM the corrector). Since ``0 ≤ σ_β − relu ≤ log 2/β``, the level-β fit is an
approximate ReLU fit with an error of order ``1/β``; a following ``"lm"`` stage on the ReLU network itself
(``FitConfig(stages=("activation-homotopy", "lm"))``) polishes it, and :func:`depthlab.engine.fit` certifies on
the true ReLU network (never on a softplus one).

Per-model diagnostics (``StageResult.info``; ``FitResult.info["activation-homotopy:<name>"]``): ``levels``
(number of sharpness levels whose softplus network was fitted to the relative residual ``tol``),
``smooth_residual`` (relative residual on the last, sharpest softplus network) and ``relu_residual`` (relative
residual of the same parameters on the ReLU network, before any polish).
"""

from __future__ import annotations

import torch

from depthlab.engine.homotopy import check_regression
from depthlab.engine.lm import lm_along
from depthlab.engine.objective import certify
from depthlab.engine.solver import Problem, StageResult, register_solver
from depthlab.errors import ConfigError


@torch.no_grad()
def activation_homotopy_solver(problem: Problem, theta: torch.Tensor) -> StageResult:
    """The ``"activation-homotopy"`` stage (module docstring), models stacked and independent.

    Args:
        problem: a family with a ``smoothing`` hook, regression data ``x`` ``(M, N, d)``, ``y`` ``(M, N, out)``.
        theta: start parameters ``(M, P)``.

    Returns:
        Parameters ``(M, P)`` after the sharpest level; counter ``lm`` (LM iterations over all levels); info
        ``levels`` (long), ``smooth_residual`` and ``relu_residual`` (float64), each ``(M,)``.

    Raises:
        ConfigError: classification mode, or a family without a ``smoothing`` hook (not ReLU).
    """
    fam, cfg = problem.family, problem.config
    check_regression(problem, "activation-homotopy")
    if fam.smoothing is None:
        raise ConfigError("the 'activation-homotopy' solver needs a ReLU network (a family with a softplus "
                          f"smoothing); got {fam.config.get('activation', fam.name)!r}")
    m, dev = theta.shape[0], theta.device
    levels = torch.zeros(m, dtype=torch.long, device=dev)
    smooth_rel = torch.full((m,), float("inf"), dtype=torch.float64, device=dev)

    def count_level(smooth, th: torch.Tensor) -> None:
        nonlocal smooth_rel
        ok, smooth_rel, _ = certify(smooth, th, problem.x, problem.y, "regression", cfg.tol)
        levels.add_(ok.to(torch.long))

    theta, steps = lm_along((fam.smoothing(b) for b in cfg.activation_sharpness), problem, theta, count_level)
    _, relu_rel, _ = certify(fam, theta, problem.x, problem.y, "regression", cfg.tol)
    info = {"levels": levels, "smooth_residual": smooth_rel.to(dev), "relu_residual": relu_rel.to(dev)}
    return StageResult(theta, {"lm": steps}, info)


register_solver("activation-homotopy", activation_homotopy_solver)
