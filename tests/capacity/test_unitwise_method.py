"""``--method unitwise``: L = 2 tanh/ReLU cells only, its single stage, certificates a user can verify,
and the ReLU decision agreeing with the optimiser on shared data sets."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from depthlab.capacity.cli import app

runner = CliRunner()


def test_unitwise_stage_and_cell_checks() -> None:
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.fitting import fit_config
    from depthlab.errors import ConfigError

    cell = CellConfig(depth=2, width=4, activation="tanh", method="unitwise")
    assert fit_config(cell).stages == ("unitwise",)
    assert cell.init_key == CellConfig(depth=2, width=4, activation="tanh").key  # same data and starts as lm
    assert CellConfig(depth=2, width=4, activation="relu", bias=True, method="unitwise").bias
    assert CellConfig(depth=2, width=4, activation="sigmoid", bias=True, method="unitwise").bias
    for bad in ({"depth": 3}, {"activation": "linear"}):
        with pytest.raises(ConfigError, match="'unitwise' builds two-layer networks with"):
            CellConfig(**{"depth": 2, "width": 4, "activation": "tanh", "method": "unitwise", **bad})
    with pytest.raises(ConfigError, match="'unitwise' builds sigmoid networks with biases only"):
        CellConfig(depth=2, width=4, activation="sigmoid", method="unitwise")


@pytest.mark.parametrize(("args", "phrase"), [(["-L", "3"], "'unitwise' builds two-layer networks"),
                                               (["-a", "sigmoid"], "'unitwise' builds sigmoid networks with biases")])
def test_cli_refuses_unitwise_outside_its_family(args, phrase) -> None:
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "3", "--instances", "2", "--restarts", "1",
                            "--points-min", "2", "--points-max", "3", "--method", "unitwise", "--device", "cpu",
                            *args])
    assert r.exit_code == 2, r.output
    assert phrase in " ".join(r.output.split())


def test_sigmoid_with_biases_is_built_and_verifies(tmp_path) -> None:
    """sigmoid d = 3 with biases, through tanh(z) = 2σ(2z) − 1: every data set up to N = 2d = 6 is built (the
    sigmoid net's own relative residual ≤ 1e-8), none at N = 9 > 2d + 2, the bound; the stored weights pass
    `capacity verify` (independent float64 + mpmath forward pass of the sigmoid net)."""
    out = tmp_path / "uw-sig"
    r = runner.invoke(app, ["run", "-a", "sigmoid", "--bias", "-L", "2", "-d", "3", "--instances", "4",
                            "--restarts", "1", "--points-min", "4", "--points-max", "9", "--method", "unitwise",
                            "--device", "cpu", "--out", str(out)])
    assert r.exit_code == 0, r.output
    import pandas as pd

    rows = pd.concat([pd.read_parquet(p) for p in (out / "shards").glob("*.parquet")])
    assert (rows["fit_method"] == "unitwise").all() and (rows["activation"] == "sigmoid").all()
    assert rows.loc[rows["n_points"] <= 6, "success"].all()
    assert np.all(rows.loc[rows["n_points"] <= 6, "residual"] <= 1e-8)
    assert not rows.loc[rows["n_points"] == 9, "success"].any()
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 0, v.output
    assert "all verify" in v.output


def test_unitwise_points_are_certified_and_verify(tmp_path) -> None:
    """tanh d = 3: every data set up to N = 2d − 1 = 5 is built (relative residual ≤ 1e-8, the protocol's tol),
    none at N = 7 > 2d; the stored weights pass `capacity verify` (independent float64 + mpmath forward pass)."""
    out = tmp_path / "uw"
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "3", "--instances", "4", "--restarts", "1",
                            "--points-min", "3", "--points-max", "7", "--method", "unitwise", "--device", "cpu",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    import pandas as pd

    rows = pd.concat([pd.read_parquet(p) for p in (out / "shards").glob("*.parquet")])
    assert (rows["fit_method"] == "unitwise").all()
    assert rows.loc[rows["n_points"] <= 5, "success"].all()
    assert np.all(rows.loc[rows["n_points"] <= 5, "residual"] <= 1e-8)
    assert not rows.loc[rows["n_points"] == 7, "success"].any()
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 0, v.output
    assert "all verify" in v.output


def test_relu_decision_never_contradicts_the_optimiser() -> None:
    """ReLU d = 3, L = 2: on the same data sets, every data set the engine's default ReLU stages fit (float64
    certificate) is also fitted by the exact decision; a data set fitted by LM but decided unfittable would be a
    wrong decision."""
    from depthlab.capacity.config import CellConfig
    from depthlab.capacity.success import run_point

    for n in (4, 5):
        lm = run_point(CellConfig(depth=2, width=3, activation="relu", trials=8, restarts=2), n)
        uw = run_point(CellConfig(depth=2, width=3, activation="relu", trials=8, restarts=1, method="unitwise"), n)
        lm_fit = lm.groupby("trial")["success"].any()
        uw_fit = uw.groupby("trial")["success"].any()
        assert not (lm_fit & ~uw_fit).any(), (n, lm_fit.tolist(), uw_fit.tolist())
