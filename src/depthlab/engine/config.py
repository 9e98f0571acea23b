"""Fit configuration: mode, optimiser stages, budgets and tolerances (a frozen, validated dataclass)."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import torch

from depthlab.engine.solver import solver_names
from depthlab.errors import ConfigError
from depthlab.validate import choice, finite_float, positive_int

MODES = ("regression", "classification")
#: The built-in stages; :func:`depthlab.engine.solver.register_solver` adds more.
STAGES = ("adam", "lm", "continuation", "target-homotopy", "points", "replicated", "activation-homotopy", "arclength",
          "varpro", "unitwise")
_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclasses.dataclass(frozen=True)
class FitConfig:
    """How :func:`depthlab.engine.fit` trains and certifies.

    Success is always decided in float64 after training: *regression* succeeds when the relative residual
    ``‖F(X) − Y‖_F / ‖Y‖_F ≤ tol``; *classification* (targets ±1, one output) succeeds when every margin
    ``y_i f(x_i) > 0``. Classification trains on the squared hinge ``Σ max(0, margin − y_i f(x_i))²``.

    Attributes:
        mode: ``"regression"`` or ``"classification"``.
        stages: optimiser stages in order, each the name of a registered solver
            (:mod:`depthlab.engine.solver`): ``"adam"``, ``"lm"``, ``"continuation"`` (LM on the
            family's smoother ``homotopy(s)`` for each ``s`` in ``continuation_slopes``, each started
            where the previous one ended; skipped for families without a homotopy). ``"auto"`` picks
            ``("lm",)`` for smooth families, ``("continuation", "lm")`` for families with a homotopy (ReLU)
            and ``("adam", "lm")`` otherwise.
        tol: regression success threshold on the float64 relative residual (1e-8: the capacity study's exact
            fit).
        margin: hinge target margin used for training in classification mode (success only needs > 0).
        adam_steps: maximum Adam steps per model.
        adam_lr: initial Adam learning rate (the loss is the relative squared residual, so lr is scale-free).
        adam_lr_final: final learning rate as a fraction of ``adam_lr`` (geometric decay over ``adam_steps``).
        adam_betas: Adam's ``(β1, β2)``.
        adam_eps: Adam's ε (small, so the last digits are not damped away).
        adam_switch_tol: a model leaves the Adam stage once its relative residual (regression) is below this,
            or all its margins are positive (classification); checked every ``check_every`` steps.
        adam_dtype: ``"float32"`` (speed) or ``"float64"``.
        check_every: steps between per-model convergence checks in the Adam stage.
        lm_steps: maximum Levenberg–Marquardt iterations per model.
        lm_dtype: dtype of the LM stage (``"float64"`` recommended; it certifies the last digits).
        lm_tau: initial damping ``λ0 = lm_tau · mean diag(JᵀJ)`` (Madsen–Nielsen–Tingleff 2004, §3.2).
        lm_patience: a model leaves the LM stage as failed after this many iterations without reducing its
            loss by at least ``lm_min_decrease`` (relative) since its best.
        lm_min_decrease: relative loss decrease that counts as progress.
        lm_polish_factor: LM stops a regression model at relative residual ``tol · lm_polish_factor`` (a
            margin below the certification threshold).
        continuation_slopes: continuation parameters of the ``"continuation"`` stage, in order (for ReLU
            MLPs the leaky-ReLU negative slopes, ending near 0 before the final LM on ReLU itself).
        repair_every: LM iterations between calls of the family's ``repair`` hook (dead ReLU unit revival).
        lm_gauss_newton: compute dual-form LM steps (more parameters than residuals) from the family's
            ``gauss_newton`` hook (``JJᵀ`` and ``Jᵀz`` without forming ``J``; MLPs, regression, real data):
            the same step up to rounding, several times cheaper. ``False`` forms the Jacobian as before.
        replicated: settings of the ``"replicated"`` stage, a
            :class:`~depthlab.engine.replicated.ReplicatedSettings` (``None``: its defaults).
        unitwise: settings of the ``"unitwise"`` stage, a :class:`~depthlab.engine.unitwise.UnitwiseSettings`
            (``None``: its defaults).
        readout: at the start of each LM stage, re-solve the family's linear output layer by least squares
            (regression only, families with a ``readout`` hook; kept only where it lowers the residual).
        homotopy_steps: predictor–corrector iterations (accepted or rejected) per model of a
            ``"target-homotopy"`` stage (:mod:`depthlab.engine.homotopy`; per added point in ``"points"``).
        homotopy_tol: corrector tolerance on the relative residual ``‖F_θ(X) − Y(t)‖ / ‖Y‖`` at every accepted
            point (at ``t = 1``: ``min(homotopy_tol, tol · lm_polish_factor)``).
        homotopy_step: initial step in ``t``; homotopy_min_step: a failed correction below this step is a fold
            (the model stops at its last accepted point); homotopy_max_step: largest step.
        homotopy_corrector_steps: Gauss–Newton corrector iterations per step at most.
        homotopy_contraction: each corrector iteration must shrink the residual by this factor, else the
            correction fails (the step is halved).
        homotopy_damping: corrector/predictor damping ``μ = homotopy_damping · trace(JJᵀ)/R``.
        homotopy_singular: a model stops as singular where ``λ_min(JJᵀ) < homotopy_singular · trace(JJᵀ)/R``.
        activation_sharpness: ``"activation-homotopy"`` stage: the increasing softplus sharpnesses β at which
            LM is run in turn on the family's ``smoothing(β)`` (:mod:`depthlab.engine.activation_homotopy`).
        varpro_ridge: ``"varpro"`` stage: the decreasing ridge levels ρ of the output-layer solve
            ``Θ* = argmin ‖HΘ − Y‖² + ρN‖Θ‖²`` (:mod:`depthlab.engine.varpro`), one reduced-LM run (the LM budget)
            per level, each started where the previous one ended; ``(0.0,)`` is plain variable projection.
        points_start: ``"points"`` stage: number of first points fitted together before points are added one at
            a time (0: the family's input dimension, ``prod(in_shape)``).
    """

    mode: str = "regression"
    stages: tuple[str, ...] | str = "auto"
    tol: float = 1e-8
    margin: float = 1.0
    adam_steps: int = 4000
    adam_lr: float = 1e-2
    adam_lr_final: float = 1e-2
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-12
    adam_switch_tol: float = 1e-5
    adam_dtype: str = "float32"
    check_every: int = 25
    lm_steps: int = 300
    lm_dtype: str = "float64"
    lm_tau: float = 1e-3
    lm_patience: int = 25
    lm_min_decrease: float = 1e-3
    lm_polish_factor: float = 0.01
    continuation_slopes: tuple[float, ...] = (0.5, 0.25, 0.1, 0.03)
    repair_every: int = 10
    readout: bool = True
    lm_gauss_newton: bool = True
    homotopy_steps: int = 500
    homotopy_tol: float = 1e-10
    homotopy_step: float = 0.05
    homotopy_min_step: float = 1e-4
    homotopy_max_step: float = 0.25
    homotopy_corrector_steps: int = 8
    homotopy_contraction: float = 0.5
    homotopy_damping: float = 1e-14
    homotopy_singular: float = 1e-12
    points_start: int = 0
    replicated: Any = None
    activation_sharpness: tuple[float, ...] = (1.0, 4.0, 16.0, 64.0, 256.0)
    varpro_ridge: tuple[float, ...] = (0.0,)
    unitwise: Any = None

    def __post_init__(self) -> None:
        choice(self.mode, "mode", MODES)
        if isinstance(self.stages, str):
            if self.stages != "auto":
                choice(self.stages, "stage", (*solver_names(), "auto"))
                object.__setattr__(self, "stages", (self.stages,))
        else:
            stages = tuple(self.stages)
            if not stages:
                raise ConfigError("stages is empty; give at least one of 'adam', 'lm' (or 'auto')")
            for s in stages:
                choice(s, "stage", solver_names())
            object.__setattr__(self, "stages", stages)
        finite_float(self.tol, "tol", low=0.0, low_open=True)
        finite_float(self.margin, "margin", low=0.0, low_open=True)
        positive_int(self.adam_steps, "adam_steps")
        finite_float(self.adam_lr, "adam_lr", low=0.0, low_open=True)
        finite_float(self.adam_lr_final, "adam_lr_final", low=0.0, low_open=True, high=1.0)
        if len(self.adam_betas) != 2 or not all(0.0 <= b < 1.0 for b in self.adam_betas):
            raise ConfigError(f"adam_betas must be two numbers in [0, 1), got {self.adam_betas!r}")
        finite_float(self.adam_eps, "adam_eps", low=0.0)
        finite_float(self.adam_switch_tol, "adam_switch_tol", low=0.0, low_open=True)
        choice(self.adam_dtype, "adam_dtype", tuple(_DTYPES))
        positive_int(self.check_every, "check_every")
        positive_int(self.lm_steps, "lm_steps")
        choice(self.lm_dtype, "lm_dtype", tuple(_DTYPES))
        finite_float(self.lm_tau, "lm_tau", low=0.0, low_open=True)
        positive_int(self.lm_patience, "lm_patience")
        positive_int(self.repair_every, "repair_every")
        finite_float(self.lm_min_decrease, "lm_min_decrease", low=0.0, high=1.0)
        finite_float(self.lm_polish_factor, "lm_polish_factor", low=0.0, low_open=True, high=1.0)
        slopes = tuple(finite_float(s, "continuation slope", low=0.0, low_open=True, high=1.0)
                       for s in self.continuation_slopes)
        object.__setattr__(self, "continuation_slopes", slopes)
        positive_int(self.homotopy_steps, "homotopy_steps")
        positive_int(self.homotopy_corrector_steps, "homotopy_corrector_steps")
        positive_int(self.points_start, "points_start", minimum=0)
        finite_float(self.homotopy_tol, "homotopy_tol", low=0.0, low_open=True)
        finite_float(self.homotopy_min_step, "homotopy_min_step", low=0.0, low_open=True, high=1.0)
        finite_float(self.homotopy_max_step, "homotopy_max_step", low=self.homotopy_min_step, high=1.0)
        finite_float(self.homotopy_step, "homotopy_step", low=self.homotopy_min_step, high=self.homotopy_max_step)
        finite_float(self.homotopy_contraction, "homotopy_contraction", low=0.0, low_open=True, high=1.0)
        finite_float(self.homotopy_damping, "homotopy_damping", low=0.0)
        finite_float(self.homotopy_singular, "homotopy_singular", low=0.0)
        if self.unitwise is not None and type(self.unitwise).__name__ != "UnitwiseSettings":
            raise ConfigError("unitwise must be a depthlab.engine.unitwise.UnitwiseSettings or None, got "
                              f"{type(self.unitwise).__name__}")
        if self.replicated is not None and type(self.replicated).__name__ != "ReplicatedSettings":
            raise ConfigError("replicated must be a depthlab.engine.replicated.ReplicatedSettings or None, got "
                              f"{type(self.replicated).__name__}")
        betas = tuple(finite_float(b, "activation sharpness", low=0.0, low_open=True)
                      for b in self.activation_sharpness)
        if not betas or any(b2 <= b1 for b1, b2 in itertools.pairwise(betas)):
            raise ConfigError(f"activation_sharpness must be a non-empty increasing sequence, got {betas!r}")
        object.__setattr__(self, "activation_sharpness", betas)
        ridge = tuple(finite_float(r, "varpro ridge level", low=0.0) for r in self.varpro_ridge)
        if not ridge or any(r2 >= r1 for r1, r2 in itertools.pairwise(ridge)):
            raise ConfigError(f"varpro_ridge must be a non-empty decreasing sequence of levels ≥ 0, got {ridge!r}")
        object.__setattr__(self, "varpro_ridge", ridge)

    def resolved_stages(self, smooth: bool, has_homotopy: bool = False) -> tuple[str, ...]:
        """The stage sequence for a family (``smooth`` and ``has_homotopy`` resolve ``"auto"``)."""
        if self.stages == "auto":
            if smooth:
                return ("lm",)
            return ("continuation", "lm") if has_homotopy else ("adam", "lm")
        return tuple(self.stages)

    @property
    def adam_torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.adam_dtype]

    @property
    def lm_torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.lm_dtype]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary (for manifests and hashes)."""
        return dataclasses.asdict(self)
