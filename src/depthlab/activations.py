"""Activations, defined once: one :class:`Activation` object per name, used by every study and the engine.

Each activation carries its elementwise function (Torch and NumPy), its derivative, whether it is smooth and
positively homogeneous, its default weight gain, and — where closed forms are known — its Gaussian moments
and its centred, normalised dual kernel (the infinite-width map of a layer). New activations are one
constructor call, as in neural-tangents' ``stax`` (``Relu = ABRelu(0, 1)``, ``LeakyRelu = ABRelu(α, 1)``):
:func:`ab_relu` covers ReLU and leaky ReLU, :func:`softplus` the smooth surrogates of ReLU.

Names: ``"relu"``, ``"leaky_relu"`` (slope 0.1) or ``"leaky_relu:0.2"``, ``"sign"``, ``"tanh"``,
``"sigmoid"``, ``"gelu"``, ``"linear"``, ``"softplus"`` (sharpness 1) or ``"softplus:8"``. :func:`get` parses
them; a bad name lists the choices.

References:
    Cho & Saul, "Kernel methods for deep learning", NIPS 2009 (the arc-cosine kernel of ReLU);
    Novak et al., "Neural Tangents", ICLR 2020 (``stax``: one object per activation with its kernel map);
    He et al., "Delving deep into rectifiers", ICCV 2015 (the gain √(2/(1+a²)) of leaky ReLU).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from depthlab.errors import InputError

TorchFn = Callable[[torch.Tensor], torch.Tensor]
NumpyFn = Callable[[np.ndarray], np.ndarray]
#: ``derivative(h, a) -> σ'(h)`` from the pre-activation ``h`` and ``a = σ(h)`` (whichever is cheaper).
DerivativeFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
KernelFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class GaussianMoments:
    """Moments of g(z) for z ~ N(0, 1): ``mean`` E g, ``var`` Var g, ``dg2`` E g′² (∞ for sign)."""

    mean: float
    var: float
    dg2: float


@dataclass(frozen=True)
class Activation:
    """One elementwise activation σ.

    Attributes:
        name: canonical name (``"leaky_relu:0.1"`` includes its parameter).
        torch_fn: σ on tensors.
        numpy_fn: σ on NumPy arrays (quadrature, theory).
        derivative: ``derivative(h, a)`` = σ′(h) given ``h`` and ``a = σ(h)``; for sign, 0 (its derivative
            is a delta function; training uses a stated surrogate instead).
        smooth: σ is C^∞ (Gauss–Newton from a random start is appropriate).
        homogeneous: σ(cx) = cσ(x) for c > 0 (angles then do not depend on the scale of the inputs).
        gain: the default weight gain σ_w: √(2/(1+a²)) for :func:`ab_relu` (He et al. 2015; the critical
            choice of Jakub & Nica), √2 for GELU, 1 otherwise.
        moments: closed-form Gaussian moments, where known.
        kernel: the centred, normalised dual kernel κ(q) (κ(1) = 1, κ(0) = 0) for unit-variance Gaussian
            inputs with correlation q, where known; ``kernel_derivative`` its derivative dκ/dq.
        slope: the negative-side slope of an :func:`ab_relu` (NaN otherwise); ``sharpness`` the β of a
            :func:`softplus` (NaN otherwise).
    """

    name: str
    torch_fn: TorchFn
    numpy_fn: NumpyFn
    derivative: DerivativeFn
    smooth: bool
    homogeneous: bool
    gain: float = 1.0
    moments: GaussianMoments | None = None
    kernel: KernelFn | None = field(default=None, compare=False)
    kernel_derivative: KernelFn | None = field(default=None, compare=False)
    slope: float = math.nan
    sharpness: float = math.nan

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.torch_fn(x)

    @property
    def base(self) -> str:
        """The name without its parameter (``"leaky_relu"`` for ``"leaky_relu:0.1"``)."""
        return self.name.partition(":")[0]


def _clip(q: np.ndarray | float) -> np.ndarray:
    return np.clip(np.asarray(q, dtype=np.float64), -1.0, 1.0)


def _relu_kernel(q: np.ndarray | float) -> np.ndarray:
    th = np.arccos(_clip(q))
    return (np.sin(th) + (np.pi - th) * np.cos(th) - 1.0) / (np.pi - 1.0)


def _relu_kernel_derivative(q: np.ndarray | float) -> np.ndarray:
    return (np.pi - np.arccos(_clip(q))) / (np.pi - 1.0)


def ab_relu(a: float, b: float = 1.0, name: str | None = None) -> Activation:
    """σ(x) = a·x for x < 0, b·x for x ≥ 0 (ReLU: ``ab_relu(0, 1)``; leaky ReLU: ``ab_relu(a, 1)``).

    ReLU (a = 0, b = 1) also carries its Gaussian moments and the centred arc-cosine kernel
    κ(q) = [sin θ + (π − θ) cos θ − 1]/(π − 1), θ = arccos q (Cho & Saul 2009, degree 1, centred by
    E[relu]² = 1/(2π) and divided by Var relu = (π − 1)/(2π)).

    Raises:
        InputError: ``b ≤ 0`` or a not in [0, b).
    """
    a, b = float(a), float(b)
    if not (b > 0 and 0.0 <= a < b):
        raise InputError(f"ab_relu needs b > 0 and 0 ≤ a < b, got a={a}, b={b}")
    if name is None:
        name = "relu" if (a, b) == (0.0, 1.0) else f"leaky_relu:{a:g}" if b == 1.0 else f"ab_relu:{a:g},{b:g}"
    if a == 0.0:
        fn: TorchFn = torch.relu if b == 1.0 else (lambda x: b * torch.relu(x))

        def deriv(h: torch.Tensor, _a: torch.Tensor) -> torch.Tensor:
            return (h > 0).to(h.dtype) * b
    else:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.where(x > 0, b * x, a * x)

        def deriv(h: torch.Tensor, _a: torch.Tensor) -> torch.Tensor:
            return torch.where(h > 0, torch.full_like(h, b), torch.full_like(h, a))
    relu = (a, b) == (0.0, 1.0)
    return Activation(
        name=name, torch_fn=fn, numpy_fn=lambda x: np.where(x > 0, b * x, a * x), derivative=deriv,
        smooth=False, homogeneous=True, gain=math.sqrt(2.0 / (a * a + b * b)),
        moments=GaussianMoments(1.0 / math.sqrt(2 * math.pi), 0.5 - 1.0 / (2 * math.pi), 0.5) if relu else None,
        kernel=_relu_kernel if relu else None, kernel_derivative=_relu_kernel_derivative if relu else None,
        slope=a,
    )


def softplus(sharpness: float = 1.0) -> Activation:
    """σ_β(x) = log(1 + e^{βx})/β, a smooth surrogate of ReLU that approaches it as β → ∞ (|σ_β − relu| ≤
    log 2/β); σ′_β(x) = sigmoid(βx).

    Raises:
        InputError: β not positive and finite.
    """
    beta = float(sharpness)
    if not (math.isfinite(beta) and beta > 0):
        raise InputError(f"softplus sharpness must be positive and finite, got {sharpness}")

    def deriv(h: torch.Tensor, _a: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(beta * h)

    return Activation(
        name="softplus" if beta == 1.0 else f"softplus:{beta:g}",
        torch_fn=lambda x: torch.nn.functional.softplus(x, beta=beta),
        numpy_fn=lambda x: np.logaddexp(0.0, beta * x) / beta, derivative=deriv, smooth=True,
        homogeneous=False, gain=math.sqrt(2.0), sharpness=beta)


def _sign_kernel_derivative(q: np.ndarray | float) -> np.ndarray:
    q = _clip(q)
    with np.errstate(divide="ignore"):
        return 2.0 / (np.pi * np.sqrt(1.0 - q * q))


def _gelu_numpy(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _gelu_derivative(h: torch.Tensor, _a: torch.Tensor) -> torch.Tensor:
    cdf = 0.5 * (1.0 + torch.erf(h / math.sqrt(2.0)))
    return cdf + h * torch.exp(-0.5 * h * h) / math.sqrt(2.0 * math.pi)


RELU = ab_relu(0.0, 1.0)
SIGN = Activation(
    name="sign", torch_fn=torch.sign, numpy_fn=np.sign,
    derivative=lambda h, _a: torch.zeros_like(h), smooth=False, homogeneous=False, gain=1.0,
    moments=GaussianMoments(0.0, 1.0, math.inf),
    kernel=lambda q: (2.0 / np.pi) * np.arcsin(_clip(q)), kernel_derivative=_sign_kernel_derivative)
TANH = Activation(
    name="tanh", torch_fn=torch.tanh, numpy_fn=np.tanh, derivative=lambda _h, a: 1 - a * a, smooth=True,
    homogeneous=False, gain=1.0)
SIGMOID = Activation(
    name="sigmoid", torch_fn=torch.sigmoid, numpy_fn=lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    derivative=lambda _h, a: a * (1 - a), smooth=True, homogeneous=False, gain=1.0)
GELU = Activation(
    name="gelu", torch_fn=torch.nn.functional.gelu, numpy_fn=_gelu_numpy, derivative=_gelu_derivative,
    smooth=True, homogeneous=False, gain=math.sqrt(2.0))
LINEAR = Activation(
    name="linear", torch_fn=lambda x: x, numpy_fn=lambda x: np.asarray(x, dtype=np.float64),
    derivative=lambda h, _a: torch.ones_like(h), smooth=True, homogeneous=True, gain=1.0,
    moments=GaussianMoments(0.0, 1.0, 1.0), kernel=lambda q: _clip(q).copy(),
    kernel_derivative=lambda q: np.ones_like(_clip(q)))

_FIXED = {a.name: a for a in (RELU, SIGN, TANH, SIGMOID, GELU, LINEAR)}
_PARAMETRISED: dict[str, Callable[[float], Activation]] = {
    "leaky_relu": lambda s: ab_relu(s, 1.0),
    "softplus": softplus,
}
_DEFAULT_PARAM = {"leaky_relu": 0.1, "softplus": 1.0}
NAMES: tuple[str, ...] = (*_FIXED, *(f"{k}[:x]" for k in _PARAMETRISED))


def get(spec: str | Activation) -> Activation:
    """The activation named ``spec`` (see the module docstring), or ``spec`` itself if it is one.

    Raises:
        InputError: unknown name or a bad parameter; the message lists the choices.
    """
    if isinstance(spec, Activation):
        return spec
    base, _, arg = str(spec).strip().lower().partition(":")
    if base in _FIXED and not arg:
        return _FIXED[base]
    if base in _PARAMETRISED:
        try:
            value = float(arg) if arg else _DEFAULT_PARAM[base]
        except ValueError:
            raise InputError(f"{base} takes a number after ':', got {arg!r} (e.g. {base}:0.2)") from None
        return _PARAMETRISED[base](value)
    raise InputError(f"unknown activation {spec!r}; choose one of: {', '.join(NAMES)}")


def names(*, smooth: bool | None = None) -> tuple[str, ...]:
    """Names of the fixed activations (``smooth=True/False`` to filter)."""
    return tuple(n for n, a in _FIXED.items() if smooth is None or a.smooth == smooth)
