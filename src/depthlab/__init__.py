"""depthlab: a laboratory for the power of depth.

Exact constructions, batched experiments and checked predictions for five studies of why deep networks fit and
separate data, sharing one engine. See the README for the CLI and ``depthlab reproduce``.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` is looked up on first use (``importlib.metadata`` costs ~0.15 s, and every CLI call
    imports this package)."""
    if name != "__version__":
        raise AttributeError(f"module 'depthlab' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("depthlab")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+source"
