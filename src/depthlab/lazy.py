"""Lazy public APIs for study packages (PEP 562 module ``__getattr__``).

A study's ``__init__.py`` exports its theory and experiment API, but importing the package must stay cheap:
the CLI and the registry import ``depthlab.<study>.study`` to list studies without loading torch or SciPy.
:func:`lazy_exports` maps each public name to the module that defines it; the module is imported on first
attribute access::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {
        "depthlab.matexp.theory.closed_form": ("solve_two", "random_problem"),
        "depthlab.matexp.depth": ("depth_table",),
    })
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for a package whose public names live in ``exports``' modules.

    Raises:
        ValueError: a name is exported from two modules.
    """
    where: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is exported from {where[name]} and {module}")
            where[name] = module
    public = sorted(where)

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__, public
