"""Errors raised at depthlab's boundaries.

Every problem a user can cause (bad shapes, NaN, a singular matrix, an unknown option) is raised as a
:class:`DepthlabError` subclass whose message names the problem and says what to change. The CLI turns these into
a one-line ``error: ...`` message and exit status 2, never a traceback from inside NumPy or Torch.
"""

from __future__ import annotations


class DepthlabError(Exception):
    """Base class of every error depthlab raises on purpose."""


class InputError(DepthlabError, ValueError):
    """Input data or an argument is invalid (shape, dtype, NaN/Inf, out of range)."""


class ConfigError(InputError):
    """A configuration (CLI options, a spec file, a study config) is invalid."""


class SingularMatrixError(InputError):
    """A matrix that must be invertible is singular or numerically singular.

    Attributes:
        name: which matrix, as the user knows it (e.g. ``"X2 - X1"``).
        cond: its condition number (``inf`` when exactly singular).
    """

    def __init__(self, name: str, cond: float, hint: str = "") -> None:
        self.name = name
        self.cond = float(cond)
        what = ("exactly singular (condition number ∞)" if self.cond == float("inf")
                else f"numerically singular (condition number {cond:.3g} > 1e12)")
        message = f"{name} is {what}"
        if hint:
            message += f": {hint}"
        super().__init__(message)


class MissingExtraError(DepthlabError, ImportError):
    """An optional dependency is needed for the requested feature."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{package}': install it with "
            f"pip install 'depthlab[{extra}]'"
        )


class DeviceError(DepthlabError, RuntimeError):
    """The requested compute device is not available."""


class NumericalError(DepthlabError, ArithmeticError):
    """A computation left the range of floating point (overflow) for reasons the message explains."""
