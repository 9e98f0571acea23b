"""The docs run: every fenced example of README.md and docs/*.md executes at tiny scale, and the docs are
self-contained (no references to private research notes or issue numbers anywhere a user reads).

A block is one fenced code block (```python, ```bash/```sh/```shell/```console, or unlabelled). Python blocks run
as written (in a fresh namespace, in a scratch folder); shell blocks run their ``depthlab …`` lines in-process.
A comment right before a block changes that (docs/cli.md, "Examples that run"):

* ``<!-- ci: skip: REASON -->`` — not run; the reason is required and listed by ``test_skipped_examples``;
* ``<!-- ci: not code -->`` — not an example (a file layout, an error message, a formula);
* ``<!-- ci: exit N -->`` — run the block; every command must exit with status N (a documented refusal);
* ``<!-- ci: sub: OLD => NEW; OLD2 => NEW2 -->`` — run the block (Python or shell) with these textual
  substitutions, e.g. smaller sizes (each OLD must occur in the block);
* ``<!-- ci:`` newline, commands, newline ``-->`` — run these tiny-scale commands instead of the block's lines.

Any shell line that is not a ``depthlab`` command (``make``, ``pip``, ``ray``, …) must sit in a skipped block. TOML
blocks whose first line names a file in ``examples/`` must agree with that file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHELL = {"", "bash", "sh", "shell", "console"}
_FENCE = re.compile(r"^(\s*)```([\w-]*)\s*$")
_MARK = re.compile(r"<!--\s*ci:(.*?)-->", re.S)
#: Private references a user of the repository cannot follow.
FORBIDDEN = re.compile(r"shared/notes|shared/probes|/work/|issue\s*#\s*\d+|\bnotes\s*§|\(issue \d+\)|[Tt]he issue\b|"
                       r"\bissue notes|issue's\b|as the issue")


@dataclass(frozen=True)
class Block:
    """One fenced block: file, first line, language, text, and its CI marker (``None``: run as written)."""

    path: Path
    line: int
    lang: str
    text: str
    marker: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def kind(self) -> str:
        """``"skip"``, ``"not code"``, ``"exit"``, ``"sub"``, ``"replace"`` or ``"run"``."""
        m = self.marker
        if m is None:
            return "run"
        if m.startswith("skip"):
            return "skip"
        if m == "not code":
            return "not code"
        if re.fullmatch(r"exit \d+", m):
            return "exit"
        if m.startswith("sub:"):
            return "sub"
        return "replace"

    def code(self) -> str:
        """The block's text with the ``sub:`` substitutions applied (each must occur)."""
        text = self.text
        if self.kind == "sub":
            for pair in self.marker.removeprefix("sub:").split(";"):
                old, sep, new = pair.partition("=>")
                old, new = old.strip(), new.strip()
                if not sep or old not in text:
                    raise AssertionError(f"{self.id}: ci substitution {pair.strip()!r} does not match the block")
                text = text.replace(old, new)
        return text

    @property
    def expected_exit(self) -> int:
        return int(self.marker.split()[1]) if self.kind == "exit" else 0

    @property
    def skip_reason(self) -> str:
        return (self.marker or "").partition(":")[2].strip()

    def commands(self) -> list[list[str]]:
        """argv of each shell command to run: the marker's replacement lines, else the block's own lines."""
        text = self.marker if self.kind == "replace" else self.code()
        text = re.sub(r"\\\n\s*", " ", text or "")
        out = []
        for line in text.splitlines():
            line = line.strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                out.append(shlex.split(line, comments=True))
        return out


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one markdown file, with the CI marker right above it (blank lines allowed)."""
    lines = path.read_text().splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang = m.group(1), m.group(2).lower()
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        body = "\n".join(ln.removeprefix(indent) for ln in lines[i + 1 : j])
        out.append(Block(path, i + 1, lang, body, _marker_before(lines, i)))
        i = j + 1
    return out


def _marker_before(lines: list[str], i: int) -> str | None:
    k = i - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    if k < 0 or not lines[k].strip().endswith("-->"):
        return None
    start = k
    while start > 0 and "<!--" not in lines[start]:
        start -= 1
    m = _MARK.search("\n".join(lines[start : k + 1]))
    return m.group(1).strip() if m else None


ALL = [b for p in doc_files() for b in blocks(p)]


def _shell(b: Block) -> bool:
    return b.lang in SHELL


# ------------------------------------------------------------------------------------------ self-contained


def _user_facing_files() -> list[Path]:
    return [*doc_files(), *sorted((ROOT / "src").rglob("*.py")), *sorted((ROOT / "examples").glob("*"))]


def test_no_private_references() -> None:
    """README, docs, examples and every source file (docstrings, report strings, messages) cite papers and
    docs/, never the research notes, this machine's paths or issue numbers."""
    bad = []
    for path in _user_facing_files():
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if FORBIDDEN.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------------------------------ markers


