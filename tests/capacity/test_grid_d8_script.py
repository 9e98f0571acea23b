"""benchmarks/capacity_grid_d8.py: the depth-ratio grid driver runs resumable sweeps and summarises them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "capacity_grid_d8.py"


def _script():
    spec = importlib.util.spec_from_file_location("capacity_grid_d8", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


PLAN = {"width": 3, "seed": 0, "trials": 2, "restarts": 1, "lm_steps": 0, "lm_patience": 0,
        "methods": {"linear": ["lm"], "tanh": ["lm", "varpro"]},
        "windows": {"2/tanh/off": [3, 4], "1/linear/off": [2, 3, 4, 5]}}


def test_cells_run_depth_first() -> None:
    mod = _script()
    assert [(c[0], c[3]) for c in mod.cells(PLAN)] == [(1, "lm"), (2, "lm"), (2, "varpro")]


def test_run_then_summarise(tmp_path: Path) -> None:
    mod = _script()
    mod.run(PLAN, tmp_path)
    res = mod.summarise(PLAN, tmp_path)
    lin = next(c for c in res["cells"] if c["depth"] == 1)
    # a linear net fits exactly d = 3 generic points and never 4: the step rule puts N* at 3.5
    assert lin["n_star"] == pytest.approx(3.5)
    assert lin["curve"][3][0] == 2 and lin["curve"][4][0] == 0
    assert lin["bound"] == pytest.approx(3.0)
    (ratio,) = res["ratios"]
    best = max((c for c in res["cells"] if c["depth"] == 2), key=lambda c: c["n_star"])
    assert ratio["method"] == best["method"]
    assert ratio["ratio"] == pytest.approx(best["n_star"] / 3.5)
    assert ratio["ratio_low"] <= ratio["ratio"] <= ratio["ratio_high"]
    assert "| 1 | linear | off |" in mod.markdown(res)
    # resumable: a second run finds every shard and recomputes nothing
    mod.run(PLAN, tmp_path)
    assert mod.summarise(PLAN, tmp_path)["cells"] == res["cells"]
