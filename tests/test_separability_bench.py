"""benchmarks/separability.py runs end to end at toy size and both sides agree."""

from __future__ import annotations

import json


def test_tiny_run_agrees(benchmark_script, capsys, tmp_path) -> None:
    mod = benchmark_script("separability")
    mod.main(["--trials", "40", "--cases", "6:3,11:3", "--repeats", "1", "--out", str(tmp_path / "s.json")])
    got = json.loads(capsys.readouterr().out)
    assert [c["n_points"] for c in got["cases"]] == [6, 11] and all(c["agree"] for c in got["cases"])
    assert got["cases"][0]["feasible"] > got["cases"][1]["feasible"]  # P_W(6, 3) = 0.5 > P_W(11, 3) = 0.055
    assert json.loads((tmp_path / "s.json").read_text())["benchmark"] == "separability"
