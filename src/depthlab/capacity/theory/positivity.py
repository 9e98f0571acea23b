"""A positivity obstruction: bias-free ReLU and sigmoid nets of width d fit at most ≈ 2d points at *every* depth.

**Statement** (this module's own elementary derivation; the probability is Wendel's). Let
``F(X) = σ(… σ(X W1) …) W_L`` be a bias-free square network of depth ``L ≥ 2`` (width d, d outputs) whose
activation is nonnegative (``σ ≥ 0``: ReLU, sigmoid, softplus), and let ``Y`` ``(N, d)`` have rank d and no
zero row. If ``F(X) = Y`` exactly, then the rows ``y_i`` of ``Y`` lie in an *open half-space through 0*: some
``m`` has ``y_i·m > 0`` for every i.

*Proof.* ``Y = H W_L`` with ``H ≥ 0`` the last hidden layer ``(N, d)``; ``rank Y = d`` forces ``W_L``
invertible, so ``H = Y M`` (``M = W_L⁻¹``) is entrywise ≥ 0 with rank d: its columns ``Y m_j ≥ 0`` for d
linearly independent ``m_j``. If no ``m`` had ``Y m > 0``, Gordan's alternative (Gordan 1873; e.g. Schrijver,
*Theory of Linear and Integer Programming*, 1986, §7.8) would give ``λ ≥ 0``, ``λ ≠ 0``, ``Yᵀλ = 0``; then
``λᵀ Y m_j = 0`` with every term ``λ_i (y_i·m_j) ≥ 0``, so ``y_i·m_j = 0`` for all ``i`` in the support of λ
and all j, i.e. ``y_i ⊥ span{m_j} = R^d`` and ``y_i = 0``: a contradiction. ∎

With biases the output bias absorbs the shift (``H = (Y − 1b_Lᵀ) M``), and tanh takes both signs: the statement
is about bias-free nonnegative activations only. It holds whatever the inputs ``X`` and the depth are, so it
is a per-data-set certificate for *every* such net of width d, trained or constructed.

**Probability.** For targets with i.i.d. rows from a distribution symmetric about 0 and in general position
(the study's ``y_i ~ N(0, I_d)``), the probability that N rows lie in an open half-space through 0 is
Wendel's (J. G. Wendel, "A problem in geometric probability", *Math. Scand.* 11 (1962) 109–111):

    P_W(N, d) = 2^{1−N} Σ_{k=0}^{d−1} C(N − 1, k),

the same number as Cover's separability probability (Cover 1965, Theorem 1; flipping ``y_i → −y_i`` does not
change the distribution). So for every depth ``P(fit at N) ≤ P_W(N, d)``, which is exactly 1/2 at ``N = 2d``:
the per-data-set median capacity of these nets is at most 2d, while their parameter-count bound
(:func:`~depthlab.capacity.theory.bounds.capacity_bound`) grows like ``L·d``. At d = 8, ``P_W`` is 0.0669 at
N = 23 and 0.0026 at N = 31 (the bounds − 1 of tanh at L = 3, 4).

:func:`positivity_applies` says which cells the statement covers, :func:`positivity_probability` gives
``P_W`` exactly, and :func:`depthlab.capacity.positivity.cone_feasible` decides a data set by linear
programming.
"""

from __future__ import annotations

from fractions import Fraction

from depthlab.capacity.theory.cover import cover_probability_exact
from depthlab.validate import positive_int

#: activations with σ ≥ 0 everywhere among the engine's MLP activations (``softplus:β`` included)
NONNEGATIVE_ACTIVATIONS = frozenset({"relu", "sigmoid", "softplus"})


def nonnegative(activation: str) -> bool:
    """Whether ``activation`` (an engine MLP name, ``"softplus:8"`` allowed) is ≥ 0 everywhere."""
    return str(activation).split(":", 1)[0] in NONNEGATIVE_ACTIVATIONS


def positivity_applies(depth: int, activation: str, *, bias: bool) -> bool:
    """Whether the obstruction covers the square depth-``depth`` cell: ``L ≥ 2``, no biases, σ ≥ 0."""
    return int(depth) >= 2 and not bias and nonnegative(activation)


def positivity_probability_exact(n_points: int, width: int) -> Fraction:
    """Wendel's ``P_W(N, d) = 2^{1−N} Σ_{k<d} C(N − 1, k)`` as an exact fraction: the probability that N
    symmetric random target rows in R^d lie in an open half-space, an upper bound on P(fit at N) for every
    covered cell (module docstring).

    Raises:
        ConfigError: N < 1 or d < 1.
    """
    return cover_probability_exact(positive_int(n_points, "number of points N"), positive_int(width, "width d"))


def positivity_probability(n_points: int, width: int) -> float:
    """:func:`positivity_probability_exact` as a float."""
    return float(positivity_probability_exact(n_points, width))


def positivity_median(width: int) -> int:
    """The N at which ``P_W(N, d) = 1/2`` exactly: ``2d`` (Wendel's sum is symmetric there)."""
    return 2 * positive_int(width, "width d")
