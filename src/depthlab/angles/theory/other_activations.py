"""Beyond the paper: the infinite-width angle map for other activations (tanh, leaky ReLU, GELU) and with biases.

Jakub & Nica (arXiv 2302.09712) treat the bias-free ReLU network. The experiment side's simulators
(:func:`~depthlab.angles.montecarlo.simulate_full`, :func:`~depthlab.angles.markov.simulate_markov`) take any
activation of :mod:`depthlab.activations` and a bias scale σ_b; here the infinite-width map they are compared
with is computed by quadrature of the one-step moments:

    C^1 = [[1, cos θ_0], [cos θ_0, 1]] + σ_b²·11ᵀ,
    K^ℓ = E[φ(u)φ(u)ᵀ] for (u_α, u_β) ~ N(0, C^ℓ)        (2-D Gauss–Hermite),
    cos θ_ℓ = K^ℓ_12 / √(K^ℓ_11 K^ℓ_22),   C^{ℓ+1} = σ_w² K^ℓ + σ_b²·11ᵀ.

This is the NNGP/mean-field recursion (Poole et al. 2016, Schoenholz et al. 2017) with the angle measured on
post-activations, as in the paper. For the bias-free ReLU network it reduces to the paper's eq. 12,
cos θ_{ℓ+1} = 2 J_{1,1}(θ_ℓ). The ReLU kink makes tensor Gauss–Hermite converge only like 1/nodes (error 5e-3
in θ at 160 nodes), so for positively homogeneous activations (ReLU, leaky ReLU) the moments are computed in polar
coordinates instead: with (u, v) = R(√C11 cos ω, √C22 cos(ω − ψ)), E R² = 2 and ω uniform,
E φ(u)φ(v) = (√(C11 C22)/π) ∫_0^{2π} φ(cos ω) φ(cos(ω − ψ)) dω, integrated by Gauss–Legendre on the pieces between
the kinks (exact to rounding). tanh and GELU are smooth; Gauss–Hermite converges fast for them.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from depthlab.activations import Activation, get
from depthlab.angles.theory._checks import check_depth, check_scalar_theta
from depthlab.errors import InputError
from depthlab.validate import finite_float, positive_int


def gauss_hermite_2d(nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tensor-product probabilists' Gauss–Hermite rule for E f(X, Y), X, Y i.i.d. N(0, 1).

    Returns ``(x, y, w)``, each ``(nodes²,)``, with Σ w = 1.
    """
    t, wt = np.polynomial.hermite_e.hermegauss(nodes)
    wt = wt / math.sqrt(2.0 * math.pi)
    x, y = np.meshgrid(t, t, indexing="ij")
    return x.ravel(), y.ravel(), np.outer(wt, wt).ravel()


def one_step_moments(
    c11: float,
    c22: float,
    c12: float,
    act: Activation,
    rule: tuple[np.ndarray, ...],
) -> tuple[float, float, float]:
    """``(E φ(u)², E φ(v)², E φ(u)φ(v))`` for (u, v) ~ N(0, [[c11, c12], [c12, c22]]) by the quadrature
    ``rule``."""
    x, y, w = rule
    cos_psi = max(-1.0, min(1.0, c12 / math.sqrt(c11 * c22)))
    sin_psi = math.sqrt(max(0.0, 1.0 - cos_psi * cos_psi))
    u = math.sqrt(c11) * x
    v = math.sqrt(c22) * (cos_psi * x + sin_psi * y)
    fu, fv = act.numpy_fn(u), act.numpy_fn(v)
    return float(w @ (fu * fu)), float(w @ (fv * fv)), float(w @ (fu * fv))


def polar_moments(
    c11: float,
    c22: float,
    c12: float,
    act: Activation,
    nodes: int = 24,
) -> tuple[float, float, float]:
    """Like :func:`one_step_moments` for a positively homogeneous activation, exact to rounding (see
    module doc)."""
    cos_psi = max(-1.0, min(1.0, c12 / math.sqrt(c11 * c22)))
    psi = math.acos(cos_psi)
    cuts = sorted(
        {0.0, 2 * math.pi, *((k + math.pi / 2) % (2 * math.pi) for k in (0.0, math.pi, psi, psi + math.pi))}
    )
    t, wt = np.polynomial.legendre.leggauss(nodes)
    omegas, weights = [], []
    for a, b in itertools.pairwise(cuts):
        if b > a:
            omegas.append(0.5 * (b - a) * t + 0.5 * (a + b))
            weights.append(0.5 * (b - a) * wt)
    om, w = np.concatenate(omegas), np.concatenate(weights) / math.pi
    fa, fb = act.numpy_fn(np.cos(om)), act.numpy_fn(np.cos(om - psi))
    return c11 * float(w @ (fa * fa)), c22 * float(w @ (fb * fb)), math.sqrt(c11 * c22) * float(w @ (fa * fb))


def quadrature_angles(
    theta0: float,
    depth: int,
    activation: str | Activation = "relu",
    *,
    sigma_w: float | None = None,
    sigma_b: float = 0.0,
    nodes: int = 120,
) -> np.ndarray:
    """Infinite-width post-activation angles ``θ_0, θ_1, …, θ_L`` (shape ``(L+1,)``) by quadrature.

    Smooth activations use the tensor Gauss–Hermite rule; positively homogeneous ones (ReLU, leaky ReLU) the
    polar Gauss–Legendre rule of :func:`polar_moments` (see the module docstring). For the bias-free ReLU network
    this is the paper's eq. 12 (:func:`depthlab.angles.theory.infinite.infinite_width_angles`) to rounding.

    Args:
        theta0: input angle in [0, π] (unit-norm inputs).
        depth: number of layers L ≥ 1.
        activation: a name of :func:`depthlab.activations.get` or an :class:`~depthlab.activations.Activation`,
            smooth or positively homogeneous (not ``"sign"``).
        sigma_w: weight gain of layers ≥ 2 (default: the activation's).
        sigma_b: bias standard deviation.
        nodes: Gauss–Hermite nodes per dimension (smooth activations; at most 200).
    """
    theta0 = check_scalar_theta(theta0, "theta0")
    depth = check_depth(depth)
    sigma_b = finite_float(sigma_b, "sigma_b", low=0.0)
    act = get(activation)
    if not (act.smooth or act.homogeneous):
        raise InputError(f"no accurate quadrature for {act.name!r}: it is neither smooth (Gauss–Hermite) nor "
                         "positively homogeneous (polar Gauss–Legendre)")
    gain = act.gain if sigma_w is None else float(sigma_w)
    rule = gauss_hermite_2d(positive_int(nodes, "nodes", minimum=2, maximum=200))
    b2 = sigma_b**2
    c11 = c22 = 1.0 + b2
    c12 = math.cos(theta0) + b2
    out = np.empty(depth + 1)
    out[0] = theta0
    for ell in range(1, depth + 1):
        if act.homogeneous:
            k11, k22, k12 = polar_moments(c11, c22, c12, act)
        else:
            k11, k22, k12 = one_step_moments(c11, c22, c12, act, rule)
        out[ell] = math.acos(max(-1.0, min(1.0, k12 / math.sqrt(k11 * k22))))
        g2 = gain * gain
        c11, c22, c12 = g2 * k11 + b2, g2 * k22 + b2, g2 * k12 + b2
    return out

