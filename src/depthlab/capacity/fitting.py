"""The capacity study's only contact with the shared engine (:mod:`depthlab.engine`): how a cell is fitted.

Every model of a (cell, N) unit — T data sets × R restarts — is trained in one stacked :func:`depthlab.engine.fit`
call: the data set of model ``t·R + r`` is data set ``t`` (repeated R times), its initialisation is seeded by
``("<cell init key>/N<N>", t·R + r)`` (the cell hash without the fitting method: every method of a cell starts
from the same parameters). Optimiser stages follow the cell's method: ``"lm"`` is the engine's ``"auto"``
choice (Levenberg–Marquardt in float64 for smooth σ, continuation then LM for ReLU-like σ); ``"target-homotopy"``
``"points"``, ``"activation-homotopy"``, ``"arclength"`` and ``"varpro"`` run that engine solver and then LM from
where it stopped (for ``"varpro"`` a full-network LM polish of the variable-projection solution); ``"unitwise"``
runs the engine's unit-wise construction alone. Success is the
engine's float64 certificate ‖F(X) − Y‖_F / ‖Y‖_F ≤ tol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from depthlab.capacity.config import CellConfig
from depthlab.engine import FitConfig, fit, perceptron, square_mlp
from depthlab.engine.families import Family

#: A family's parameter layout, ``((name, shape), …)`` in flattening order.
Layout = tuple[tuple[str, tuple[int, ...]], ...]


def fit_config(cell: CellConfig) -> FitConfig:
    """The engine configuration of a cell.

    ``max_steps`` > 0 caps both stages: Adam runs at most ``max_steps`` steps and LM at most
    ``min(engine default, max_steps)`` iterations (0 keeps the engine's defaults: Adam 4000, LM 300).
    ``lm_steps`` > 0 sets the LM cap (overriding the LM part of ``max_steps``) and ``lm_patience`` > 0 the
    stall patience (engine default 25). The method picks the stages: ``"lm"`` → ``"auto"``,
    ``"target-homotopy"`` → ``("target-homotopy", "lm")``, ``"points"`` → ``("points", "lm")``,
    ``"activation-homotopy"`` → ``("activation-homotopy", "lm")``, ``"arclength"`` → ``("arclength", "lm")``,
    ``"varpro"`` → ``("varpro", "lm")``, ``"unitwise"`` → ``("unitwise",)`` (an exact construction: nothing to
    polish, and no LM after a failure, so each row is the construction's own result).
    """
    stages = "auto" if cell.method == "lm" else ("unitwise",) if cell.method == "unitwise" else (cell.method, "lm")
    cfg = FitConfig(mode="regression", tol=cell.tol, stages=stages)
    if cell.max_steps > 0:
        cfg = dataclasses.replace(cfg, lm_steps=min(cfg.lm_steps, cell.max_steps), adam_steps=cell.max_steps)
    if cell.lm_steps > 0:
        cfg = dataclasses.replace(cfg, lm_steps=cell.lm_steps)
    if cell.lm_patience > 0:
        cfg = dataclasses.replace(cfg, lm_patience=cell.lm_patience)
    return cfg


def cell_family(cell: CellConfig) -> Family:
    """The engine family of a cell: square d×d MLP of depth L, with the cell's initialisation gain if set."""
    gain = {"init_gain": cell.init_gain} if cell.init_gain > 0 else {}
    return square_mlp(cell.width, cell.depth, cell.activation, bias=cell.bias, **gain)


def fit_cell_point(
    cell: CellConfig, n_points: int, x: torch.Tensor, y: torch.Tensor, device: torch.device | str = "cpu",
    *, keep_params: bool = False, trials: Sequence[int] | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray, Layout]:
    """Train the T·R models of ``cell`` at N = ``n_points`` and return their relative residuals, shape (T, R).

    Args:
        cell: the architecture and plan.
        n_points: N.
        x, y: the T data sets, (T, N, d) float64 each.
        device: compute device.
        keep_params: also return the final parameters: ``(residual, theta, layout)`` with ``theta`` (T, R, P)
            float64 flat in the family's order (``layout``: ``((name, shape), …)``, e.g. ``W1 (d, d), b1 (d,), …``).
            The same single engine call either way (:func:`fit_cell_point_params`).
        trials: the data-set numbers t of the T data sets in ``x``, ``y`` (default ``0 … T − 1``); model
            ``(t, r)`` is initialised from engine index ``t·R + r``, so fitting data sets in chunks gives the
            same result as one call on all of them.
    """
    R = cell.restarts
    fam = cell_family(cell)
    xs = x.repeat_interleave(R, dim=0)
    ys = y.repeat_interleave(R, dim=0)
    res = fit(
        fam,
        (xs, ys),
        key=f"{cell.init_key}/N{int(n_points)}",
        indices=range(xs.shape[0]) if trials is None else [int(t) * R + r for t in trials for r in range(R)],
        config=fit_config(cell),
        device=device,
        keep_params=keep_params,
    )
    residual = np.asarray(res.rel_residual, dtype=np.float64).reshape(x.shape[0], R)
    if not keep_params:
        return residual
    assert res.params is not None
    theta = torch.cat([res.params[k].reshape(xs.shape[0], -1) for k in fam.shapes], dim=1)
    layout = tuple((k, tuple(int(s) for s in v)) for k, v in fam.shapes.items())
    return residual, theta.to(torch.float64).cpu().numpy().reshape(x.shape[0], R, -1), layout


def fit_cell_point_params(
    cell: CellConfig, n_points: int, x: torch.Tensor, y: torch.Tensor, device: torch.device | str = "cpu",
    *, trials: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, Layout]:
    """:func:`fit_cell_point` keeping the final parameters (for the exact-fit certificates).

    Returns:
        ``(residual, theta, layout)``: relative residuals (T, R); flat float64 parameters (T, R, P) in the
        family's order (``layout``: ``((name, shape), …)``, e.g. ``W1 (d, d), b1 (d,), W2 …``).
    """
    out = fit_cell_point(cell, n_points, x, y, device, keep_params=True, trials=trials)
    assert isinstance(out, tuple)
    return out


def fit_perceptron(
    x: torch.Tensor, y: torch.Tensor, *, key: str, device: torch.device | str = "cpu"
) -> np.ndarray:
    """Train one bias-free perceptron per data set in classification mode; True where every margin is > 0.

    Args:
        x: points (T, N, d); y: labels ±1 (T, N, 1).
        key: seed key of the initialisations.
        device: compute device.
    """
    fam = perceptron(x.shape[-1], bias=False)
    res = fit(
        fam,
        (x, y),
        key=key,
        indices=range(x.shape[0]),
        config=FitConfig(mode="classification"),
        device=device,
        keep_params=False,
    )
    return np.asarray(res.success, dtype=bool)
