"""Neuron and parameter counts of the constructions against depth (formulas; tests check them against networks).

=====================  ========  =====================================  ======================================
construction           hidden L  hidden neurons                         source
=====================  ========  =====================================  ======================================
triangular             1         N                                      standard (Huang's three-layer case)
triangular-bias        1         N − 1 (+ output bias)                  standard
lower bound, d = 1     1         ⌈N/2⌉ − 1 for generic targets          piecewise-linear piece count
grouped                2         2G − 1 + 2 s m,  s = ⌈N/G⌉              ours (:mod:`~.deep_grouped`)
windowed               3         4G − 1 + 2 s m                         ours (:mod:`~.deep_windowed`)
classifier             4         2G − 1 + 2 s + 3K                      ours (:mod:`~.deep_classifier`)
counting bound         any       smallest n with n²/4 + 3n + 1 ≥ N      ours (:func:`counting_lower_bound`)
=====================  ========  =====================================  ======================================

:data:`DEPTH_FAMILY` is the built family L = 1..5 of the study's depth table and :func:`family_counts` its
formulas with the group-size bound.
"""

from __future__ import annotations

import math


def shallow_neurons(N: int, bias: bool = False) -> int:
    """Hidden neurons of the one-hidden-layer triangular construction: N (N − 1 with an output bias)."""
    return N - 1 if bias else N


def shallow_lower_bound(N: int) -> int:
    """Neurons a one-hidden-layer net needs for N points on a line with generic targets: ``⌈N/2⌉ − 1``."""
    return max(0, math.ceil(N / 2) - 1)


def grouped_neurons(N: int, G: int, m: int = 1, s: int | None = None) -> int:
    """``2G − 1 + 2 s m`` with ``s = ⌈N/G⌉`` unless the actual largest group size is given."""
    s = math.ceil(N / G) if s is None else s
    return 2 * G - 1 + 2 * s * m


def best_groups(N: int, m: int = 1) -> int:
    """G minimising :func:`grouped_neurons` (near ``√(N m)``)."""
    return (
        min(range(1, N + 1), key=lambda G: (grouped_neurons(N, G, m), G))
        if N <= 4096
        else min(
            range(max(1, int(math.sqrt(N * m)) - 50), min(N, int(math.sqrt(N * m)) + 50) + 1),
            key=lambda G: (grouped_neurons(N, G, m), G),
        )
    )


def windowed_neurons(N: int, G: int, m: int = 1, s: int | None = None) -> int:
    """``4G − 1 + 2 s m`` neurons of ``windowed`` (layers of 2G − 1, 2G and 2 s m neurons)."""
    s = math.ceil(N / G) if s is None else s
    return 4 * G - 1 + 2 * s * m


def best_windowed_groups(N: int, m: int = 1) -> int:
    """G minimising :func:`windowed_neurons` (near ``√(N m / 2)``)."""
    c = int(math.sqrt(N * m / 2))
    rng = range(1, N + 1) if N <= 4096 else range(max(1, c - 50), min(N, c + 50) + 1)
    return min(rng, key=lambda G: (windowed_neurons(N, G, m), G))


def windowed_parameters(N: int, d: int, G: int, m: int = 1, s: int | None = None) -> int:
    """Parameters of ``windowed`` (dense layers): ``n1(d + 1) + n2(n1 + 1) + n3(n2 + 1) + n3 m + m``."""
    s = math.ceil(N / G) if s is None else s
    n1, n2, n3 = 2 * G - 1, 2 * G, 2 * s * m
    return n1 * (d + 1) + n2 * (n1 + 1) + n3 * (n2 + 1) + n3 * m + m


def classifier_neurons(N: int, G: int, K: int, s: int | None = None, base: str = "grouped") -> int:
    """Neurons of the deep classifier: the base network's (``grouped``: 2G − 1 + 2s; ``windowed``: 4G − 1 + 2s)
    plus 3K (layer of K, layer of 2K)."""
    inner = windowed_neurons(N, G, 1, s) if base == "windowed" else grouped_neurons(N, G, 1, s)
    return inner + 3 * K


