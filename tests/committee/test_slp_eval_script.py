"""benchmarks/committee_slp_eval.py: pools run folders per method and fits α_50 per N and α_∞."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from depthlab.cli import app


def test_summarise_two_sizes(tmp_path: Path, benchmark_script) -> None:
    runner = CliRunner()
    for N in (16, 32):
        res = runner.invoke(app, ["committee", "run", "--algorithm", "slp", "--K", "4", "--N", str(N),
                                  "--alpha-min", "0.5", "--alpha-max", "3.5", "--alpha-step", "1.5",
                                  "--instances", "3", "--out", str(tmp_path / f"slp-k4-n{N}"), "--device", "cpu"])
        assert res.exit_code == 0, res.output
    (tmp_path / "notes").mkdir()                      # not a run folder: ignored
    s = benchmark_script("committee_slp_eval").summarise(tmp_path)
    assert set(s) == {"slp"}
    cells = s["slp"]["cells"]
    assert len(cells) == 6 and sum(c["instances"] for c in cells) == 18
    low = [c for c in cells if c["alpha"] == 0.5]
    high = [c for c in cells if c["alpha"] == 3.5]
    assert all(0 <= c["solved"] <= c["instances"] == 3 for c in cells)
    assert sum(c["solved"] for c in low) > sum(c["solved"] for c in high)   # P = N/2 against P = 3.5 N
    assert {t["N"] for t in s["slp"]["transitions"]} == {16, 32}
    assert len(s["slp"]["extrapolated"]) == 1 and s["slp"]["extrapolated"][0]["sizes"] == 2
