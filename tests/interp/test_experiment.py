"""The reproduce study at a tiny scale (all claim rows, figures written) and training through the shared engine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.interp import study as study_mod
from depthlab.interp.data import clusters
from depthlab.report.types import StudyContext, Verdict

TINY = {"grid": [(10, 1), (30, 2)], "big": [(60, 3)], "max_peeling": 30, "depth_sizes": [100, 400],
        "build_up_to": 400, "adv_sizes": (10,), "trained_depths": [1, 2], "width": 8, "models": 1, "steps": 40,
        "digits_points": 120, "cluster_points": 60}


def test_study_runs_at_tiny_scale(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(study_mod.SCALES, "quick", TINY)
    out = study_mod.STUDY.run(StudyContext(out_dir=tmp_path, scale="quick", seed=0, device=torch.device("cpu")))
    claims = {c.claim: c for c in out.claims}
    assert len(claims) >= 14
    assert all(c.verdict != Verdict.ERROR for c in out.claims)
    adv = next(c for k, c in claims.items() if k.startswith("advantage of deep layers"))
    assert adv.verdict == Verdict.HOLDS
    cls = next(c for k, c in claims.items() if k.startswith("general deep solution"))
    assert cls.verdict == Verdict.HOLDS
    for f in out.figures:
        assert (tmp_path / f.path).stat().st_size > 1000
    assert {"constructions", "depth", "adversarial", "trained_layers"} <= set(out.tables)
    depth = out.tables["depth"]
    built = depth.dropna(subset=["neurons_built"])
    assert sorted(set(built["depth"])) == [1, 2, 3, 4, 5]  # the built depth family, not only formulas
    assert (built["neurons_built"] == built["stated_neurons"]).all()
    assert (built[built.task == "classification"]["accuracy"] == 1.0).all()
    cons = out.tables["constructions"]
    assert (cons["residual"] <= cons["rounding_bound"]).all()


def test_training_through_engine_gives_relunet() -> None:
    pytest.importorskip("depthlab.engine")
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
    from depthlab.interp.analysis import analyse
    from depthlab.interp.deep import classifier

    X, y = clusters(200, 4, 4, np.random.default_rng(1))
    con = classifier(X, y, rng=np.random.default_rng(2))
    a, b = analyse(con.net, X, y, device="cpu"), analyse(con.net, X, y, device="cuda")
    for col in ("zero_fraction", "max_nnz_row", "rank", "nested", "disjoint"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-12)
