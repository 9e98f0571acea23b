"""Exact-fit certificates (depthlab.capacity.certificates) and ``depthlab capacity verify`` / ``--require-bound``.

Tolerances are the module's a-priori rounding bound B (Higham 2002, §3.1: γ_{d+1} per layer, σ to 8 ulps):
NumPy and stored residuals within 2B, mpmath within B of both. All runs write into pytest's tmp folders (the
conftest also moves the working directory there).
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import depthlab.capacity.success as success
from depthlab.capacity.certificates import (
    CERT_DIR,
    certificate_files,
    expected_layout,
    load_certificate,
    residual_mpmath,
    residual_numpy,
    verify_certificate,
)
from depthlab.capacity.cli import app
from depthlab.capacity.cli_verify import EXIT_NOT_VERIFIED, counting_bound
from depthlab.capacity.config import CellConfig
from depthlab.capacity.grid import GridSpec, run_grid
from depthlab.capacity.success import make_data, open_store, run_curve
from depthlab.capacity.theory import capacity_bound
from depthlab.engine.families import ACTIVATIONS
from depthlab.errors import ConfigError

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
#: Tiny real cells (engine fits, < 1 s each): smooth without biases, ReLU with biases.
CELLS = (CellConfig(depth=2, width=2, activation="tanh", trials=2, restarts=2),
         CellConfig(depth=2, width=2, activation="relu", bias=True, trials=2, restarts=2))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("certs")
    for cell in CELLS:
        run_curve(cell, open_store(out), n_min=1, n_max=4, step=1, device="cpu")
    return out


def _shard_fits(out: Path) -> pd.DataFrame:
    rows = open_store(out).collect()
    return rows[rows["success"]]


def test_every_exact_fit_is_certified_with_its_data(real_run) -> None:
    fits = _shard_fits(real_run)
    assert len(fits) > 0
    entries = []
    for f in certificate_files(real_run):
        c = load_certificate(f)
        rows = open_store(real_run).read(c.key)
        for i, (t, r) in enumerate(zip(c.trial, c.restart, strict=True)):
            row = rows[(rows["trial"] == t) & (rows["restart"] == r)].iloc[0]
            assert bool(row["success"]) and row["residual"] == c.residual[i]  # the shard's own number
            entries.append((c.key, int(t), int(r)))
        x, y = make_data(c.width, c.n_points, c.trial.tolist(), c.seed)  # the data the run fitted
        np.testing.assert_array_equal(c.x, x.numpy())
        np.testing.assert_array_equal(c.y, y.numpy())
    assert len(entries) == len(set(entries)) == len(fits)


def test_verify_passes_and_residuals_agree_within_the_bound(real_run) -> None:
    for f in certificate_files(real_run):
        c = load_certificate(f)
        rep = verify_certificate(c)
        assert rep.ok, rep.failures
        for i in range(c.theta.shape[0]):
            r, b = residual_numpy(c, i)
            mp = residual_mpmath(c, i)
            assert 0 < b < 1e-11  # B is a rounding-level bound, far below tol = 1e-8
            assert abs(r - c.residual[i]) <= 2 * b
            assert abs(mp - c.residual[i]) <= b and abs(mp - r) <= b
    r = runner.invoke(app, ["verify", str(real_run), "--json"])
    assert r.exit_code == 0, r.output
    assert '"ok": true' in r.output


def test_verify_names_fits_exact_in_mpmath_but_not_guaranteed_in_float64(real_run) -> None:
    c = load_certificate(certificate_files(real_run)[0])
    r, b = residual_numpy(c, 0)
    mp = residual_mpmath(c, 0)
    tol = max(r, mp) + b / 4  # above both residuals, below NumPy residual + B: only the bound fails
    rep = verify_certificate(c, tol=tol)
    mine = [f for f in rep.failures if f"(trial {c.trial[0]}, restart {c.restart[0]})" in f]
    assert not rep.ok and len(mine) == 1 and "exact arithmetic" in mine[0]
    rep = verify_certificate(c, tol=tol, mp_max_width=0)  # without mpmath nothing is claimed about it
    assert all("exact arithmetic" not in f for f in rep.failures)


def test_verify_finds_run_folders_below_a_path(real_run, tmp_path) -> None:
    for name in ("a", "b"):  # e.g. the reference and grid folders of a reproduce output
        shutil.copytree(real_run, tmp_path / "out" / name)
    r = runner.invoke(app, ["verify", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    assert f'"files": {2 * len(certificate_files(real_run))}' in r.output


def test_a_tampered_weight_is_caught(real_run, tampered_copy) -> None:
    out, _, arrays = tampered_copy(real_run, 1e-6)
    r = runner.invoke(app, ["verify", str(out)])
    assert r.exit_code == EXIT_NOT_VERIFIED, r.output
    assert "FAILED" in r.output and f"fit (trial {arrays['trial'][0]}, restart {arrays['restart'][0]})" in r.output


def test_a_claimed_fit_without_certificate_is_caught(real_run, tmp_path) -> None:
    out = tmp_path / "run"
    shutil.copytree(real_run, out)
    gone = certificate_files(out)[0]
    n_fits = load_certificate(gone).theta.shape[0]
    gone.unlink()
    r = runner.invoke(app, ["verify", str(out)])
    assert r.exit_code == EXIT_NOT_VERIFIED, r.output
    assert r.output.count(f"shard {gone.stem}.parquet claims an exact fit") == n_fits


def test_resumed_run_writes_no_duplicate_certificates(fake_fitter, tmp_path) -> None:
    cell = CellConfig(depth=2, width=4, activation="relu", trials=4, restarts=2)
    store = open_store(tmp_path)
    fake_fitter(fail_after=3)
    with pytest.raises(KeyboardInterrupt):
        run_curve(cell, store, n_min=8, n_max=14, step=1)
    first = {p.name: p.read_bytes() for p in (tmp_path / CERT_DIR).glob("*.npz")}
    assert len(first) == 3
    again = fake_fitter()
    run_curve(cell, store, n_min=8, n_max=14, step=1)
    files = sorted((tmp_path / CERT_DIR).glob("*.npz"))
    assert all(first[n] == (tmp_path / CERT_DIR / n).read_bytes() for n in first)  # not rewritten
    assert {p.stem for p in files} == {cell.point_key(n) for n in range(8, 13)}  # N < 13 fit somewhere
    rows = store.collect()
    entries = [(p.stem, t, r) for p in files for t, r in zip(np.load(p)["trial"], np.load(p)["restart"],
                                                                strict=True)]
    assert len(entries) == len(set(entries)) == int(rows["success"].sum())
    fake_fitter()
    run_curve(cell, store, n_min=8, n_max=14, step=1)
    assert sorted((tmp_path / CERT_DIR).glob("*.npz")) == files and not any(
        p.name.startswith(".") for p in (tmp_path / CERT_DIR).iterdir())  # no leftover temporary files
    assert again.calls  # the resumed run did compute the missing N


@pytest.mark.parametrize("kind", ["junk", "missing-arrays", "no-fits", "empty-folder"])
def test_not_a_certificate_exits_2(real_run, tmp_path, kind) -> None:
    folder = tmp_path / CERT_DIR
    folder.mkdir()
    if kind == "junk":
        shutil.copy(certificate_files(real_run)[0], folder)
        (folder / "notes.npz").write_text("not an archive\n")
    elif kind == "missing-arrays":
        np.savez(folder / "partial.npz", theta=np.zeros((1, 8)))
    elif kind == "no-fits":
        with np.load(certificate_files(real_run)[0], allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        for k in ("trial", "restart", "theta", "x", "y", "residual"):
            arrays[k] = arrays[k][:0]
        np.savez(folder / "empty.npz", **arrays)
    r = runner.invoke(app, ["verify", str(tmp_path)])
    assert r.exit_code == 2, r.output
    want = "no certificates" if kind == "empty-folder" else "is not a capacity certificate"
    assert want in r.output and "Traceback" not in r.output


def test_require_bound_refuses_before_any_work(fake_fitter, tmp_path) -> None:
    fake = fake_fitter()
    r = runner.invoke(app, ["run", "-a", "relu", "-L", "2", "-d", "8", "--points-max", "16", "--require-bound",
                            "--out", str(tmp_path / "r"), "--device", "cpu"])
    assert r.exit_code == 2, r.output
    assert "counting bound (P − S)/d = (128 − 8)/8 = 15.00" in r.output and "≤ 15" in r.output
    assert fake.calls == [] and not (tmp_path / "r").exists()
    spec = GridSpec(widths=(2,), depths=(2,), activations=("tanh",), biases=(False,), trials=1, restarts=1,
                    n_ranges={(2, 2): (1, 5, 1)}, require_bound=True)
    with pytest.raises(ConfigError, match="above the counting bound"):
        run_grid(spec, tmp_path / "g", figures=False)
    assert fake.calls == [] and not (tmp_path / "g").exists()


class AlwaysFits:
    """A fake fitter under which every attempt fits (so the N ramp runs to its last N)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, cell, n, x, y, device="cpu"):
        self.calls.append(int(n))
        return np.full((x.shape[0], cell.restarts), 1e-12)

    def with_params(self, cell, n, x, y, device="cpu"):
        layout = expected_layout(cell.depth, cell.width, cell.bias)
        res = self(cell, n, x, y, device)
        return res, np.zeros((*res.shape, sum(int(np.prod(s)) for _, s in layout))), layout


