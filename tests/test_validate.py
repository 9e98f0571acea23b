"""Validation at the boundary gives errors that name the problem."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.errors import InputError, SingularMatrixError
from depthlab.validate import as_array, as_square_matrix, choice, positive_int, require_invertible


def test_as_array_messages() -> None:
    with pytest.raises(InputError, match=r"X contains 1 non-finite value.*NaN at index \(0, 1\)"):
        as_array([[1, np.nan]], "X")
    with pytest.raises(InputError, match="numeric"):
        as_array(["a"], "X")
    with pytest.raises(InputError, match="real"):
        as_array([1j], "X", dtype=np.float64)


def test_square_and_invertible() -> None:
    with pytest.raises(InputError, match="square"):
        as_square_matrix(np.ones((2, 3)), "A")
    with pytest.raises(SingularMatrixError, match="A is exactly singular"):
        require_invertible(np.zeros((2, 2)), "A")


def test_ints_and_choices() -> None:
    assert positive_int(3, "n") == 3
    with pytest.raises(InputError, match="width"):
        positive_int(0, "width")
    with pytest.raises(InputError, match="relu"):
        choice("rleu", "activation", ["relu", "tanh"])
