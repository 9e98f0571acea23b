"""Theory of the capacity study: pure counting, no training, no I/O.

* :mod:`~depthlab.capacity.theory.bounds` — the parameter-count bound N ≤ (P − S)/d of a square depth-L network
  (our own dimension count): :func:`parameter_count`, :func:`symmetry_dimension`, :func:`capacity_bound`,
  :func:`max_fittable`, :func:`bound_table`.
* :mod:`~depthlab.capacity.theory.cover` — Cover's theorem (Cover 1965, Theorem 1) for a bias-free perceptron:
  :func:`cover_probability_exact`, :func:`cover_probability`.
"""

from depthlab.capacity.theory.bounds import (
    bound_table,
    capacity_bound,
    max_fittable,
    parameter_count,
    symmetry_dimension,
)
from depthlab.capacity.theory.cover import cover_probability, cover_probability_exact

__all__ = [
    "bound_table",
    "capacity_bound",
    "cover_probability",
    "cover_probability_exact",
    "max_fittable",
    "parameter_count",
    "symmetry_dimension",
]
