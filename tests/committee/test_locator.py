"""The bisection transition locator: finds a known threshold, resumes without recomputing, real cells run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from depthlab.committee import locator
from depthlab.committee.experiment import SweepConfig
from depthlab.committee.locator import LocateSettings, locate, run_preset
from depthlab.errors import ConfigError


def _fake_cell(threshold: dict[int, float], calls: list[float]):
    """A cell whose every instance succeeds iff α < threshold[K] (a perfectly sharp transition)."""

    def run_cell(cell, device, chunk=256):
        calls.append(cell["alpha"])
        n = cell["instances"]
        return pd.DataFrame({"instance": np.arange(n), "solved": [cell["alpha"] < threshold[cell["K"]]] * n,
                             "restarts_solved": 0, "errors_min": 0, "steps": np.nan,
                             "activation": cell["activation"], "weights": cell["weights"], "K": cell["K"],
                             "N": cell["N"], "alpha": cell["alpha"], "P": cell["P"],
                             "algorithm": cell["algorithm"], "seconds": 0.0})

    return run_cell


def test_bisection_finds_a_known_threshold_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    thr = {1: 2.37, 3: 5.2}  # K = 3's crossing lies above the initial bracket: the locator must widen it
    calls: list[float] = []
    monkeypatch.setattr(locator, "run_cell", _fake_cell(thr, calls))
    cfg = SweepConfig(activation="sign", Ks=(1, 3), Ns=(30, 60), instances=4)
    st = LocateSettings(lo=1.0, hi=3.0, bisections=8, resolution=0.01, halfwidth=0.2)
    df = locate(cfg, st, tmp_path)
    for (K, N), g in df.groupby(["K", "N"]):
        ok = g.groupby("alpha")["solved"].mean()
        below, above = ok[ok >= 0.5].index.max(), ok[ok < 0.5].index.min()
        assert below < thr[K] <= above and above - below <= 2 * st.resolution + 1e-9, (K, N, below, above)
    n_calls = len(calls)
    assert n_calls < 4 * 12  # far fewer cells than a 0.01-resolution grid (hundreds)
    again = locate(cfg, st, tmp_path)  # resume: every cell comes from its shard
    assert len(calls) == n_calls
    pd.testing.assert_frame_equal(again.sort_values(["K", "N", "alpha", "instance"]).reset_index(drop=True),
                                  df.sort_values(["K", "N", "alpha", "instance"]).reset_index(drop=True))


def test_tiny_preset_runs_real_cells(tmp_path: Path):
    from depthlab.committee.analysis import transitions

    df = run_preset("tiny", tmp_path)
    t = transitions(df)
    assert set(t["K"]) == {1, 3} and (t["algorithm"] == "least-action").all()
    assert np.isfinite(t["alpha50"]).all() and t["bracketed"].all()
    assert (tmp_path / "sign-least-action" / "shards").is_dir()


def test_bad_settings():
    with pytest.raises(ConfigError, match="preset"):
        run_preset("huge", "/nonexistent")
    with pytest.raises(ConfigError):
        LocateSettings(lo=2.0, hi=1.0)
