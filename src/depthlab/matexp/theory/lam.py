"""Choosing the free scalar λ of the closed-form construction.

λ trades the size of A1 = λ(X2 − X1)⁻¹X1 against that of B1 = log(Y1⁻¹Y2)/(e^λ − 1) (docs/matexp.md, "Choosing
λ"). Both the SciPy and the batched Torch solver rank the same grid of candidates with the same cheap proxy (this
module, in Torch so that it runs where the batch lives), then verify the best few by evaluating the network.

When X1 and X2 nearly agree along one direction, C = (X2 − X1)⁻¹X1 has one eigenvalue μ* of large modulus, and
expm(A1) = expm(λC) is ill-conditioned by about e^{|Re(λμ*)|}. The grid therefore also holds the *rotated*
candidates λ = r·e^{i(±π/2 − arg μ*)}, which make λμ* purely imaginary: expm(A1) then only rotates that
direction. Measured on 8×8 instances with one singular value of X2 − X1 lowered to δ (docs/matexp.md): at
cond(X2 − X1) = 2e3 the best verified residual went from 4e5 (without them) to 2e-11.
"""

from __future__ import annotations

import math

import torch

from depthlab.errors import InputError

#: |λ| values tried by the automatic choice (7 moduli × 8 phases, plus the rotated candidates).
LAMBDA_MODULI = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
LAMBDA_PHASES = 8


def lambda_candidates(c_eigs: torch.Tensor, real_only: torch.Tensor | bool = False) -> torch.Tensor:
    """The grid of λ tried by the automatic choice, for one problem or a batch.

    ``LAMBDA_MODULI`` × ``LAMBDA_PHASES`` phases; when the spectral radius ρ of C = (X2 − X1)⁻¹X1 exceeds 3 (X1
    and X2 nearly agree on some direction), the moduli divided by ρ are added, since A1 = λC then needs a smaller
    λ; and the moduli at the two phases ±π/2 − arg μ* that make λμ* imaginary (μ* the eigenvalue of C of largest
    modulus; see the module docstring). With ``real_only`` only phase 0 (λ > 0) is allowed.

    Args:
        c_eigs: eigenvalues of C, complex ``(..., d)``.
        real_only: bool, or a bool tensor of shape ``(...)``.

    Returns:
        complex128 ``(..., 2·7·8 + 2·7)``; disallowed entries are NaN.
    """
    dev = c_eigs.device
    rho = c_eigs.abs().amax(dim=-1, keepdim=True).to(torch.float64)  # (..., 1)
    base = torch.tensor(LAMBDA_MODULI, dtype=torch.float64, device=dev)
    scaled = torch.where(rho > 3, base / rho.clamp_min(1e-300), torch.full_like(rho, math.nan))  # (..., 7)
    moduli = torch.cat([base.expand_as(scaled), scaled], dim=-1)  # (..., 14)
    k = torch.arange(LAMBDA_PHASES, device=dev)
    phases = torch.polar(torch.ones(LAMBDA_PHASES, dtype=torch.float64, device=dev),
                         2 * math.pi * k.to(torch.float64) / LAMBDA_PHASES)
    # cos(π/2) etc. are ~1e-17, not 0: snap so that λ = 2i is printed and stored as exactly 2i
    phases = torch.complex(torch.where(phases.real.abs() < 1e-15, 0.0, phases.real),
                           torch.where(phases.imag.abs() < 1e-15, 0.0, phases.imag))
    cands = moduli[..., :, None].to(torch.complex128) * phases  # (..., 14, 8)
    ro = torch.as_tensor(real_only, device=dev)[..., None, None]
    cands = torch.where(ro & (k > 0), torch.full_like(cands, complex(math.nan, math.nan)), cands)
    # phase 0 must be exactly real (polar(1, 0) is exact, but keep it explicit)
    return torch.cat([cands.flatten(-2), _rotated(c_eigs, base, torch.as_tensor(real_only, device=dev))], dim=-1)


