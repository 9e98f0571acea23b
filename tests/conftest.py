"""Shared test configuration: CPU by default, GPU tests skipped without CUDA, no progress bars."""

from __future__ import annotations

import os

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")
