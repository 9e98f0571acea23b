"""Parameter-count bound of the capacity study: parameters ÷ d less the dimension of continuous symmetries.

A depth-L network with square d×d weights, y = W_L σ(W_{L−1} … σ(W_1 x)) (biases optional), maps its parameters
θ ∈ R^P to the N·d outputs F(X) ∈ R^{N×d}. If the network is invariant under a continuous group of parameter
changes of dimension S (for positively homogeneous σ such as ReLU, scaling hidden unit j's incoming weights (and
bias) by c > 0 and its outgoing weights by 1/c leaves F unchanged: d dimensions per hidden layer), the image of
θ ↦ F(X) has dimension at most P − S. Generic (Gaussian) targets Y ∈ R^{N×d} are then fitted exactly with
probability zero once N·d > P − S, so

    N ≤ N_bound = (P − S) / d,      P = L·d² (+ L·d with biases).

This is our own counting argument, not the paper's: Gai & Zhang (arXiv 2407.02540) state in their abstract that
a one-layer network "can only solve one equation" Y = WX, and (as known from secondary summaries of their §4;
the section text was not available to us) that a two-layer ReLU/sigmoid network fits "about twice" as many
points. For L = 2 without biases the bound is 2d for sigmoid/tanh and 2d − 1 for ReLU, i.e. the "about twice".

Symmetry dimensions used (per hidden layer, L − 1 hidden layers), for the engine's MLP activations
(:data:`depthlab.engine.families.ACTIVATIONS`, properties from :mod:`depthlab.activations`):

* positively homogeneous σ (``relu``, ``leaky_relu``: :attr:`~depthlab.activations.Activation.homogeneous`):
  d (positive rescaling of each hidden unit);
* ``linear`` (identity): d² (any invertible A between layers), d² + d with biases (any affine map), so a deep
  linear network has the one-layer bound d (d + 1 with biases);
* every other σ (``tanh``, ``sigmoid``, ``softplus``, ``gelu``): 0 (their symmetries — sign flips,
  σ(−z) = 1 − σ(z), unit permutations — are discrete and remove no dimensions).

Counting fewer symmetries than the network has only enlarges N_bound, so the bound stays an upper bound.
"""

from __future__ import annotations

import math

from depthlab.activations import get as get_activation
from depthlab.engine.families import ACTIVATIONS
from depthlab.errors import ConfigError
from depthlab.validate import choice, positive_int


def parameter_count(depth: int, width: int, *, bias: bool) -> int:
    """Number of trainable parameters of a depth-``depth`` network with square ``width``×``width`` weights.

    Args:
        depth: number of weight matrices L ≥ 1.
        width: d ≥ 1 (input, hidden and output width).
        bias: whether each layer has a bias vector of length d.

    Returns:
        P = L·d² + (L·d if ``bias``).
    """
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width")
    return depth * width * width + (depth * width if bias else 0)


def symmetry_dimension(depth: int, width: int, activation: str, *, bias: bool) -> int:
    """Dimension S of the continuous group of parameter changes that leave the network function unchanged.

    Only the symmetries listed in the module docstring are counted (a lower bound on the true degeneracy, so the
    resulting capacity bound stays an upper bound). ``depth = 1`` has no hidden layer and no symmetry.

    Raises:
        ConfigError: an activation the engine's MLPs do not have, depth or width < 1.
    """
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width")
    activation = choice(activation, "activation", ACTIVATIONS)
    hidden = depth - 1
    if activation == "linear":
        return hidden * (width * width + (width if bias else 0))
    if get_activation(activation).homogeneous:
        return hidden * width
    return 0


def capacity_bound(depth: int, width: int, activation: str, *, bias: bool) -> float:
    """Parameter-count bound N_bound = (P − S) / d on the number of generic points fitted exactly.

    Examples: L = 1 gives d (d + 1 with biases); L = 2 without biases gives 2d (sigmoid, tanh) and 2d − 1 (ReLU).

    Returns:
        A float; exact fits of N > N_bound generic points have probability zero.
    """
    p = parameter_count(depth, width, bias=bias)
    s = symmetry_dimension(depth, width, activation, bias=bias)
    return (p - s) / width


def max_fittable(depth: int, width: int, activation: str, *, bias: bool) -> int:
    """The largest integer N allowed by :func:`capacity_bound` (⌊N_bound⌋)."""
    return math.floor(capacity_bound(depth, width, activation, bias=bias) + 1e-12)


def bound_table(
    depths: range | list[int], width: int, activations: list[str] | tuple[str, ...], *, bias: bool
) -> list[dict[str, float | int | str | bool]]:
    """Rows (depth, width, activation, bias, parameters, symmetries, bound) for a figure or a report table."""
    if not activations:
        raise ConfigError("no activations given")
    rows = []
    for act in activations:
        for L in depths:
            rows.append(
                {
                    "depth": int(L),
                    "width": int(width),
                    "activation": act,
                    "bias": bool(bias),
                    "parameters": parameter_count(L, width, bias=bias),
                    "symmetries": symmetry_dimension(L, width, act, bias=bias),
                    "bound": capacity_bound(L, width, act, bias=bias),
                }
            )
    return rows
