"""``--method activation-homotopy``: ReLU cells only, its stages, and a tiny real cell certified on ReLU."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from depthlab.capacity.cli import app

runner = CliRunner()


def test_activation_homotopy_stages_and_relu_only() -> None:
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.fitting import fit_config
    from depthlab.errors import ConfigError

    cell = CellConfig(depth=2, width=4, activation="relu", method="activation-homotopy")
    assert fit_config(cell).stages == ("activation-homotopy", "lm")
    assert cell.init_key == CellConfig(depth=2, width=4, activation="relu").key  # paired with lm starts
    with pytest.raises(ConfigError, match="needs activation 'relu'"):
        CellConfig(depth=2, width=4, activation="tanh", method="activation-homotopy")


def test_cli_refuses_activation_homotopy_for_tanh() -> None:
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "4", "--instances", "2", "--restarts", "1",
                            "--points-min", "2", "--points-max", "3", "--method", "activation-homotopy",
                            "--device", "cpu"])
    assert r.exit_code == 2, r.output
    assert "needs activation 'relu'" in r.output


def test_relu_point_certified_on_relu() -> None:
    """ReLU d = 4, L = 2, N = 3 ≤ d: every data set is fitted, rows name the method, residual ≤ tol = 1e-10."""
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.success import run_point

    rows = run_point(CellConfig(depth=2, width=4, activation="relu", trials=3, restarts=1,
                                method="activation-homotopy"), 3)
    assert (rows["fit_method"] == "activation-homotopy").all()
    assert rows["success"].all() and np.all(rows["residual"] <= 1e-10)
