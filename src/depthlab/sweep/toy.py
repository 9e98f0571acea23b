"""A tiny deterministic CPU study for tests and benchmarks of the sweep engine.

Each trial estimates the top Lyapunov exponent of a product of ``steps`` i.i.d. ``width × width`` standard
Gaussian matrices (the growth rate of a deep random linear network) by propagating a vector: the estimate is
``(1/steps) Σ_s log ‖A_s v_s‖`` with ``v_{s+1} = A_s v_s / ‖A_s v_s‖``. For Gaussian matrices ``‖A v‖²`` is
χ² with ``width`` degrees of freedom for every unit ``v`` (rotational invariance), so each term is independent
with mean ``λ₁ = ½[ln 2 + ψ(width/2)]`` — the exact top exponent (Newman, "The distribution of Lyapunov
exponents: exact results for random matrices", Commun. Math. Phys. 103 (1986), λ₁ for unit-variance entries)
— and variance ``¼ ψ′(width/2)``; the estimate's standard error is ``½ √(ψ′(width/2)/steps)``.

All trials of one job (same ``width`` and ``steps``) are one stacked ``(T, width)`` tensor program; trial
``t``'s matrices are drawn from :func:`depthlab.seeding.numpy_rng` keyed by the trial's own config hash, so a
trial's result does not depend on the job it was packed in or on the worker that ran it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.special import digamma, polygamma

from depthlab.errors import ConfigError
from depthlab.seeding import config_hash, numpy_rng
from depthlab.sweep.registry import Sweepable

DEFAULTS: dict[str, Any] = {"width": 8, "steps": 100, "seed": 0, "fail": False}


def lyapunov_theory(width: int) -> tuple[float, float]:
    """Exact top Lyapunov exponent ½[ln 2 + ψ(w/2)] and the per-step standard deviation ½√ψ′(w/2)."""
    return 0.5 * (math.log(2.0) + float(digamma(width / 2))), 0.5 * math.sqrt(float(polygamma(1, width / 2)))


def _validate(config: Mapping[str, Any]) -> None:
    for name in ("width", "steps"):
        if config[name] < 1:
            raise ConfigError(f"toy study: {name} must be >= 1, got {config[name]}")


def pack_key(config: Mapping[str, Any]) -> tuple[int, int]:
    """Trials with the same matrix size and product length stack into one job."""
    return int(config["width"]), int(config["steps"])


def run_job(configs: Sequence[Mapping[str, Any]], device: torch.device) -> pd.DataFrame:
    """Estimate the top Lyapunov exponent for every trial of the job at once.

    Args:
        configs: T trial configs sharing ``width`` and ``steps``.
        device: where the stacked product runs.

    Returns:
        One row per trial: width, steps, seed, lyapunov, lyapunov_theory, stderr.
    """
    if any(c.get("fail") for c in configs):
        raise RuntimeError("toy trial asked to fail (fail = true)")
    width, steps = pack_key(configs[0])
    # (T, steps, width, width): trial t's matrices from its own config hash
    mats = np.stack([numpy_rng(config_hash(c), 0).standard_normal((steps, width, width)) for c in configs])
    a = torch.from_numpy(mats).to(device)
    v = torch.from_numpy(np.stack([numpy_rng(config_hash(c), 1).standard_normal(width) for c in configs]))
    v = (v / torch.linalg.vector_norm(v, dim=-1, keepdim=True)).to(device)
    total = torch.zeros(len(configs), dtype=torch.float64, device=device)
    for s in range(steps):
        v = (a[:, s] @ v[..., None])[..., 0]
        norm = torch.linalg.vector_norm(v, dim=-1)
        total += torch.log(norm)
        v = v / norm[:, None]
    lam, sd = lyapunov_theory(width)
    return pd.DataFrame({
        "width": width, "steps": steps, "seed": [int(c["seed"]) for c in configs],
        "lyapunov": (total / steps).cpu().numpy(), "lyapunov_theory": lam, "stderr": sd / math.sqrt(steps),
    })


SWEEPABLE = Sweepable(
    name="toy",
    run_job=run_job,
    pack_key=pack_key,
    defaults=DEFAULTS,
    description="top Lyapunov exponent of a product of Gaussian matrices (CPU toy for tests and benchmarks)",
    max_trials_per_job=16,
    validate=_validate,
)
