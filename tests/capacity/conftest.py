"""Shared fixtures: a fake fitter that makes the resume and CLI logic testable in milliseconds."""

from __future__ import annotations

import numpy as np
import pytest

import depthlab.capacity.success as success


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path, monkeypatch) -> None:
    """`capacity run` keeps its shards in results/capacity-run by default: never in the repository (a fake
    fitter's shards there would be reused by a real run)."""
    monkeypatch.chdir(tmp_path)


class FakeFitter:
    """Deterministic stand-in for the engine: data set t fits at N iff N < 10 + (t mod 4) (any restart).

    It records every (cell, N) it is asked to fit, so tests can check that nothing is recomputed.
    """

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail_after = fail_after

    def __call__(self, cell, n, x, y, device="cpu", trials=None):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        self.calls.append((cell.key, int(n)))
        t = (np.arange(x.shape[0]) if trials is None else np.asarray(trials))[:, None]
        ok = n < 10 + (t % 4) + np.zeros((1, cell.restarts))
        return np.where(ok, 1e-12, 0.5)

    def with_params(self, cell, n, x, y, device="cpu", trials=None):
        """The certificate path's fitter: the same residuals, zero weights (fake certificates, never verified)."""
        from depthlab.capacity.certificates import expected_layout

        res = self(cell, n, x, y, device, trials)
        layout = expected_layout(cell.depth, cell.width, cell.bias)
        p = sum(int(np.prod(s)) for _, s in layout)
        return res, np.zeros((*res.shape, p)), layout


@pytest.fixture
def fake_fitter(monkeypatch):
    def make(fail_after: int | None = None) -> FakeFitter:
        fake = FakeFitter(fail_after)
        monkeypatch.setattr(success, "fit_cell_point", fake)
        monkeypatch.setattr(success, "fit_cell_point_params", fake.with_params)
        return fake

    return make


@pytest.fixture
def tampered_copy(tmp_path):
    """``tampered_copy(run, delta)``: a copy of run folder ``run`` whose first certificate has ``theta[0, 1]``
    moved by ``delta``; returns ``(copy, that certificate's path, its arrays)``."""
    import shutil

    from depthlab.capacity.certificates import certificate_files

    def make(run, delta: float):
        out = tmp_path / "tampered"
        shutil.copytree(run, out)
        f = certificate_files(out)[0]
        with np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["theta"][0, 1] += delta
        np.savez_compressed(f, **arrays)
        return out, f, arrays

    return make
