"""Bessel-type numbers P(a, b), Q(a, b) of Jakub & Nica (2024), Definition 4, Lemma 12 and App. C.

The mixed ReLU moments J_{a,b} expand over J_{0,·} and J_{1,·} with path-counting weights built from two
integer families (paper Definition 4)::

    P(a,b) = a! / ( b! · ((a−b)/2)! · 2^{(a−b)/2} )                       a ≥ b ≥ 0, a ≡ b (mod 2); else 0
    Q(a,b) = ((a+b)/2)! / b! · 2^{(b−a)/2} · Σ_{i=0}^{(a−b)/2} C(a+1, i)     a ≥ b ≥ 0, a ≡ b (mod 2); else 0

P(a, b) is a Bessel number of the second kind: the number of involutions of {1..a} with b fixed points, i.e.
OEIS A001498 T(n, k) = (n+k)! / (2^k (n−k)! k!) at n = (a+b)/2, k = (a−b)/2 (the paper's footnote 2). Both
satisfy three-term recursions (paper Lemma 12)::

    P(a,b) = (a−1) P(a−2,b) + P(a−1,b−1),     Q(a,b) = a Q(a−2,b) + Q(a−1,b−1),
    P(0,0) = Q(0,0) = 1,  P(a,−1) = Q(a,−1) = 0.

All values are exact Python integers.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache

from depthlab.angles.theory._checks import check_order


def _in_support(a: int, b: int) -> bool:
    return 0 <= b <= a and (a - b) % 2 == 0


def _orders(a: int, b: int) -> tuple[int, int]:
    """Validate (a, b): a a non-negative integer, b any integer (negative b is off the support)."""
    a = check_order(a, "a")
    if isinstance(b, bool) or not isinstance(b, int):
        b = check_order(b, "b")
    return a, b


def P(a: int, b: int) -> int:
    """P(a, b) from its closed form (paper Definition 4); 0 off the support (b > a, b < 0 or a ≢ b mod 2).

    Args:
        a: integer ≥ 0.
        b: any integer (negative b gives 0, as the recursion's boundary P(a, −1) = 0 needs).

    Raises:
        InputError: a negative or either argument not an integer.
    """
    a, b = _orders(a, b)
    if not _in_support(a, b):
        return 0
    k = (a - b) // 2
    return math.factorial(a) // (math.factorial(b) * math.factorial(k) * 2**k)


def Q(a: int, b: int) -> int:
    """Q(a, b) from its closed form (paper Definition 4); 0 off the support.

    The factor 2^{(b−a)/2} is a fraction; the product is evaluated exactly with :class:`fractions.Fraction`
    and is always an integer (checked).

    Raises:
        InputError: a negative or either argument not an integer.
    """
    a, b = _orders(a, b)
    if not _in_support(a, b):
        return 0
    k = (a - b) // 2
    value = Fraction(math.factorial((a + b) // 2), math.factorial(b) * 2**k) * sum(
        math.comb(a + 1, i) for i in range(k + 1)
    )
    if value.denominator != 1:  # pragma: no cover - would mean the definition was transcribed wrongly
        raise ArithmeticError(f"Q({a},{b}) = {value} is not an integer")
    return int(value)


@cache
def _p_rec(a: int, b: int) -> int:
    if b < 0 or b > a:
        return 0
    if a == 0:
        return 1  # P(0,0)
    return (a - 1) * _p_rec(a - 2, b) + _p_rec(a - 1, b - 1) if a >= 2 else _p_rec(a - 1, b - 1)


@cache
def _q_rec(a: int, b: int) -> int:
    if b < 0 or b > a:
        return 0
    if a == 0:
        return 1  # Q(0,0)
    return a * _q_rec(a - 2, b) + _q_rec(a - 1, b - 1) if a >= 2 else _q_rec(a - 1, b - 1)


def P_recurrence(a: int, b: int) -> int:
    """P(a, b) from the recursion of Lemma 12: P(a,b) = (a−1)P(a−2,b) + P(a−1,b−1), P(0,0)=1, P(a,−1)=0."""
    a = check_order(a, "a")
    return _p_rec(a, int(b))


def Q_recurrence(a: int, b: int) -> int:
    """Q(a, b) from the recursion of Lemma 12: Q(a,b) = a·Q(a−2,b) + Q(a−1,b−1), Q(0,0)=1, Q(a,−1)=0."""
    a = check_order(a, "a")
    return _q_rec(a, int(b))


def P_table(rows: int) -> list[list[int]]:
    """Rows a = 0..rows−1 of P, each [P(a,0), …, P(a,a)] (the triangle of paper Definition 4)."""
    return [[P(a, b) for b in range(a + 1)] for a in range(check_order(rows, "rows"))]


def Q_table(rows: int) -> list[list[int]]:
    """Rows a = 0..rows−1 of Q, each [Q(a,0), …, Q(a,a)]."""
    return [[Q(a, b) for b in range(a + 1)] for a in range(check_order(rows, "rows"))]


def a001498(n: int, k: int) -> int:
    """OEIS A001498 T(n, k) = (n+k)! / (2^k (n−k)! k!), 0 ≤ k ≤ n (Bessel polynomial coefficients).

    P(a, b) = T((a+b)/2, (a−b)/2) (paper footnote 2, https://oeis.org/A001498).
    """
    n = check_order(n, "n")
    k = check_order(k, "k")
    if k > n:
        return 0
    return math.factorial(n + k) // (2**k * math.factorial(n - k) * math.factorial(k))
