"""Activation functions for the angle simulators: ReLU (the paper's), leaky ReLU, tanh, GELU.

An activation is named by a string: ``"relu"``, ``"tanh"``, ``"gelu"``, ``"leaky_relu"`` (slope 0.1) or
``"leaky_relu:0.2"`` (slope 0.2). Each has a default weight gain σ_w (the He/critical choice for the homogeneous
ones: σ_w² = 2/(1+a²); 1 for tanh, the bias-free edge of chaos; √2 for GELU, the ReLU-like choice).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import erf

from depthlab.errors import InputError

NAMES = ("relu", "leaky_relu", "tanh", "gelu")


@dataclass(frozen=True)
class Activation:
    """A named activation.

    Attributes:
        name: canonical name (``"leaky_relu:0.1"`` includes the slope).
        torch_fn: elementwise function on tensors.
        numpy_fn: the same on NumPy arrays (used by quadrature).
        gain: default σ_w.
        homogeneous: positively 1-homogeneous (φ(cx) = cφ(x), c > 0): angles then do not depend on scale.
    """

    name: str
    torch_fn: Callable[[torch.Tensor], torch.Tensor]
    numpy_fn: Callable[[np.ndarray], np.ndarray]
    gain: float
    homogeneous: bool


def get_activation(spec: str | Activation) -> Activation:
    """Parse an activation name (see module docstring); a clear error lists the choices."""
    if isinstance(spec, Activation):
        return spec
    name, _, arg = str(spec).strip().lower().partition(":")
    if name == "relu" and not arg:
        return Activation("relu", torch.relu, lambda x: np.maximum(x, 0.0), math.sqrt(2.0), True)
    if name == "leaky_relu":
        try:
            a = float(arg) if arg else 0.1
        except ValueError:
            raise InputError(
                f"leaky_relu slope must be a number, got {arg!r} (e.g. leaky_relu:0.2)"
            ) from None
        if not 0.0 <= a < 1.0:
            raise InputError(f"leaky_relu slope must be in [0, 1), got {a}")
        return Activation(
            f"leaky_relu:{a:g}",
            lambda x: torch.nn.functional.leaky_relu(x, a),
            lambda x: np.where(x > 0, x, a * x),
            math.sqrt(2.0 / (1.0 + a * a)),
            True,
        )
    if name == "tanh" and not arg:
        return Activation("tanh", torch.tanh, np.tanh, 1.0, False)
    if name == "gelu" and not arg:
        return Activation(
            "gelu",
            torch.nn.functional.gelu,
            lambda x: 0.5 * x * (1.0 + erf(x / math.sqrt(2.0))),
            math.sqrt(2.0),
            False,
        )
    raise InputError(f"unknown activation {spec!r}; choose one of: relu, leaky_relu[:slope], tanh, gelu")
