"""``--method varpro``: its stages, paired starts, and a tiny real cell through the CLI."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from depthlab.capacity.cli import app

runner = CliRunner()


def test_varpro_stages_and_paired_starts() -> None:
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.fitting import fit_config

    cell = CellConfig(depth=2, width=4, activation="tanh", method="varpro")
    assert fit_config(cell).stages == ("varpro", "lm")
    assert cell.init_key == CellConfig(depth=2, width=4, activation="tanh").key  # paired with lm starts


def test_cli_runs_varpro(tmp_path) -> None:
    """tanh d = 3, L = 2, N = 2..4 (< the bound 6): a JSON summary naming the method, every N fitted."""
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "3", "--instances", "2", "--restarts", "1",
                            "--points-min", "2", "--points-max", "4", "--step", "1", "--method", "varpro",
                            "--device", "cpu", "-o", str(tmp_path / "vp"), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["config"]["method"] == "varpro"
    assert np.all([c["fitted"] >= 1 for c in res["curve"]])
