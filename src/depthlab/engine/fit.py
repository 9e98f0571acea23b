"""The engine's entry point: :func:`fit` trains and certifies a stack of independent models.

Pipeline per chunk of models: seeded initialisation → optimiser stages (Adam and/or Levenberg–Marquardt) →
float64 certification. Chunks are planned from a memory estimate (:mod:`depthlab.engine.chunking`); on CUDA an
out-of-memory error halves the chunk and retries. Every model's data and initialisation derive from
``(key, index)``, and every operation acts on each model separately, so results do not depend on chunking.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import depthlab.engine.activation_homotopy
import depthlab.engine.adam
import depthlab.engine.arclength
import depthlab.engine.homotopy
import depthlab.engine.lm
import depthlab.engine.points
import depthlab.engine.replicated
import depthlab.engine.unitwise
import depthlab.engine.varpro  # (every solver module registers its solvers on import)
from depthlab.device import resolve_device
from depthlab.engine.chunking import plan_chunk_size
from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family, Params
from depthlab.engine.objective import certify, flatten, unflatten
from depthlab.engine.solver import Problem, get_solver
from depthlab.errors import ConfigError, InputError

Sampler = Callable[[Any, Sequence[int]], tuple[torch.Tensor, torch.Tensor]]


@dataclasses.dataclass
class FitResult:
    """Per-model outcome of :func:`fit` (arrays of length M, in the order of ``indices``).

    Attributes:
        indices: model indices.
        success: certified in float64 (see :class:`FitConfig`).
        rel_residual: float64 ``‖F(X) − Y‖_F / ‖Y‖_F`` after training.
        min_margin: float64 ``min_i y_i f(x_i)`` (classification; NaN in regression).
        adam_steps: Adam steps used (0 if no Adam stage).
        lm_steps: LM iterations used, summed over LM and continuation stages (0 if none).
        steps: every solver's per-model counters by name (``"adam"``, ``"lm"`` and any a custom solver adds).
        params: final parameters, float64 on CPU, stacked ``(M, …)`` (``None`` unless ``keep_params``).
        chunk_size: models per chunk actually used (the last successful size).
        n_chunks: number of chunks run.
        seconds: wall time.
        device: device used.
        stages: optimiser stages run.
        info: per-model diagnostics of the stages by ``"<stage>:<name>"`` (e.g. ``"target-homotopy:t"``, the
            homotopy parameter reached; :mod:`depthlab.engine.homotopy`); a stage run twice reports its last.
    """

    indices: np.ndarray
    success: np.ndarray
    rel_residual: np.ndarray
    min_margin: np.ndarray
    adam_steps: np.ndarray
    lm_steps: np.ndarray
    params: Params | None
    chunk_size: int
    n_chunks: int
    seconds: float
    device: str
    stages: tuple[str, ...]
    steps: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    info: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)

    @property
    def success_rate(self) -> float:
        """Fraction of models that succeeded."""
        return float(self.success.mean()) if self.success.size else float("nan")

    def summary(self) -> dict[str, Any]:
        """A small JSON-able summary."""
        return {"models": int(self.success.size), "successes": int(self.success.sum()),
                "success_rate": self.success_rate, "median_rel_residual": float(np.median(self.rel_residual)),
                "chunk_size": self.chunk_size, "n_chunks": self.n_chunks, "seconds": self.seconds,
                "device": self.device, "stages": list(self.stages)}


def all_finite(t: torch.Tensor) -> bool:
    """Whether every entry of ``t`` is finite. A NaN or ±Inf entry makes the sum non-finite (IEEE 754: NaN
    propagates, Inf + finite = Inf, Inf − Inf = NaN), so a finite sum proves it with one reduction; only a
    non-finite sum (a bad entry, or an overflow of finite ones) needs the elementwise test."""
    return bool(torch.isfinite(t.sum())) or bool(torch.isfinite(t).all())


def _check_data(family: Family, x: torch.Tensor, y: torch.Tensor, mode: str, n_models: int | None) -> None:
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise InputError("X and Y must be torch tensors of shape (M, N, ...)")
    in_shape, out_shape = tuple(family.in_shape), tuple(family.out_shape)
    if x.dim() != 2 + len(in_shape) or tuple(x.shape[2:]) != in_shape:
        raise InputError(f"X must have shape (M, N, {', '.join(map(str, in_shape))}) for this {family.name} "
                         f"family, got {tuple(x.shape)}")
    if y.dim() != 2 + len(out_shape) or tuple(y.shape[2:]) != out_shape:
        raise InputError(f"Y must have shape (M, N, {', '.join(map(str, out_shape))}) for this {family.name} "
                         f"family, got {tuple(y.shape)}")
    if x.shape[:2] != y.shape[:2]:
        raise InputError(f"X and Y disagree on (models, points): {tuple(x.shape[:2])} vs "
                         f"{tuple(y.shape[:2])}")
    if n_models is not None and x.shape[0] != n_models:
        raise InputError(f"data has {x.shape[0]} models but {n_models} indices were given")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise InputError(f"need at least one model and one point (N ≥ 1), got X of shape {tuple(x.shape)}")
    if x.is_complex() != family.complex_inputs:
        raise InputError(f"the {family.name} family expects {'complex' if family.complex_inputs else 'real'} "
                         f"inputs, got dtype {x.dtype}")
    if not (all_finite(x) and all_finite(y)):
        raise InputError("X or Y contains NaN or Inf")
    if mode == "classification":
        if math.prod(out_shape) != 1:
            raise ConfigError(f"classification needs a family with one output, this one has out_shape "
                              f"{out_shape}")
        if y.is_complex() or not bool(((y == 1) | (y == -1)).all()):
            raise InputError("classification labels Y must all be +1 or -1")


def _run_chunk(family: Family, x: torch.Tensor, y: torch.Tensor, idx: Sequence[int], key: str | int,
               cfg: FitConfig, device: torch.device, stages: tuple[str, ...], init: Params | None
               ) -> dict[str, torch.Tensor]:
    x = x.to(device)
    y = y.to(device)
    if init is None:
        theta = flatten(family.initial(key, idx, device=device, dtype=torch.float64), family)
    else:
        theta = flatten({k: v.to(device=device, dtype=torch.float64) for k, v in init.items()}, family)
    m = theta.shape[0]
    counters = {k: torch.zeros(m, dtype=torch.long, device=device) for k in ("adam", "lm")}
    problem = Problem(family, x, y, cfg, key=key, indices=tuple(int(i) for i in idx))
    info: dict[str, torch.Tensor] = {}
    for stage in stages:
        out = get_solver(stage)(problem, theta)
        theta = out.theta
        info.update({f"info:{stage}:{k}": v.cpu() for k, v in out.info.items()})
        for k, v in out.steps.items():
            counters[k] = counters.get(k, torch.zeros(m, dtype=torch.long, device=device)) + v
    theta = theta.to(torch.float64)
    success, rel, margin = certify(family, theta, x, y, cfg.mode, cfg.tol)
    return {"theta": theta.cpu(), "success": success.cpu(), "rel": rel.cpu(), "margin": margin.cpu(),
            **{f"steps:{k}": v.cpu() for k, v in counters.items()}, **info}


def fit(family: Family, data: tuple[torch.Tensor, torch.Tensor] | Sampler, *, key: str | int,
        indices: Sequence[int] | None = None, config: FitConfig | None = None,
        device: str | torch.device = "auto",
        chunk_size: int | None = None, memory_budget: int | None = None, init: Params | None = None,
        keep_params: bool = True, progress: Callable[[int, int], None] | None = None) -> FitResult:
    """Train and certify a stack of independent models of one family.

    Args:
        family: the architecture (:func:`~depthlab.engine.mlp`, :func:`~depthlab.engine.matexp_net`, or a
            registered custom :class:`~depthlab.engine.Family`).
        data: either stacked tensors ``(X, Y)`` with ``X (M, N, *in_shape)``, ``Y (M, N, *out_shape)``, or a
            sampler ``data(key, indices) -> (X, Y)`` called chunk by chunk (e.g. :func:`sampler_for`).
        key: seed key; model ``m`` is initialised from ``(key, indices[m])`` (and a sampler draws its
            data from the same pair), so results do not depend on chunking.
        indices: model indices (default ``range(M)`` for tensor data; required with a sampler).
        config: :class:`FitConfig` (default: regression, automatic stages).
        device: ``"auto"``, ``"cpu"``, ``"cuda"`` …; data and parameters are moved there chunk by chunk.
        chunk_size: models per chunk (default: planned from the memory available).
        memory_budget: bytes the engine may use (default: 60% of free CUDA memory, or the CPU budget).
        init: initial stacked parameters instead of the seeded initialisation (then ``indices`` only label).
        keep_params: return the final parameters (float64, CPU).
        progress: called as ``progress(models_done, models_total)`` after each chunk.

    Returns:
        A :class:`FitResult`.

    Raises:
        InputError: data of the wrong shape, dtype or labels, or N < 1.
        ConfigError: an invalid configuration.
    """
    cfg = config if config is not None else FitConfig()
    if not isinstance(cfg, FitConfig):
        raise ConfigError(f"config must be a FitConfig, got {type(cfg).__name__}")
    if not isinstance(family, Family):
        raise ConfigError(f"family must be a depthlab.engine.Family, got {type(family).__name__}")
    dev = resolve_device(device)
    if callable(data) and not isinstance(data, tuple):
        if indices is None:
            raise ConfigError("with a data sampler, pass the model indices (e.g. indices=range(64))")
        idx = [int(i) for i in indices]
        sampler = data
        probe_x, probe_y = sampler(key, idx[:1])
        _check_data(family, probe_x, probe_y, cfg.mode, 1)
        n_points = probe_x.shape[1]
        full = None
    else:
        if not isinstance(data, tuple) or len(data) != 2:
            raise InputError("data must be a pair (X, Y) of stacked tensors or a sampler(key, indices)")
        x_all, y_all = data
        idx = list(range(x_all.shape[0])) if indices is None else [int(i) for i in indices]
        _check_data(family, x_all, y_all, cfg.mode, len(idx))
        n_points = x_all.shape[1]
        full = (x_all, y_all)
    if not idx:
        raise InputError("no models to fit: indices is empty")
    if len(set(idx)) != len(idx):
        raise InputError("model indices must be distinct (equal indices would share data and initialisation)")
    if init is not None:
        for name, shape in family.shapes.items():
            if name not in init or tuple(init[name].shape) != (len(idx), *shape):
                raise InputError(f"init[{name!r}] must have shape {(len(idx), *shape)}")
    stages = cfg.resolved_stages(family.smooth, family.homotopy is not None)
    m_total = len(idx)
    size = chunk_size if chunk_size is not None else plan_chunk_size(family, n_points, m_total, cfg, dev,
                                                                     memory_budget)
    if size < 1:
        raise ConfigError(f"chunk_size must be ≥ 1, got {size}")
    if "replicated" in stages:  # groups of y replica rows stay in one chunk
        y_rep = depthlab.engine.replicated.settings_of(cfg).y
        if m_total % y_rep:
            raise ConfigError(f"the replicated stage needs a multiple of y = {y_rep} models (groups of replicas), "
                              f"got {m_total}")
        size = max(y_rep, size - size % y_rep)
    t0 = time.perf_counter()
    parts: list[dict[str, torch.Tensor]] = []
    start, n_chunks = 0, 0
    while start < m_total:
        stop = min(start + size, m_total)
        sub = idx[start:stop]
        if full is None:
            x, y = sampler(key, sub)
            _check_data(family, x, y, cfg.mode, len(sub))
        else:
            x, y = full[0][start:stop], full[1][start:stop]
        sub_init = None if init is None else {k: v[start:stop] for k, v in init.items()}
        try:
            parts.append(_run_chunk(family, x, y, sub, key, cfg, dev, stages, sub_init))
        except (torch.OutOfMemoryError, RuntimeError) as exc:
            # CUDA raises OutOfMemoryError; the CPU allocator a RuntimeError ("can't allocate memory").
            oom = isinstance(exc, torch.OutOfMemoryError) or "can't allocate memory" in str(exc)
            step = depthlab.engine.replicated.settings_of(cfg).y if "replicated" in stages else 1
            if not oom or size <= step:
                raise
            size = max(step, (size // 2) - (size // 2) % step)
            if dev.type == "cuda":
                torch.cuda.empty_cache()
            continue
        n_chunks += 1
        start = stop
        if progress is not None:
            progress(start, m_total)
    cat = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
    params = None
    if keep_params:
        params = {k: v.clone() for k, v in unflatten(cat["theta"], family).items()}
    return FitResult(indices=np.asarray(idx), success=cat["success"].numpy(), rel_residual=cat["rel"].numpy(),
                     min_margin=cat["margin"].numpy(), adam_steps=cat["steps:adam"].numpy(),
                     lm_steps=cat["steps:lm"].numpy(),
                     steps={k.removeprefix("steps:"): v.numpy() for k, v in cat.items() if k.startswith("steps:")},
                     info={k.removeprefix("info:"): v.numpy() for k, v in cat.items() if k.startswith("info:")},
                     params=params, chunk_size=size, n_chunks=n_chunks, seconds=time.perf_counter() - t0,
                     device=str(dev), stages=stages)
