"""Counting bounds for the capacity study: parameters ÷ d less symmetries, and Cover's counting theorem.

**Parameter-count bound.** A depth-L network with square d×d weights, y = W_L σ(W_{L−1} … σ(W_1 x)) (biases
optional), maps its parameters θ ∈ R^P to the N·d outputs F(X) ∈ R^{N×d}. If the network is invariant under
a continuous group of parameter changes of dimension S (for positively homogeneous σ such as ReLU, scaling
hidden unit j's incoming weights (and bias) by c > 0 and its outgoing weights by 1/c leaves F unchanged: d
dimensions per hidden layer), the image of θ ↦ F(X) has dimension at most P − S. Generic (Gaussian) targets
Y ∈ R^{N×d} are then fitted exactly with probability zero once N·d > P − S, so

    N ≤ N_bound = (P − S) / d,      P = L·d² (+ L·d with biases).

This is derived here, not taken from the paper: Gai & Zhang (arXiv 2407.02540) only state that a one-layer
network "can only solve one equation" Y = WX, and (per secondary summaries, see
``shared/notes/gai-zhang-matrix-exp.md`` §6) that a two-layer ReLU/sigmoid network fits "about twice" as
many points. For L = 2 without biases the bound is 2d for sigmoid/tanh and 2d − 1 for ReLU, i.e. the "about twice".

Symmetry dimensions used (per hidden layer, L − 1 hidden layers):

* ``relu``, ``leaky_relu`` (positively homogeneous): d (positive rescaling of each hidden unit);
* ``linear`` (identity): d² (any invertible A between layers), d² + d with biases (any affine map), so a
  deep linear network has the one-layer bound d (d + 1 with biases);
* ``tanh``, ``sigmoid``: 0 (their symmetries — sign flips, σ(−z) = 1 − σ(z) — and unit permutations are
  discrete and remove no dimensions).

**Cover's theorem** (Cover 1965, "Geometrical and statistical properties of systems of linear inequalities",
IEEE Trans. Electron. Comput. EC-14, Theorem 1 with the function-counting C(N, d) = 2 Σ_{k<d} C(N−1, k)): N
points in general position in R^d, with random ±1 labels, are linearly separable by a hyperplane through the
origin with probability P(N, d) = 2^{1−N} Σ_{k=0}^{d−1} C(N−1, k), which equals 1 for N ≤ d and exactly 1/2
at N = 2d.
"""

from __future__ import annotations

import math
from fractions import Fraction

from depthlab.errors import ConfigError
from depthlab.validate import choice, positive_int

#: Activations of the study; ``linear`` is the identity (used for sanity checks and deep linear nets).
ACTIVATIONS: tuple[str, ...] = ("relu", "sigmoid", "tanh", "leaky_relu", "linear")

#: Activations whose hidden units have a one-parameter positive-rescaling symmetry.
HOMOGENEOUS: frozenset[str] = frozenset({"relu", "leaky_relu"})


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
        ConfigError: unknown activation, depth or width < 1.
    """
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width")
    activation = choice(activation, "activation", ACTIVATIONS)
    hidden = depth - 1
    if activation in HOMOGENEOUS:
        return hidden * width
    if activation == "linear":
        return hidden * (width * width + (width if bias else 0))
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


def cover_probability_exact(n_points: int, dim: int) -> Fraction:
    """Cover's probability that ``n_points`` random ±1-labelled points in R^``dim`` are separable through 0.

    P(N, d) = 2^{1−N} Σ_{k=0}^{d−1} C(N−1, k) as an exact fraction (Cover 1965, Theorem 1).

    Raises:
        ConfigError: N < 1 or d < 1.
    """
    n = positive_int(n_points, "number of points N")
    d = positive_int(dim, "dimension d")
    total = sum(math.comb(n - 1, k) for k in range(min(d, n)))
    return Fraction(total, 2 ** (n - 1))


def cover_probability(n_points: int, dim: int) -> float:
    """:func:`cover_probability_exact` as a float."""
    return float(cover_probability_exact(n_points, dim))


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
