"""The examples in the theory modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["bessel", "finite", "infinite", "jab", "predict"])
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"depthlab.angles.{module}")
    result = doctest.testmod(mod, extraglobs={"np": importlib.import_module("numpy")}, verbose=False)
    assert result.failed == 0
