"""Memory-aware chunking over the model axis.

:func:`bytes_per_model` is a conservative estimate of the peak working memory one model needs in each stage;
:func:`plan_chunk_size` divides the memory available (``torch.cuda.mem_get_info`` on CUDA; a configurable
budget on CPU, default :data:`DEFAULT_CPU_BUDGET` or the ``DEPTHLAB_CPU_MEMORY`` environment variable, in
bytes) by it. :func:`depthlab.engine.fit` also halves the chunk and retries when CUDA still reports out-of-memory.
"""

from __future__ import annotations

import math
import os

import torch

from depthlab.engine.config import FitConfig
from depthlab.engine.families import Family
from depthlab.errors import ConfigError

#: CPU working-memory budget (bytes) when neither ``memory_budget`` nor ``DEPTHLAB_CPU_MEMORY`` is given.
DEFAULT_CPU_BUDGET = 2 * 1024**3
#: Fraction of free CUDA memory the engine plans to use.
CUDA_FRACTION = 0.6
#: Upper limit on models per chunk (keeps index tensors and Python bookkeeping small).
MAX_CHUNK = 1 << 17


def bytes_per_model(family: Family, n_points: int, cfg: FitConfig) -> int:
    """Estimated peak bytes one model needs (maximum over the configured stages), with a 2× safety factor."""
    p = family.n_params
    r = n_points * (1 if cfg.mode == "classification" else family.out_size)
    io = n_points * (math.prod(family.in_shape) + math.prod(family.out_shape))
    io *= 2 if family.complex_inputs else 1
    act = n_points * max(family.act_per_point, 1)
    need = 8 * (2 * io + act + 4 * p)  # data copies, certification forward
    stages = cfg.resolved_stages(family.smooth, family.homotopy is not None)
    if "adam" in stages or "replicated" in stages:  # the replicated solver: Adam's buffers plus a weight mask
        size = cfg.adam_torch_dtype.itemsize
        need = max(need, size * (6 * p + 3 * act + 2 * io))
    if any(s != "adam" for s in stages):  # LM, continuation, target homotopy, points: J or JJᵀ per model
        size = cfg.lm_torch_dtype.itemsize
        k = min(p, r)
        passes = min(p, r)  # jacfwd: P tangents; jacrev: R cotangents, each through all activations
        need = max(need, size * (3 * r * p + 3 * k * k + passes * (act + r) + 8 * p + 2 * io))
    return int(2 * need)


def available_bytes(device: torch.device, memory_budget: int | None = None) -> int:
    """Memory the engine may use on ``device`` (bytes)."""
    if memory_budget is not None:
        if memory_budget <= 0:
            raise ConfigError(f"memory_budget must be a positive number of bytes, got {memory_budget}")
        return int(memory_budget)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(CUDA_FRACTION * free)
    env = os.environ.get("DEPTHLAB_CPU_MEMORY")
    if env:
        try:
            value = int(float(env))
        except ValueError:
            raise ConfigError(f"DEPTHLAB_CPU_MEMORY must be a number of bytes, got {env!r}") from None
        if value <= 0:
            raise ConfigError(f"DEPTHLAB_CPU_MEMORY must be positive, got {env!r}")
        return value
    return DEFAULT_CPU_BUDGET


def plan_chunk_size(family: Family, n_points: int, n_models: int, cfg: FitConfig, device: torch.device,
                    memory_budget: int | None = None) -> int:
    """Models per chunk: as many as fit the memory available, at least 1, at most ``n_models``."""
    per = bytes_per_model(family, n_points, cfg)
    fit = max(1, available_bytes(device, memory_budget) // max(per, 1))
    return int(max(1, min(n_models, fit, MAX_CHUNK)))
