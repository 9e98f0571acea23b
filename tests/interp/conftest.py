"""Shared fixture of the interp tests: the study's experiment at a tiny scale (seconds), run once per session."""

from __future__ import annotations

import pytest
import torch

from depthlab.interp import experiment
from depthlab.report.types import StudyContext

TINY = {"grid": [(10, 1), (30, 2)], "big": [(60, 3)], "max_peeling": 30, "depth_sizes": [100, 400],
        "build_up_to": 400, "adv_sizes": (10,), "trained_depths": [1, 2], "width": 8, "models": 1, "steps": 40,
        "digits_points": 120, "cluster_points": 60}


@pytest.fixture(scope="session")
def tiny_scale() -> dict:
    """The tiny scale (:data:`TINY`)."""
    return dict(TINY)


@pytest.fixture(scope="session")
def tiny_result(tmp_path_factory):
    """``experiment.run`` with :data:`TINY` as its quick scale."""
    mp = pytest.MonkeyPatch()
    mp.setitem(experiment.SCALES, "quick", TINY)
    try:
        yield experiment.run(StudyContext(out_dir=tmp_path_factory.mktemp("interp"), scale="quick", seed=0,
                                          device=torch.device("cpu")))
    finally:
        mp.undo()
