"""Residuals, losses and float64 certification shared by all optimiser stages.

Parameters travel through the optimisers as one flat real tensor ``theta`` of shape ``(M, P)``;
:func:`unflatten` turns it into the family's parameter dict (views, no copy).
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.families import Family, Params


def flatten(params: Params, family: Family) -> torch.Tensor:
    """Stack a parameter dict into ``theta`` of shape ``(M, P)`` (order of ``family.shapes``)."""
    m = next(iter(params.values())).shape[0]
    return torch.cat([params[k].reshape(m, -1) for k in family.shapes], dim=1)


def unflatten(theta: torch.Tensor, family: Family) -> Params:
    """Inverse of :func:`flatten`: views of ``theta`` ``(M, P)`` shaped as the family's parameters."""
    out: Params = {}
    start = 0
    for name, shape in family.shapes.items():
        size = math.prod(shape)
        out[name] = theta[:, start:start + size].reshape(theta.shape[0], *shape)
        start += size
    return out


def outputs(family: Family, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Network outputs ``(M, N, *out_shape)`` for flat parameters ``theta``."""
    return family.forward(unflatten(theta, family), x)


def residuals(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str,
              margin: float = 1.0) -> torch.Tensor:
    """Per-model residual vectors ``(M, R)``, real.

    Regression: ``F(X) − Y`` flattened (complex entries split into real and imaginary parts), ``R = N·out``.
    Classification: ``max(0, margin − y_i f(x_i))``, ``R = N`` (targets ±1, one output).
    """
    return residuals_of(outputs(family, theta, x), y, mode, margin)


def residuals_of(out: torch.Tensor, y: torch.Tensor, mode: str, margin: float = 1.0) -> torch.Tensor:
    """:func:`residuals` from the network outputs ``out`` ``(M, N, *out_shape)``: ``(M, R)``, real."""
    m = out.shape[0]
    if mode == "classification":
        return torch.relu(margin - y.reshape(m, -1) * out.reshape(m, -1))
    r = out - y
    if r.is_complex():
        r = torch.view_as_real(r)
    return r.reshape(m, -1)


def target_sq_norm(y: torch.Tensor, mode: str) -> torch.Tensor:
    """Per-model normaliser of the squared residual: ``‖Y‖_F²`` (regression) or ``N`` (classification)."""
    m = y.shape[0]
    if mode == "classification":
        return torch.full((m,), float(y[0].numel()), dtype=_real_dtype(y), device=y.device)
    yy = torch.view_as_real(y) if y.is_complex() else y
    return yy.reshape(m, -1).square().sum(1).clamp_min(torch.finfo(yy.dtype).tiny)


def _real_dtype(t: torch.Tensor) -> torch.dtype:
    return t.real.dtype if t.is_complex() else t.dtype


#: Largest float64 copy of the inputs :func:`certify` makes at once (models are certified in slices beyond it, so a
#: large float32 stack is never copied whole: fewer page faults, bounded memory).
CERTIFY_SLICE_BYTES = 64 * 2**20


@torch.no_grad()
def certify(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str,
            tol: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decide success in float64.

    Args:
        family: the network family.
        theta: flat parameters ``(M, P)`` (any real dtype; promoted to float64).
        x: inputs ``(M, N, *in_shape)``; y: targets ``(M, N, *out_shape)``.
        mode: ``"regression"`` or ``"classification"``.
        tol: regression threshold on the relative residual.

    Returns:
        ``(success, rel_residual, min_margin)``, each ``(M,)``: ``rel_residual = ‖F(X) − Y‖_F / ‖Y‖_F``
        (classification: of the ±1 labels, for information), ``min_margin = min_i y_i f(x_i)``
        (NaN in regression mode); non-finite outputs never succeed.
    """
    per_model = max(x[0].numel() * (16 if x.is_complex() else 8), 1)
    step = max(1, CERTIFY_SLICE_BYTES // per_model)
    if x.shape[0] > step:  # slices of models: bounded float64 copies of X (models are independent)
        parts = [certify(family, theta[i:i + step], x[i:i + step], y[i:i + step], mode, tol)
                 for i in range(0, x.shape[0], step)]
        return tuple(torch.cat(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]
    theta = theta.to(torch.float64)
    cdt = torch.complex128 if x.is_complex() else torch.float64
    x = x.to(cdt)
    y = y.to(torch.complex128 if y.is_complex() else torch.float64)
    out = outputs(family, theta, x)
    m = out.shape[0]
    diff = out - y
    diff = torch.view_as_real(diff) if diff.is_complex() else diff
    yy = torch.view_as_real(y) if y.is_complex() else y
    rel = diff.reshape(m, -1).norm(dim=1) / yy.reshape(m, -1).norm(dim=1)
    finite = torch.isfinite(diff.reshape(m, -1)).all(dim=1)
    if mode == "classification":
        margins = (y.reshape(m, -1) * out.reshape(m, -1))
        min_margin = margins.min(dim=1).values
        success = finite & (min_margin > 0)
    else:
        min_margin = torch.full((m,), float("nan"), dtype=torch.float64, device=out.device)
        success = finite & (rel <= tol)
    rel = torch.where(finite, rel, torch.full_like(rel, float("inf")))
    return success, rel, min_margin


@torch.no_grad()
def solved(family: Family, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str,
           threshold: float) -> torch.Tensor:
    """Per-model stopping test in the working dtype: relative residual ≤ ``threshold`` (regression) or every
    margin positive (classification). A cheap pre-check; :func:`certify` decides in float64."""
    return solved_of(outputs(family, theta, x), y, mode, threshold)[0]


@torch.no_grad()
def solved_of(out: torch.Tensor, y: torch.Tensor, mode: str, threshold: float
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`solved` from the network outputs ``out`` ``(M, N, *out_shape)``.

    Returns:
        ``(solved, finite)``, each ``(M,)`` bool: the stopping test (which implies ``finite``) and whether all
        of a model's outputs are finite.
    """
    m = out.shape[0]
    if mode == "classification":
        ok = (y.reshape(m, -1) * out.reshape(m, -1)).min(dim=1).values > 0
    else:
        diff = out - y
        diff = torch.view_as_real(diff) if diff.is_complex() else diff
        yy = torch.view_as_real(y) if y.is_complex() else y
        ok = diff.reshape(m, -1).norm(dim=1) <= threshold * yy.reshape(m, -1).norm(dim=1)
    finite = torch.isfinite(out.reshape(m, -1)).all(dim=1)
    return ok & finite, finite
