"""``--method``: the fitting methods of a cell (lm, target-homotopy, points), their stages and their errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import depthlab
from depthlab.capacity.cli import app

runner = CliRunner()
SRC = str(Path(depthlab.__file__).resolve().parents[1])  # this checkout's src (tests run from a scratch cwd)


def test_cli_methods_are_the_configs() -> None:
    """The CLI checks --method without importing the config (torch); its list must be the config's."""
    from depthlab.capacity.cli_options import METHODS_CLI
    from depthlab.capacity.config import METHODS

    assert METHODS_CLI == METHODS


@pytest.mark.parametrize("command", [["run"], ["grid", "--out", "g"]])
def test_unknown_method_exits_2_before_torch(command) -> None:
    """An unknown method is a ConfigError (exit 2, message naming the choices) raised before torch is imported."""
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom depthlab.capacity.cli import app\n"
            f"r = CliRunner().invoke(app, {[*command, '--method', 'newton']!r})\n"
            "print('EXIT', r.exit_code); print(r.output)\nprint('TORCH', 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "COLUMNS": "300", "PYTHONPATH": SRC})
    assert "EXIT 2" in r.stdout, r.stdout + r.stderr
    assert "unknown --method 'newton'" in r.stdout and "target-homotopy" in r.stdout
    assert "TORCH False" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_method_selects_stages_and_keeps_lm_hashes() -> None:
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.fitting import fit_config
    from depthlab.errors import ConfigError

    base = CellConfig(depth=2, width=4)
    assert fit_config(base).stages == "auto"
    assert fit_config(CellConfig(depth=2, width=4, method="target-homotopy")).stages == ("target-homotopy", "lm")
    assert fit_config(CellConfig(depth=2, width=4, method="points")).stages == ("points", "lm")
    assert "method" not in base.as_dict()  # lm cells keep the keys (and shards) they had before methods existed
    assert CellConfig(depth=2, width=4, method="points").key != base.key
    assert CellConfig(depth=2, width=4, method="points").init_key == base.init_key == base.key  # paired starts
    with pytest.raises(ConfigError, match="fitting method"):
        CellConfig(depth=2, width=4, method="newton")


@pytest.mark.parametrize("method", ["lm", "target-homotopy", "points"])
def test_run_point_records_the_method(method) -> None:
    """A real (tiny) cell: tanh d = 4, L = 2, N = 3 ≤ d, so every method fits every data set; rows name it."""
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.success import POINT_COLUMNS, run_point

    rows = run_point(CellConfig(depth=2, width=4, trials=3, restarts=1, method=method), 3)
    assert tuple(rows.columns) == POINT_COLUMNS
    assert (rows["fit_method"] == method).all()
    assert rows["success"].all() and np.all(rows["residual"] <= 1e-8)


def test_run_json_reports_method(fake_fitter) -> None:
    fake_fitter()
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "8", "--instances", "4", "--restarts", "1",
                            "--points-min", "8", "--points-max", "12", "--method", "points", "--device", "cpu",
                            "--json"])
    assert r.exit_code == 0, r.output
    assert '"method": "points"' in r.output
