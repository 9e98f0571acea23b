"""``depthlab capacity verify DIR`` (re-check every stored exact fit with code independent of the engine) and
the ``--require-bound`` option of ``capacity run``/``grid``.

Standard library and Typer at import time; the checks (:mod:`depthlab.capacity.certificates`, NumPy and mpmath)
are imported when the command runs, and never import torch.
"""

from __future__ import annotations

import json as _json
import math
from pathlib import Path
from typing import Annotated

import typer

from depthlab.errors import ConfigError

#: Exit status when a certificate does not verify (0: all verify; 2: no certificates, or a file that is not one).
EXIT_NOT_VERIFIED = 3

RequireBoundOpt = Annotated[bool, typer.Option(
    "--require-bound", help="Refuse any N above the cell's counting bound (P − S)/d (`depthlab capacity bound`), "
    "where exact fits have probability 0; the default ramp then ends at ⌊(P − S)/d⌋.")]


def counting_bound(depth: int, width: int, activation: str, bias: bool) -> tuple[float, int, int]:
    """(N_bound, P, S) of :func:`depthlab.capacity.theory.capacity_bound`, restated with the standard library so
    the CLI refuses before importing torch (a test checks the two agree): P = L·d² (+ L·d), S = (L − 1)·d for
    ReLU/leaky ReLU, (L − 1)·(d² (+ d)) for linear, 0 otherwise."""
    p = depth * width * width + (depth * width if bias else 0)
    hidden = depth - 1
    if depth == 1 or activation not in ("relu", "leaky_relu", "linear"):
        s = 0
    elif activation == "linear":
        s = hidden * (width * width + (width if bias else 0))
    else:
        s = hidden * width
    return (p - s) / width, p, s


def check_bound(depth: int, width: int, activation: str, bias: bool, n_min: int | None,
                n_max: int | None) -> int:
    """The largest N ``capacity run --require-bound`` may use: ⌊(P − S)/d⌋.

    Raises:
        ConfigError: ``--points-min`` or ``--points-max`` above the bound (names it and what to change).
    """
    nb, p, s = counting_bound(depth, width, activation if depth > 1 else "linear", bias)
    top = math.floor(nb + 1e-12)
    for name, n in (("--points-max", n_max), ("--points-min", n_min)):
        if n is not None and n > top:
            raise ConfigError(
                f"{name} {n} is above the counting bound (P − S)/d = ({p} − {s})/{width} = {nb:.2f} of depth "
                f"{depth}, width {width}, {activation}{' with biases' if bias else ''}: beyond N = {top} exact fits "
                f"have probability 0; lower {name} to ≤ {top}, or drop --require-bound")
    return top


def verify(
    path: Annotated[Path, typer.Argument(metavar="DIR", help="A `capacity run`/`grid` --out folder (its "
                                          "certificates/ subfolder), a folder above several (a `depthlab "
                                          "reproduce` output), a certificates folder, or one .npz file.")],
    tol: Annotated[float | None, typer.Option("--tol", help="Relative-residual threshold to verify against "
                                               "(default: each certificate's own, 1e-8).", min=0.0)] = None,
    mp_max_width: Annotated[int, typer.Option("--mp-max-width", help="Also recompute in mpmath (50 digits) "
                                              "when d ≤ this (0: never).", min=0)] = 8,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")] = False,
) -> None:
    """Verify the exact-fit certificates of a run: recompute every stored fit's residual independently.

    For each stored fit (weights, X, Y) the relative residual ‖F(X) − Y‖_F / ‖Y‖_F is recomputed by a float64
    NumPy forward pass with its own code (not the engine's) and, for d ≤ 8, in mpmath with 50 digits. A fit
    verifies when the NumPy residual plus its rounding bound B is ≤ tol, NumPy and stored residuals differ by
    ≤ 2B, and mpmath (when run) is ≤ tol and within B of both (docs/capacity.md, "Certificates"). In a run folder
    with shards, every fit a shard claims must have a certificate entry, and every entry a claim.

    Exit status: 0 all verify; 3 some fit does not; 2 no certificates, or a file that is not one.

    Examples:

        depthlab capacity verify results/capacity-run

        depthlab capacity verify results/capacity-grid --tol 1e-10 --json
    """
    from depthlab.capacity.audit import uncertified_claims
    from depthlab.capacity.certificates import certificate_files, load_certificate, verify_certificate

    files = certificate_files(path)
    certs = [load_certificate(f) for f in files]  # refuse a non-certificate before computing anything
    reports = [verify_certificate(c, tol=tol, mp_max_width=mp_max_width) for c in certs]
    unmatched = uncertified_claims(certs)
    ok = all(r.ok for r in reports) and not unmatched
    fits = sum(int(r.stored.size) for r in reports)
    if json:
        typer.echo(_json.dumps({"ok": ok, "files": len(reports), "fits": fits, "unmatched_claims": unmatched,
                                "reports": [r.as_dict() for r in reports]}))
    else:
        typer.echo(f"{'file':<22} {'cell':<26} {'fits':>4} {'max numpy':>10} {'max mpmath':>10} "
                   f"{'max |np−stored|':>15} {'max B':>8}  verdict")
        for r in reports:
            d = r.as_dict()
            mp = "—" if d["max_mpmath"] is None else f"{d['max_mpmath']:.2e}"
            typer.echo(f"{r.path.name:<22} {r.label:<26} {d['fits']:>4} {d['max_numpy']:>10.2e} {mp:>10} "
                       f"{d['max_numpy_vs_stored']:>15.1e} {d['max_bound']:>8.1e}  {'ok' if r.ok else 'FAILED'}")
            for msg in r.failures:
                typer.echo(f"  {msg}")
        for msg in unmatched:
            typer.echo(f"shards vs certificates: {msg}")
        bad = sum(not r.ok for r in reports)
        verdict = "all verify" if ok else f"{bad} file(s) FAILED, {len(unmatched)} shard mismatch(es)"
        typer.echo(f"{fits} fits in {len(reports)} files: {verdict}")
    if not ok:
        raise typer.Exit(EXIT_NOT_VERIFIED)
