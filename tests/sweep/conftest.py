"""Shared fixtures of the sweep tests: a small toy grid and its in-process reference table."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from depthlab.sweep import collect, run_sweep, spec_from_mapping

os.environ.setdefault("DEPTHLAB_PROGRESS", "0")

#: 2 widths x 3 seeds = 6 trials; at most 2 trials per job -> 4 jobs (3 + 3 trials per width, packed 2 + 1).
SMALL = {"study": "toy", "params": {"steps": 50}, "grid": {"width": [3, 5], "seed": [0, 1, 2]},
         "max_trials_per_job": 2}


@pytest.fixture(scope="session")
def small_spec():
    return spec_from_mapping(SMALL)


@pytest.fixture(scope="session")
def reference_table(small_spec, tmp_path_factory) -> pd.DataFrame:
    """The small grid run in this process (the local executor's default)."""
    out = tmp_path_factory.mktemp("reference")
    report = run_sweep(small_spec, out, "local", progress=False)
    assert report.ok and report.ran == 4
    return collect(out)[1]
