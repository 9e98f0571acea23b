"""One CLI vocabulary (docs/cli.md): examples in every help, defaults, old spellings, fast validation, and the
refusals a new user hit — each a named error with exit status 2 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from depthlab.cli import app
from depthlab.clikit import parse_int_list
from depthlab.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _commands() -> list[tuple[str, ...]]:
    """Every leaf command as its argv path, e.g. ("matexp", "solve")."""
    top = typer.main.get_command(app)
    ctx = top.make_context("depthlab", ["--help"], resilient_parsing=True)
    out = []
    for name in top.list_commands(ctx):
        sub = top.get_command(ctx, name)
        if hasattr(sub, "list_commands"):
            out += [(name, s) for s in sub.list_commands(ctx)]
        else:
            out.append((name,))
    return out


COMMANDS = _commands()


def _leaf(path: tuple[str, ...]):
    top = typer.main.get_command(app)
    ctx = top.make_context("depthlab", ["--help"], resilient_parsing=True)
    cmd = top.get_command(ctx, path[0])
    return cmd.get_command(ctx, path[1]) if len(path) > 1 else cmd


def test_every_study_and_sweep_is_listed() -> None:
    groups = {p[0] for p in COMMANDS if len(p) > 1}
    assert {"matexp", "capacity", "interp", "angles", "committee", "sweep"} <= groups


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_examples(path) -> None:
    r = runner.invoke(app, [*path, "--help"])
    assert r.exit_code == 0, r.output
    assert "Example" in r.output, f"depthlab {' '.join(path)} --help has no Examples: block"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_shared_option_defaults(path) -> None:
    """--device defaults to auto; --out folders default to results/<study>-<command>; depth is weight layers."""
    for p in _leaf(path).params:
        if p.name == "device" and p.default is not None:
            assert p.default == "auto", f"{path}: --device defaults to {p.default!r}"
        if "--out" in p.opts and p.default is not None and len(path) > 1 and path[0] != "sweep":
            assert str(p.default).startswith("results/"), f"{path}: --out defaults to {p.default}"
        if "--depth" in p.opts:
            assert "weight layers" in (p.help or ""), f"{path}: --depth help must say it counts weight layers"
        for opt in p.opts:
            assert opt not in ("--d", "--n", "--depths", "--dims", "--trials", "--save"), f"{path}: old {opt}"


def test_int_list_syntax() -> None:
    assert parse_int_list("1,2,4", "x") == (1, 2, 4)
    assert parse_int_list("1-5", "x") == (1, 2, 3, 4, 5)
    assert parse_int_list(["1-3", "8", "2"], "x") == (1, 2, 3, 8)
    for bad in ("0-2", "5-1", "a", "", "1-100000"):
        with pytest.raises(ConfigError):
            parse_int_list(bad, "x")


@pytest.mark.parametrize("args", [
    ["matexp", "solve", "--d", "3", "--json"],
    ["matexp", "depth-table", "--depths", "0-2"],
    ["interp", "construct", "--n", "20", "--d", "2", "--json"],
])
def test_old_spellings_still_work_with_a_note(args) -> None:
    r = runner.invoke(app, args)
    assert "is the old spelling of" in r.stderr
    assert r.exit_code in (0, 2) and "Traceback" not in r.output
    if "0-2" not in args:
        assert r.exit_code == 0, r.output


# ------------------------------------------------------------------------------- fast, torch-free validation


def _modules_after(argv: list[str]) -> set[str]:
    code = (f"import sys\nfrom depthlab.cli import app\ntry:\n    app(args={argv!r})\nexcept SystemExit:\n    pass\n"
            "print('MODULES:', ' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "DEPTHLAB_PROGRESS": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    return set(r.stdout.strip().splitlines()[-1].removeprefix("MODULES:").split())


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["studies"],
    ["matexp", "solve", "--input-dim", "0"],
    ["matexp", "solve", "--input-dim", "1000000"],
    ["interp", "analyse", "--train", "--depth", "0"],
    ["interp", "construct", "--points", "1000000", "--input-dim", "10"],
], ids=" ".join)
def test_help_and_validation_errors_import_no_torch(argv) -> None:
    loaded = _modules_after(argv)
    assert "torch" not in loaded, f"depthlab {' '.join(argv)} imported torch"


# ------------------------------------------------------------------------------- the ten refusals


@pytest.fixture(scope="module")
def text_npz(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("npz") / "data.npz"
    p.write_text("X1, X2, Y1, Y2\n1 2 3 4\n")
    return p


TEN = {
    "interp construct 1e6 points": (["interp", "construct", "--points", "1000000", "--input-dim", "10"], "memory"),
    "matexp solve d = 1e6": (["matexp", "solve", "--input-dim", "1000000"], "memory"),
    "capacity run d = 1e6": (["capacity", "run", "--width", "1000000"], "memory"),
    "committee run N = 1e6": (["committee", "run", "--N", "1000000"], "memory"),
    "angles full width 1e6": (["angles", "simulate", "--width", "1000000", "--method", "full"], "memory"),
    "angles 1e9 networks": (["angles", "simulate", "--networks", "1000000000"], "take about"),
    "interp depth 0": (["interp", "analyse", "--train", "--depth", "0"], "--depth"),
    "interp width 0": (["interp", "analyse", "--train", "--width", "0"], "--width"),
    "interp text as npz": (["interp", "construct", "--input", "TEXT"], "not an NPZ file"),
    "matexp text as npz": (["matexp", "solve", "--input", "TEXT"], "not an NPZ file"),
}


@pytest.mark.parametrize("case", list(TEN), ids=list(TEN))
def test_refusals_are_named_errors_with_status_2(case, text_npz) -> None:
    argv, words = TEN[case]
    argv = [str(text_npz) if a == "TEXT" else a for a in argv]
    r = runner.invoke(app, argv)
    assert r.exit_code == 2, f"exit {r.exit_code}: {r.output[-2000:]}"
    assert "Traceback" not in r.output and not (r.exception and not isinstance(r.exception, SystemExit))
    assert words in r.output, r.output[-2000:]
    assert "error" in r.output.lower()
