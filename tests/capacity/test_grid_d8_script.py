"""benchmarks/capacity_grid_d8.py: the depth-ratio grid driver runs resumable sweeps and summarises them."""

from __future__ import annotations

from pathlib import Path

import pytest

PLAN = {"width": 3, "seed": 0, "trials": 2, "restarts": 1, "lm_steps": 0, "lm_patience": 0,
        "methods": {"linear": ["lm"], "tanh": ["lm", "varpro"]},
        "windows": {"2/tanh/off": [3, 4], "1/linear/off": [2, 3, 4, 5]}}


def test_cells_run_depth_first(benchmark_script) -> None:
    mod = benchmark_script("capacity_grid_d8")
    assert [(c[0], c[3]) for c in mod.cells(PLAN)] == [(1, "lm"), (2, "lm"), (2, "varpro")]


def test_run_then_summarise(tmp_path: Path, benchmark_script) -> None:
    mod = benchmark_script("capacity_grid_d8")
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


def test_depth_ratio_rows_from_saved_best(benchmark_script) -> None:
    """The ratios come from the best rows alone (a saved summary), for every L > 1, with the CI-ends rule."""
    import pandas as pd

    mod = benchmark_script("capacity_grid_d8")
    row = {"activation": "tanh", "bias": False, "method": "lm", "n_star_attempt": 1.0}
    best = pd.DataFrame([
        {**row, "depth": 1, "activation": "linear", "n_star": 8.5, "n_star_low": 8.0, "n_star_high": 9.0,
         "bound": 8.0, "n_star_attempt": 8.5},
        {**row, "depth": 2, "n_star": 12.0, "n_star_low": 11.0, "n_star_high": 13.0, "bound": 16.0},
        {**row, "depth": 4, "n_star": 21.0, "n_star_low": 20.0, "n_star_high": 22.0, "bound": 32.0},
    ])
    rows = {r["depth"]: r for r in mod.depth_ratio_rows(best)}
    assert sorted(rows) == [2, 4]
    assert rows[4]["ratio"] == pytest.approx(21.0 / 8.5)
    assert rows[4]["ratio_low"] == pytest.approx(20.0 / 9.0)
    assert rows[4]["ratio_high"] == pytest.approx(22.0 / 8.0)
    assert rows[4]["bound_ratio"] == pytest.approx(4.0)
    assert "N\\*(4)/N\\*(1)" in mod.markdown({"cells": [], "best": [], "ratios": list(rows.values())})


def test_best_rows_keep_the_best_methods_whole_row(benchmark_script) -> None:
    import pandas as pd

    mod = benchmark_script("capacity_grid_d8")
    df = pd.DataFrame([
        {"depth": 2, "activation": "tanh", "bias": False, "method": "lm", "n_star": 12.0, "censored": None},
        {"depth": 2, "activation": "tanh", "bias": False, "method": "varpro", "n_star": 10.0, "censored": "below"},
    ])
    (row,) = mod.best_rows(df).to_dict("records")
    assert row["method"] == "lm" and pd.isna(row["censored"])
