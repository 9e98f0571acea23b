"""benchmarks/probe_reduced_l3.py runs end to end at toy size; at N = d every variant must fit."""

from __future__ import annotations

import json


def test_tiny_probe(benchmark_script, capsys, tmp_path) -> None:
    mod = benchmark_script("probe_reduced_l3")
    mod.main(["--width", "3", "--points", "3,5", "--trials", "3", "--starts", "1", "--iters", "30",
              "--out", str(tmp_path / "p.json")])
    got = json.loads(capsys.readouterr().out)
    rows = got["rows"]
    assert [(r["variant"], r["n_points"]) for r in rows] == [(v, n) for v in mod.VARIANTS for n in (3, 5)]
    for r in rows:
        assert 0 <= r["fitted_data_sets"] <= r["data_sets"] == 3
    # N = d: col(Y)^⊥ is empty and any H of full rank gives W3 = H⁻¹Y exactly (residual at rounding level)
    assert all(r["fitted_data_sets"] == 3 for r in rows if r["n_points"] == 3)
    assert json.loads((tmp_path / "p.json").read_text())["benchmark"] == "probe_reduced_l3"
