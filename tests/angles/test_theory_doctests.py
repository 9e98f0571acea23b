"""The examples in the theory modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["bessel", "finite", "infinite", "jab", "predict", "other_activations", "authors_notebook"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"depthlab.angles.theory.{module}")
    result = doctest.testmod(mod, extraglobs={"np": importlib.import_module("numpy")}, verbose=False)
    assert result.failed == 0