def _rotated(c_eigs: torch.Tensor, base: torch.Tensor, real_only: torch.Tensor) -> torch.Tensor:
    """λ = r·e^{i(±π/2 − arg μ*)} for r in ``base``: ``(..., 2·len(base))``, NaN where only real λ are allowed."""
    idx = c_eigs.abs().argmax(dim=-1, keepdim=True)
    arg = torch.angle(torch.gather(c_eigs.to(torch.complex128), -1, idx))  # (..., 1)
    phase = torch.cat([math.pi / 2 - arg, -math.pi / 2 - arg], dim=-1)  # (..., 2)
    rot = torch.polar(base[:, None].expand(-1, 2).to(torch.float64), phase[..., None, :])  # (..., 7, 2)
    rot = rot.flatten(-2)
    return torch.where(real_only[..., None], torch.full_like(rot, complex(math.nan, math.nan)), rot)


def _spread_re(coef: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """max_j Re(coef·z_j) − min_j Re(coef·z_j) for coef ``(..., K)`` and z ``(..., d)``, in real arithmetic."""
    basis = torch.stack([coef.real, -coef.imag], dim=-1)  # (..., K, 2)
    zz = torch.stack([z.real, z.imag], dim=-2)  # (..., 2, d)
    re = basis @ zz  # (..., K, d)
    return re.amax(dim=-1) - re.amin(dim=-1)


def lambda_proxy(lams: torch.Tensor, c_eigs: torch.Tensor, log_eigs: torch.Tensor) -> torch.Tensor:
    """Estimated log-error of the construction for each λ (smaller is better; NaN λ gives +inf).

    The error is dominated by κ(expm(A1)) ≥ e^{spread Re eig(A1)}, κ(expm(B1)), κ(expm(e^λ B1)) and the growth of
    ‖B1‖ (docs/matexp.md, "Conditioning"), with eig(A1) = λ·eig(C) and eig(B1) = eig(L)/(e^λ − 1)::

        proxy(λ) = spread Re(λμ) + max(spread Re(ℓ/q), spread Re(e^λ ℓ/q)) + log(1 + β) + log(1 + |e^λ| β),
        q = e^λ − 1,  β = max|ℓ| / |q|,

    where μ and ℓ run over the eigenvalues of C and L, and spread = max − min over them.

    Args:
        lams: ``(..., K)``; c_eigs, log_eigs: ``(..., d)``.

    Returns:
        float64 ``(..., K)``.
    """
    e = torch.exp(lams)
    q = e - 1
    beta = log_eigs.abs().amax(dim=-1, keepdim=True) / q.abs()
    out = (_spread_re(lams, c_eigs) + torch.maximum(_spread_re(1 / q, log_eigs), _spread_re(e / q, log_eigs))
           + torch.log1p(beta) + torch.log1p(e.abs() * beta))
    return torch.where(torch.isfinite(out), out, torch.full_like(out, math.inf))


def choose_lambdas(c_eigs: torch.Tensor, log_eigs: torch.Tensor, real_only: torch.Tensor | bool,
                   n_verify: int) -> torch.Tensor:
    """The ``n_verify`` best λ candidates by :func:`lambda_proxy`, best first: complex128 ``(..., n_verify)``.

    Entries that are NaN mark missing candidates (when fewer than ``n_verify`` are allowed).
    """
    if n_verify < 1:
        raise InputError(f"n_verify must be ≥ 1, got {n_verify}")
    c_eigs = c_eigs.to(torch.complex128)
    log_eigs = log_eigs.to(torch.complex128)
    cands = lambda_candidates(c_eigs, real_only)
    proxy = lambda_proxy(cands, c_eigs, log_eigs)
    order = torch.argsort(proxy, dim=-1, stable=True)[..., :n_verify]
    return torch.gather(cands, -1, order)