def test_every_example_runs_or_says_why_not() -> None:
    problems = []
    for b in ALL:
        if b.kind == "skip" and not b.skip_reason:
            problems.append(f"{b.id}: 'ci: skip' needs a reason ('<!-- ci: skip: why -->')")
        if _shell(b) and b.kind in ("run", "exit", "replace", "sub"):
            for argv in b.commands():
                if argv[0] != "depthlab":
                    problems.append(f"{b.id}: '{shlex.join(argv)}' is not a depthlab command; give the block a "
                                    "tiny-scale '<!-- ci: … -->' variant or '<!-- ci: skip: why -->'")
        if b.lang not in SHELL | {"python", "toml"} and b.kind == "run":
            problems.append(f"{b.id}: a ```{b.lang} block needs '<!-- ci: not code -->' or a skip reason")
    assert not problems, "\n".join(problems)


def test_skipped_examples(capsys) -> None:
    """Lists every skipped example with its reason (shown with pytest -s)."""
    skipped = [f"{b.id}: {b.skip_reason}" for b in ALL if b.kind == "skip"]
    with capsys.disabled():
        print("\nskipped doc examples:\n  " + "\n  ".join(skipped or ["none"]))
    assert all(s.split(": ", 1)[1] for s in skipped)


def test_toml_blocks_match_examples() -> None:
    checked = 0
    for b in ALL:
        first = b.text.splitlines()[0] if b.text else ""
        m = re.match(r"#\s*(examples/[\w.-]+\.toml)", first)
        if b.lang != "toml" or not m:
            continue
        shown, real = tomllib.loads(b.text), tomllib.loads((ROOT / m.group(1)).read_text())
        for key, value in shown.items():
            assert real.get(key) == value, f"{b.id}: {key} = {value!r} but {m.group(1)} has {real.get(key)!r}"
        checked += 1
    assert checked >= 1


# ------------------------------------------------------------------------------------------ running them


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A scratch folder with the files examples refer to: examples/, spec.toml, data.npz, hard.npz."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "examples" / "sweep-toy.toml", tmp_path / "spec.toml")
    rng = np.random.default_rng(0)
    mats = (rng.standard_normal((4, 4, 4)) + 1j * rng.standard_normal((4, 4, 4))) / np.sqrt(8)
    np.savez(tmp_path / "data.npz", X1=mats[0], X2=mats[1], Y1=mats[2], Y2=mats[3],
             X=rng.standard_normal((60, 3)), Y=rng.standard_normal(60))
    from depthlab.matexp.theory.extended import hard_instance

    p = hard_instance()
    np.savez(tmp_path / "hard.npz", X1=p.X1, X2=p.X2, Y1=p.Y1, Y2=p.Y2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEPTHLAB_PROGRESS", "0")
    monkeypatch.setenv("DEPTHLAB_THREADS", "1")
    return tmp_path


def _run_shell(b: Block) -> list[str]:
    from depthlab.cli import app

    failures = []
    for argv in b.commands():
        r = CliRunner().invoke(app, argv[1:])
        if r.exit_code != b.expected_exit or "Traceback" in r.output:
            tail = (r.output or "")[-1500:]
            if r.exception is not None and not isinstance(r.exception, SystemExit):
                tail += f"\n{type(r.exception).__name__}: {r.exception}"
            failures.append(f"{b.id}: '{shlex.join(argv)}' exited {r.exit_code} (expected {b.expected_exit}):\n"
                            f"{tail}")
    return failures


def _run_python(b: Block) -> list[str]:
    try:
        exec(compile(b.code(), b.id, "exec"), {"__name__": "__docs__"})
    except Exception as exc:  # report, do not stop at the first broken example
        return [f"{b.id}: {type(exc).__name__}: {exc}"]
    return []


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_examples_run(path: Path, scratch) -> None:
    """Every runnable block of one file, in order (later blocks may read files earlier ones wrote)."""
    failures: list[str] = []
    for b in blocks(path):
        if b.kind in ("skip", "not code"):
            continue
        if _shell(b):
            failures += _run_shell(b)
        elif b.lang == "python":
            failures += _run_python(b)
        os.chdir(scratch)
    assert not failures, "\n\n".join(failures)
