"""Bad input: clear errors that name the problem."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.errors import ConfigError, InputError
from depthlab.interp.theory.build import build
from depthlab.interp.theory.inputs import as_labels


def test_duplicate_points_named() -> None:
    X = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0], [5.0, 5.0], [2.0, 3.0]])
    Y = np.array([1.0, 2.0, 3.0, 4.0, 2.0])
    with pytest.raises(InputError, match=r"points 0, 2 \(targets differ.*points 1, 4 \(same target\)"):
        build("triangular", X, Y, rng=np.random.default_rng(0))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite(bad: float) -> None:
    X = np.random.default_rng(0).standard_normal((5, 2))
    X[3, 1] = bad
    with pytest.raises(InputError, match=r"X contains 1 non-finite.*index \(3, 1\)"):
        build("triangular", X, np.zeros(5), rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="Y contains"):
        build("triangular", np.eye(3), np.array([0.0, bad, 1.0]), rng=np.random.default_rng(0))


def test_dimension_mismatch() -> None:
    with pytest.raises(InputError, match="X has 4 points but Y has 3 rows"):
        build("two-sided", np.eye(4), np.zeros(3), rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="shape"):
        build("triangular", np.zeros((2, 2, 2)), np.zeros(2), rng=np.random.default_rng(0))


@pytest.mark.parametrize("name", ["triangular", "peeling", "grouped", "classifier", "overparameterized"])
def test_too_few_neurons(name: str) -> None:
    X = np.random.default_rng(1).standard_normal((30, 2))
    Y = np.random.default_rng(2).integers(0, 3, 30).astype(float)
    with pytest.raises(InputError, match=f"too few neurons: construction '{name}' needs"):
        build(name, X, Y, rng=np.random.default_rng(0), neurons=3)


def test_unknown_construction_and_bad_labels() -> None:
    with pytest.raises(ConfigError, match="unknown construction 'magic'; choose one of"):
        build("magic", np.eye(2), np.zeros(2), rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="non-negative integers"):
        as_labels(np.array([0.5, 1.0]), 2)
