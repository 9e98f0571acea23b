"""Cover's function-counting theorem: the probability that random labels on N points in R^d are linearly separable.

Cover 1965, "Geometrical and statistical properties of systems of linear inequalities with applications in pattern
recognition", IEEE Trans. Electron. Comput. EC-14, Theorem 1 with the function count C(N, d) = 2 Σ_{k<d} C(N−1, k):
N points in general position in R^d, with random ±1 labels, are linearly separable by a hyperplane through the
origin with probability P(N, d) = 2^{1−N} Σ_{k=0}^{d−1} C(N−1, k), which equals 1 for N ≤ d and exactly 1/2 at
N = 2d.
"""

from __future__ import annotations

import math
from fractions import Fraction

from depthlab.validate import positive_int


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