@pytest.mark.parametrize("flag", [False, True])
def test_require_bound_caps_the_default_ramp(monkeypatch, tmp_path, flag) -> None:
    fake = AlwaysFits()
    monkeypatch.setattr(success, "fit_cell_point", fake)
    monkeypatch.setattr(success, "fit_cell_point_params", fake.with_params)
    extra = ["--require-bound"] if flag else []
    r = runner.invoke(app, ["run", "-a", "tanh", "-L", "2", "-d", "8", "--instances", "2", "--restarts", "1",
                            "--out", str(tmp_path / "r"), "--device", "cpu", "--json", *extra])
    assert r.exit_code == 0, r.output
    assert max(fake.calls) == (16 if flag else 17)  # ⌊2·64/8⌋ = 16; the default ramp ends one past it
    fake.calls.clear()
    r = runner.invoke(app, ["grid", "-w", "8", "-L", "2", "-a", "relu", "--bias", "off", "--instances", "2",
                            "--restarts", "1", "--out", str(tmp_path / "g"), "--device", "cpu", *extra])
    assert r.exit_code == 0, r.output
    assert max(fake.calls) == (15 if flag else 16)  # ⌊(128 − 8)/8⌋ = 15


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_cli_bound_equals_the_theory(activation) -> None:
    for depth, width, bias in itertools.product((1, 2, 3), (1, 3, 8), (False, True)):
        act = activation if depth > 1 else "linear"
        nb, _, _ = counting_bound(depth, width, act, bias)
        assert nb == capacity_bound(depth, width, act, bias=bias)


def test_verify_help_and_run_import_no_torch(real_run) -> None:
    code = ("import sys\nfrom depthlab.cli import app\n"
            "for argv in (['capacity', 'verify', '--help'], ['capacity', 'verify', sys.argv[1]]):\n"
            "    try:\n        app(args=argv)\n    except SystemExit as e:\n        assert not e.code, e.code\n"
            "print('TORCH', 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(real_run)], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "DEPTHLAB_PROGRESS": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Example" in r.stdout and r.stdout.strip().endswith("TORCH False")
