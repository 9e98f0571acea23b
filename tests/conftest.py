"""Shared test configuration: CPU by default, GPU tests skipped without CUDA, no progress bars."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")


@pytest.fixture(scope="session")
def benchmark_script():
    """A loader for the scripts of ``benchmarks/`` (not a package): ``benchmark_script("capacity_grid_d8")``
    imports ``benchmarks/capacity_grid_d8.py`` by path (with ``benchmarks/`` on ``sys.path`` while it loads, for
    ``_bench``) and returns the module."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "benchmarks"

    def load(name: str):
        import sys

        spec = importlib.util.spec_from_file_location(name, root / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(root))  # the scripts import their sibling helper module _bench
        try:
            spec.loader.exec_module(mod)
        finally:
            sys.path.remove(str(root))
        return mod

    return load
