"""depthlab: a laboratory for the power of depth.

Exact constructions, batched experiments and checked predictions for five studies of why deep networks fit and
separate data, sharing one engine. See the README for the CLI and ``depthlab reproduce``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("depthlab")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
