"""Beyond the paper: the depth-L Levenberg–Marquardt solver."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from depthlab.errors import InputError
from depthlab.matexp import DepthTableConfig, depth_table, fit_depth, forward_torch, summarize
from depthlab.matexp.depth import _jacobian, random_equations
from depthlab.results import ShardStore


def test_jacobian_matches_finite_differences() -> None:
    """Holomorphic Jacobian vs central differences in a complex direction (error O(h²) ≈ 1e-10)."""
    torch.manual_seed(0)
    m, n, d, depth = 2, 2, 3, 3
    x = torch.randn(m, n, d, d, dtype=torch.complex128) / d
    w = torch.randn(m, depth, d, d, dtype=torch.complex128) * 0.5 / d
    f, jac = _jacobian(x, w)
    torch.testing.assert_close(f, forward_torch(x, w))
    dirn = torch.randn(m, depth, d, d, dtype=torch.complex128)
    h = 1e-5
    fd = (forward_torch(x, w + h * dirn) - forward_torch(x, w - h * dirn)) / (2 * h)
    lin = (jac @ dirn.reshape(m, -1, 1)).reshape(m, n, d, d)
    rel = torch.linalg.vector_norm(fd - lin) / torch.linalg.vector_norm(lin)
    assert rel < 1e-8


def test_one_layer_solves_one_equation_not_two() -> None:
    x, y = random_equations(3, 1, 2, seed=0)
    assert bool(fit_depth(x, y, 1, restarts=2, max_iter=50).solved.all())
    x, y = random_equations(3, 2, 2, seed=0)
    res = fit_depth(x, y, 1, restarts=4, max_iter=100)
    assert not bool(res.solved.any())
    assert float(res.max_residual.min()) > 1e-3  # far from an exact fit, as for the one-layer LS baseline


def test_depth_two_solves_two_equations() -> None:
    x, y = random_equations(2, 2, 2, seed=1)
    res = fit_depth(x, y, 2, restarts=8, max_iter=200)
    assert bool(res.solved.all())
    w, r = res.best()
    assert float(r.max()) <= 1e-10
    # the residual is a genuine forward evaluation of the returned weights
    f = forward_torch(x, w)
    rel = torch.linalg.matrix_norm(f - y) / torch.linalg.matrix_norm(y)
    assert float(rel.max()) <= 1e-10


def test_depth_table_resumes(tmp_path) -> None:
    cfg = DepthTableConfig(depths=(1, 2), dims=(2,), instances=2, restarts=4, max_iter=100, n_cap=3)
    store = ShardStore(tmp_path)
    first = depth_table(cfg, store, progress=False)
    keys = store.keys()
    mtimes = {k: store.path(k).stat().st_mtime_ns for k in keys}
    second = depth_table(cfg, store, progress=False)
    assert store.keys() == keys
    assert {k: store.path(k).stat().st_mtime_ns for k in keys} == mtimes  # nothing recomputed
    pd.testing.assert_frame_equal(first, second)
    s = summarize(first)
    assert set(s.columns) >= {"depth", "d", "n_max", "count_bound"}
    assert s.set_index("depth").loc[1, "n_max"] == 1


def test_bad_config() -> None:
    with pytest.raises(InputError, match="depth"):
        DepthTableConfig(depths=(0,))
    with pytest.raises(InputError, match="restarts"):
        DepthTableConfig(restarts=0)
