"""The study's experiment at a tiny scale (every declaration evaluated, every figure drawn), the CLI figure
command, the sweepable's trial, and training through the shared engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from depthlab.activations import RELU
from depthlab.interp import claims, experiment
from depthlab.interp.datasets import clusters
from depthlab.interp.figures import FIGURES
from depthlab.interp.theory.network import relu
from depthlab.plotting import save_figure
from depthlab.report.claims import Verdict, declarations, evaluate
from depthlab.report.types import figure_specs


def test_study_runs_at_tiny_scale(tiny_result, tmp_path) -> None:
    rows = {row.key: row for group in declarations(claims, "quick") for row in evaluate("interp", group, tiny_result)}
    assert len(rows) == 20
    assert all(r.verdict not in (Verdict.ERROR, Verdict.NOT_TESTED, Verdict.NOT_RUN) for r in rows.values())
    # the neuron advantage holds at every built N; what can fail at larger N is float64 exactness on a line
    assert not [f for f in rows["depth-advantage"].failed if "neurons" in f or "error" in f]
    assert rows["digits-classified"].verdict == Verdict.HOLDS
    for key in ("residual-below-rounding-bound", "neurons-equal-formula", "sparse-by-construction"):
        assert rows[key].verdict == Verdict.PASSES, rows[key]
    tables = tiny_result.tables
    assert {"constructions", "depth", "adversarial", "sparsity", "digits_classifier", "matrix_panels",
            "trained_layers", "trained_summary"} <= set(tables)
    built = tables["depth"].dropna(subset=["neurons_built"])
    assert sorted(set(built["depth"])) == [1, 2, 3, 4, 5]  # the built depth family, not only formulas
    assert (built[built.task == "classification"]["accuracy"] == 1.0).all()
    assert set(tables["constructions"]["part"]) == {"grid", "large", "multi-output"}
    for spec in figure_specs(FIGURES, tiny_result):
        assert save_figure(spec.draw(tiny_result), tmp_path / spec.path).stat().st_size > 1000


def test_construction_trial_is_the_sweep_row() -> None:
    sweep = experiment.construction_sweep([(40, 3)], seed=5, names=("two-sided", "classifier"))
    alone = pd.DataFrame([experiment.construction_trial(name, 40, 3, seed=5) for name in sweep["construction"]])
    pd.testing.assert_frame_equal(alone.drop(columns="seconds"), sweep.drop(columns="seconds"))


def test_figure_command(monkeypatch, tmp_path, tiny_scale) -> None:
    from depthlab.interp.cli import app

    monkeypatch.setitem(experiment.SCALES, "quick", tiny_scale)
    r = CliRunner().invoke(app, ["figure", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interp_depth.png", "interp_matrices.png",
                                                          "interp_residuals.png"]


def test_numpy_relu_is_the_shared_activation() -> None:
    # finite inputs (RELU.numpy_fn evaluates 0·x on both branches, so ±inf gives nan there; np.maximum does not)
    z = np.array([-2.0, -1e-300, -0.0, 0.0, 1e-300, 3.5, 1e300])
    np.testing.assert_array_equal(relu(z), RELU.numpy_fn(z))
    np.testing.assert_array_equal(relu(z), RELU.torch_fn(torch.as_tensor(z)).numpy())


def test_training_through_engine_gives_relunet() -> None:
    from depthlab.interp.training import train_classifiers, trained_table

    X, y = clusters(80, 3, 3, np.random.default_rng(0))
    nets = train_classifiers(X, y, depths=[1, 3], width=16, seed=0, models=2, steps=200, device="cpu")
    assert [t.depth for t in nets] == [1, 1, 3, 3]
    assert nets[2].net.widths == [16, 16, 16]
    Y = np.eye(3)[y]
    for t in nets:  # the converted ReluNet reproduces the engine's float64 residual ‖F(X) − Y‖_F / ‖Y‖_F
        rel = np.linalg.norm(t.net(X) - Y) / np.linalg.norm(Y)
        assert abs(rel - t.rel_residual) <= 1e-6 * max(1.0, t.rel_residual)
    assert max(t.accuracy for t in nets) > 0.5  # well above chance (1/3) after 200 Adam steps
    table = trained_table(nets, X, y, "clusters")
    assert len(table) == 2 * 1 + 2 * 3
    assert table["zero_fraction"].between(0, 1).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_analysis_cuda_matches_cpu() -> None:
    from depthlab.interp.layer_analysis import analyse
    from depthlab.interp.theory.deep_classifier import classifier

    X, y = clusters(200, 4, 4, np.random.default_rng(1))
    con = classifier(X, y, rng=np.random.default_rng(2))
    a, b = analyse(con.net, X, y, device="cpu"), analyse(con.net, X, y, device="cuda")
    for col in ("zero_fraction", "max_nnz_row", "rank", "nested", "disjoint"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-12)
