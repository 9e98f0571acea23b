"""Curves and grids: resume after interruption (nothing recomputed, no duplicates), data seeding, errors."""

from __future__ import annotations

import pytest
import torch

from depthlab.capacity.config import CellConfig
from depthlab.capacity.grid import GridSpec, run_grid
from depthlab.capacity.success import (
    curve_result,
    make_data,
    open_store,
    point_summary,
    run_curve,
)
from depthlab.errors import ConfigError

CELL = CellConfig(depth=2, width=8, activation="tanh", trials=8, restarts=2)


def test_fake_curve_crossing(fake_fitter, tmp_path) -> None:
    fake_fitter()
    rows = run_curve(CELL, open_store(tmp_path), n_min=8, n_max=16, step=1)
    s = point_summary(rows)
    # data set t fits iff N < 10 + t mod 4: P = 1, 1, .75, .5, .25, 0, 0 for N = 8..14; ramp stops after 2
    # zeros
    assert s["p"].tolist() == [1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    res = curve_result(CELL, rows)
    assert 10.5 < res["n_star"] < 11.5
    assert res["n_star_low"] <= res["n_star"] <= res["n_star_high"]


def test_resume_after_interruption(fake_fitter, tmp_path) -> None:
    store = open_store(tmp_path)
    first = fake_fitter(fail_after=3)
    with pytest.raises(KeyboardInterrupt):
        run_curve(CELL, store, n_min=8, n_max=16, step=1)
    done = {n for _, n in first.calls}
    assert done == {8, 9, 10} and len(store.keys()) == 3
    second = fake_fitter()
    rows = run_curve(CELL, store, n_min=8, n_max=16, step=1)
    recomputed = {n for _, n in second.calls}
    assert recomputed.isdisjoint(done), "finished shards must not be recomputed"
    assert recomputed == {11, 12, 13, 14}
    table = store.collect()
    assert not table.duplicated(["n_points", "trial", "restart"]).any()
    assert len(table) == len(rows) == 7 * CELL.trials * CELL.restarts
    third = fake_fitter()
    run_curve(CELL, store, n_min=8, n_max=16, step=1)
    assert third.calls == []


def test_grid_resume(fake_fitter, tmp_path) -> None:
    spec = GridSpec(
        widths=(8,),
        depths=(1, 2),
        activations=("relu", "tanh"),
        biases=(False,),
        trials=4,
        restarts=1,
        n_ranges={(1, 8): (8, 14, 1), (2, 8): (8, 14, 2)},
    )
    fake_fitter(fail_after=5)
    with pytest.raises(KeyboardInterrupt):
        run_grid(spec, tmp_path, figures=False)
    n_shards = len(open_store(tmp_path).keys())
    assert n_shards == 5
    fake = fake_fitter()
    res = run_grid(spec, tmp_path, figures=True)
    assert res.reused == 5 and res.computed == len(fake.calls) > 0
    assert len(res.cells) == 3  # L=1 once (activation-free), L=2 relu and tanh
    assert not res.points.duplicated(["shard", "trial", "restart"]).any()
    assert (tmp_path / "cells.parquet").exists() and (tmp_path / "success_curves_d8.png").exists()
    again = fake_fitter()
    res2 = run_grid(spec, tmp_path, figures=False)
    assert again.calls == [] and res2.computed == 0
    assert res2.cells["n_star"].tolist() == res.cells["n_star"].tolist()


def test_data_shared_across_architectures_and_packing() -> None:
    x1, y1 = make_data(8, 12, range(4), seed=3)
    x2, y2 = make_data(8, 12, [2, 3], seed=3)
    assert torch.equal(x1[2:], x2) and torch.equal(y1[2:], y2)
    assert x1.dtype == torch.float64 and x1.shape == (4, 12, 8)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"depth": 0, "width": 8},
        {"depth": 2, "width": 0},
        {"depth": 2, "width": 8, "activation": "sign"},
        {"depth": 2, "width": 8, "trials": 0},
    ],
)
def test_bad_cells(kwargs) -> None:
    with pytest.raises(ConfigError):
        CellConfig(**kwargs)


def test_bad_n(tmp_path) -> None:
    with pytest.raises(ConfigError, match="number of points N"):
        run_curve(CELL, open_store(tmp_path), n_min=0)
    with pytest.raises(ConfigError, match="n_max"):
        run_curve(CELL, open_store(tmp_path), n_min=9, n_max=5)