def counting_lower_bound(N: int) -> int:
    """Fewest hidden neurons of a ReLU net of *any* depth that can interpolate generic real targets at N points
    in R^1 (one output): the smallest n with ``n²/4 + 3n + 1 ≥ N``.

    Dimension count: on each of finitely many activation patterns the outputs at the data are polynomial in the P
    parameters, so for Lebesgue-almost every target vector P ≥ N is needed; with widths n_1..n_L summing to n and
    d = 1, ``P = Σ_{ℓ≥2} n_{ℓ−1} n_ℓ + 2 n_1 + Σ_{ℓ≥2} n_ℓ + n_L + 1 ≤ n²/4 + 3n + 1``
    (``Σ n_{ℓ−1} n_ℓ ≤ (Σ_odd n_ℓ)(Σ_even n_ℓ) ≤ n²/4``). Our argument (docs/interp.md), not from Huang's paper.
    """
    n = 0
    while n * n / 4 + 3 * n + 1 < N:
        n += 1
    return n


def shallow_parameters(N: int, d: int, m: int = 1) -> int:
    """Parameters of the triangular construction: ``N(d + 1) + N m + m``."""
    return N * (d + 1) + N * m + m


def grouped_parameters(N: int, d: int, G: int, m: int = 1, s: int | None = None) -> int:
    """Parameters of ``grouped``: ``n1(d + 1) + n2(n1 + 1) + n2 m + m`` with ``n1 = 2G − 1``,
    ``n2 = 2 s m``."""
    s = math.ceil(N / G) if s is None else s
    n1, n2 = 2 * G - 1, 2 * s * m
    return n1 * (d + 1) + n2 * (n1 + 1) + n2 * m + m


def classifier_parameters(N: int, d: int, G: int, K: int, s: int | None = None, base: str = "grouped") -> int:
    """Parameters of ``classifier``: the base part without its output layer, then
    ``K(n + 1) + 2K(K + 1) + 2K·K + K`` (n = 2s, the base's last width)."""
    s = math.ceil(N / G) if s is None else s
    n1, n2 = 2 * G - 1, 2 * s
    if base == "windowed":
        inner = n1 * (d + 1) + 2 * G * (n1 + 1) + n2 * (2 * G + 1)
    else:
        inner = n1 * (d + 1) + n2 * (n1 + 1)
    return inner + K * (n2 + 1) + 2 * K * (K + 1) + 2 * K * K + K


def group_size_bound(N: int, G: int) -> int:
    """Largest group ``grouped`` can form: ``⌈N/G⌉ + 2⌊N/(4G)⌋`` (each cut moves at most ⌊N/(4G)⌋ positions
    towards a wider gap; :func:`~.groups.group_bounds`)."""
    return math.ceil(N / G) + 2 * (N // (4 * G))


#: The depth family: (hidden layers, construction, classification?) — L = 1 ``triangular``, 2 ``grouped``,
#: 3 ``windowed``, 4 ``classifier`` and 5 ``classifier-windowed``.
DEPTH_FAMILY: tuple[tuple[int, str, bool], ...] = (
    (1, "triangular", False),
    (2, "grouped", False),
    (3, "windowed", False),
    (4, "classifier", True),
    (5, "classifier-windowed", True),
)


def family_counts(name: str, N: int, d: int, classes: int) -> tuple[int, int, int]:
    """(neurons, parameters, G) of a :data:`DEPTH_FAMILY` member for N points in R^d (K = ``classes``), with the
    group-size bound :func:`group_size_bound` and the neuron-minimising G (0 for ``triangular``)."""
    if name == "triangular":
        return shallow_neurons(N), shallow_parameters(N, d), 0
    windowed = "windowed" in name
    G = best_windowed_groups(N) if windowed else best_groups(N)
    sb = group_size_bound(N, G)
    if name == "grouped":
        return grouped_neurons(N, G, 1, sb), grouped_parameters(N, d, G, 1, sb), G
    if name == "windowed":
        return windowed_neurons(N, G, 1, sb), windowed_parameters(N, d, G, 1, sb), G
    base = "windowed" if windowed else "grouped"
    return (
        classifier_neurons(N, G, classes, sb, base=base),
        classifier_parameters(N, d, G, classes, sb, base=base),
        G,
    )
