"""Atomic writes, manifests and the resumable shard store."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from depthlab.results import ShardStore, atomic_write_text, recorded_run, write_parquet


def test_atomic_write_leaves_no_temp_files(tmp_path) -> None:
    p = atomic_write_text(tmp_path / "a" / "b.txt", "hello")
    assert p.read_text() == "hello"
    atomic_write_text(p, "again")
    assert p.read_text() == "again"
    assert os.listdir(p.parent) == ["b.txt"]


def test_write_parquet_complex_columns(tmp_path) -> None:
    df = pd.DataFrame({"lam": [1 + 2j, 3.5 + 0j], "x": [1, 2]})
    back = pd.read_parquet(write_parquet(df, tmp_path / "t.parquet"))
    np.testing.assert_array_equal(back["lam_re"], [1.0, 3.5])
    np.testing.assert_array_equal(back["lam_im"], [2.0, 0.0])


def test_recorded_run_manifest(tmp_path) -> None:
    with recorded_run(tmp_path, config={"a": 1}, seed=7) as run:
        run.write_table("t", pd.DataFrame({"x": [1]}))
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["status"] == "finished" and man["seed"] == 7 and man["config"] == {"a": 1}
    assert man["tables"] == {"t": "t.parquet"} and "torch" in man["versions"]
    with pytest.raises(ValueError), recorded_run(tmp_path / "f", config={}, seed=0):
        raise ValueError("boom")
    man = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert man["status"] == "failed" and "boom" in man["error"]


def test_shard_store_collect_no_duplicates(tmp_path) -> None:
    store = ShardStore(tmp_path)
    for k in ("b", "a"):
        store.write(k, pd.DataFrame({"v": [k]}), {"key": k})
    store.write("a", pd.DataFrame({"v": ["a"]}), {"key": "a"})  # rewriting a unit replaces it
    assert store.has("a") and not store.has("c")
    assert store.keys() == ["a", "b"]
    assert store.collect()["v"].tolist() == ["a", "b"]
