"""P(a, b), Q(a, b): closed forms vs. recursions (Lemma 12), OEIS A001498, involution counting."""

from __future__ import annotations

import itertools
import math

from depthlab.angles import P, P_recurrence, P_table, Q, Q_recurrence, Q_table, a001498


def test_closed_forms_equal_recursions() -> None:
    for a in range(40):
        for b in range(-1, a + 3):
            assert P(a, b) == P_recurrence(a, b), (a, b)
            assert Q(a, b) == Q_recurrence(a, b), (a, b)


def test_recursions_hold_for_closed_forms() -> None:
    """Lemma 12 applied directly to the closed forms: P(a,b) = (a−1)P(a−2,b) + P(a−1,b−1), Q with a."""
    for a in range(2, 40):
        for b in range(0, a + 1):
            assert P(a, b) == (a - 1) * P(a - 2, b) + P(a - 1, b - 1)
            assert Q(a, b) == a * Q(a - 2, b) + Q(a - 1, b - 1)


def test_p_is_oeis_a001498() -> None:
    """P(a,b) = T((a+b)/2, (a−b)/2) with T(n,k) = (n+k)!/(2^k (n−k)! k!) (OEIS A001498's own formula)."""
    for n in range(25):
        for k in range(n + 1):
            t_nk = math.factorial(n + k) // (2**k * math.factorial(n - k) * math.factorial(k))
            assert a001498(n, k) == t_nk
            assert P(n + k, n - k) == t_nk


def test_p_counts_involutions() -> None:
    """P(a, b) = number of involutions of {1..a} with exactly b fixed points (brute force, a ≤ 7)."""
    for a in range(8):
        counts = [0] * (a + 1)
        for perm in itertools.permutations(range(a)):
            if all(perm[perm[i]] == i for i in range(a)):
                counts[sum(perm[i] == i for i in range(a))] += 1
        assert counts == [P(a, b) for b in range(a + 1)]


def test_q_first_column_is_double_factorial_of_evens() -> None:
    """Q(2k, 0) = 2^k k! (OEIS A000165)."""
    for k in range(15):
        assert Q(2 * k, 0) == 2**k * math.factorial(k)


def test_tables_shape_and_parity() -> None:
    pt, qt = P_table(9), Q_table(9)
    assert [len(r) for r in pt] == list(range(1, 10))
    for a, (pr, qr) in enumerate(zip(pt, qt, strict=True)):
        assert pr[a] == qr[a] == 1
        for b in range(a + 1):
            if (a - b) % 2:
                assert pr[b] == qr[b] == 0
    # the paper's Figure 6 path sums: P(6, ·) and Q(5, ·)
    assert [P(6, b) for b in (0, 2, 4, 6)] == [15, 45, 15, 1]
    assert [Q(5, b) for b in (1, 3, 5)] == [33, 14, 1]
