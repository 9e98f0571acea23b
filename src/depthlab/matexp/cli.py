"""``depthlab matexp …``: solve two matrix equations with a three-layer expm network, and the depth table.

Arguments are checked, and sizes estimated against the memory available, before NumPy-heavy or torch code is
imported (``docs/cli.md``). ``solve`` exits with status 3 when no λ reaches ``--tol``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from depthlab.clikit import (
    EXIT_INACCURATE,
    DeviceOption,
    JsonOption,
    MaxMemoryOption,
    SeedOption,
    aliases,
    default_out,
    depth_option,
    emit_json,
    handle_errors,
    input_dim_option,
    out_option,
    parse_int_list,
)
from depthlab.errors import InputError, NumericalError

app = typer.Typer(
    help="Matrix-exponential networks f(X) = W3·expm(W2·expm(W1·X)) (Gai & Zhang, arXiv 2407.02540).\n\n"
    "`solve` finds W1, W2, W3 with f(X1) = Y1 and f(X2) = Y2 in closed form (on a random instance or your "
    "matrices); `depth-table` measures how many equations a depth-L network solves numerically.",
    no_args_is_help=True,
)

ARRAYS = ("X1", "X2", "Y1", "Y2")
#: Peak memory of the float64 closed form, in complex d×d matrices (measured with tracemalloc: 25 at d = 100,
#: 200, 400; 32 leaves room for LAPACK workspace).
SOLVE_MATRICES = 32
DEPTH_TABLE_OUT = default_out("matexp", "depth-table")


def parse_complex(text: str, name: str) -> complex:
    """``"1"``, ``"0.5+2j"``, ``"1.5j"`` → complex; a clear error otherwise."""
    try:
        return complex(text.replace(" ", ""))
    except ValueError:
        raise InputError(f"{name} must be a complex number such as 1, 0.5+2j or 1.5j, got {text!r}") from None


def parse_ints(text: str, name: str) -> tuple[int, ...]:
    """``"1,2,3"`` or ``"2-5"`` → a tuple of positive ints (:func:`depthlab.clikit.parse_int_list`)."""
    return parse_int_list(text, name)


def solve_bytes(d: int) -> int:
    """Estimated peak memory of ``solve`` at matrix size d (complex128)."""
    return SOLVE_MATRICES * 16 * d * d


def depth_table_bytes(depth: int, d: int, n: int, models: int) -> int:
    """Estimated peak memory of one depth-table cell on the engine (complex weights as real pairs: R = 2·n·d²
    residuals, P = 2·L·d² parameters per model): the real Jacobian and its copies (3·R·P), the damped normal
    matrix (3·min(R, P)²) and the complex Daleckii–Krein tangents (n·L·d⁴), float64, for up to 256 models at
    once (an upper estimate where the engine's memory plan chunks more finely)."""
    r, p = 2 * n * d * d, 2 * depth * d * d
    return 8 * min(models, 256) * (3 * r * p + 3 * min(r, p) ** 2 + 2 * n * depth * d ** 4)


def load_problem_npz(path: Path) -> dict[str, Any]:
    """Read X1, X2, Y1, Y2 from an ``.npz`` file (validated later by :func:`~depthlab.matexp.make_problem`)."""
    from depthlab.validate import load_npz

    return load_npz(path, ARRAYS, "it must hold the d×d matrices X1, X2, Y1, Y2")


@app.command(cls=aliases({"--d": "--input-dim"}))
@handle_errors
def solve(
    d: Annotated[int, input_dim_option("size of the random instance's d×d matrices.", min=1)] = 4,
    seed: SeedOption = 0,
    real: Annotated[bool, typer.Option("--real", help="Random instance with real entries.")] = False,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="An .npz file with arrays X1, X2, Y1, Y2 "
                                               "(d×d, real or complex) instead of a random instance.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write W1, W2, W3 (and the data) to this "
                                             ".npz file.")] = None,
    lam: Annotated[str, typer.Option(help="λ in W1 = λ(X2−X1)⁻¹, e.g. 1 or 0.5+2j; 'auto' picks the candidate "
                                     "with the smallest verified residual.")] = "auto",
    branch: Annotated[int, typer.Option(help="Branch k of the logarithm log M + 2πik·I.")] = 0,
    tol: Annotated[float, typer.Option(help="Tolerance on the larger relative residual; above it the command "
                                       "exits with status 3 (≈ √eps by default).", min=0.0)] = 1e-8,
    allow_inaccurate: Annotated[bool, typer.Option("--allow-inaccurate", help="Keep (print, write) weights "
                                                   "that miss --tol, with a warning, and exit 0.")] = False,
    digits: Annotated[int | None, typer.Option(help="Also solve with this many significant digits (mpmath, "
                                               "d ≤ 16); weights float64 cannot represent are returned as "
                                               "decimal strings, certified at twice the precision.")] = None,
    certify: Annotated[bool, typer.Option("--certify/--no-certify", help="Recompute the residuals with "
                                          "40-digit mpmath (d ≤ 8).")] = False,
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """Solve Y1 = f(X1), Y2 = f(X2) in closed form and print the diagnostics.

    Prints the relative residual of each equation, cond(X2−X1), cond(Y1), cond(Y1⁻¹Y2), λ, the log branch, the
    norms of the intermediate matrices and whether the weights are real. With --json, one JSON object whose key
    `residuals` is the list of the two relative residuals. When no λ brings the larger residual under --tol,
    the command names the failing assumption and its condition number and exits with status 3 (no weights
    written) unless --allow-inaccurate; --digits N solves in N-digit arithmetic instead.

    Examples:

        depthlab matexp solve --input-dim 16 --seed 3

        depthlab matexp solve --input data.npz --out weights.npz --json

        depthlab matexp solve --input hard.npz --digits 60 --out weights.npz
    """
    from depthlab.budget import check_memory
    from depthlab.matexp.limits import MAX_EXTENDED_D, MIN_DIGITS

    if digits is not None and digits < MIN_DIGITS:
        raise InputError(f"--digits must be ≥ {MIN_DIGITS} (float64 already has 16), got {digits}")
    lam_value = "auto" if lam.strip().lower() == "auto" else parse_complex(lam, "--lam")
    if input is None:
        check_memory(solve_bytes(d), what=f"matexp solve --input-dim {d}", hint="lower --input-dim",
                     max_memory=max_memory, detail=f"about {SOLVE_MATRICES} complex {d}×{d} matrices")
        _check_small(d, certify, digits, MAX_EXTENDED_D)
    from depthlab.matexp.theory.closed_form import make_problem, random_problem

    if input is not None:
        arrays = load_problem_npz(input)
        size = max(int(arrays["X1"].shape[0]) if arrays["X1"].ndim else 1, 1)
        check_memory(solve_bytes(size), what=f"matexp solve --input {input} (d = {size})",
                     hint="use smaller matrices", max_memory=max_memory)
        problem = make_problem(**arrays)
        _check_small(problem.d, certify, digits, MAX_EXTENDED_D)
    else:
        problem = random_problem(d, seed, real=real)
    source = str(input) if input else f"random(d={d}, seed={seed}, real={real})"
    result, sol, failure = _solve(problem, lam_value, branch, tol, digits)
    result = {"d": problem.d, "source": source, "tol": tol, **result}
    if certify and sol is not None:
        from depthlab.matexp.theory.certify import certify as run_certify

        cert = run_certify(sol.weights, (problem.X1, problem.X2), (problem.Y1, problem.Y2))
        result["certified_residuals"] = list(cert.residuals)
    ext = None
    if digits is not None:
        from depthlab.matexp.theory.extended import solve_extended

        ext = solve_extended(problem, digits, lam=None if lam_value == "auto" else lam_value, branch=branch)
        result["extended"] = _extended_dict(ext, tol)
    accurate = result["accurate"] or (ext is not None and ext.max_residual <= tol)
    keep = accurate or allow_inaccurate
    if out is not None and keep and (sol is not None or ext is not None):
        _write(out, problem, sol, ext)
        result["out"] = str(out)
    result["status"] = "solved" if accurate else ("inaccurate, kept" if keep else "no solution")
    if json:
        emit_json(result)
    else:
        _print_solution(result)
    if not accurate:
        msg = failure or f"the residual exceeds --tol {tol:g}"
        if keep:
            typer.echo(f"warning: {msg} (weights kept: --allow-inaccurate)", err=True)
        else:
            typer.echo(f"error: {msg}", err=True)
            raise typer.Exit(EXIT_INACCURATE)


def _check_small(d: int, certify: bool, digits: int | None, max_ext: int) -> None:
    from depthlab.matexp.limits import MAX_CERTIFY_D

    if certify and d > MAX_CERTIFY_D:
        raise InputError(f"--certify supports d ≤ {MAX_CERTIFY_D} (got d = {d}); drop --certify")
    if digits is not None and d > max_ext:
        raise InputError(f"--digits supports d ≤ {max_ext} (mpmath cost grows like d³), got d = {d}; drop --digits")


def _solve(problem: Any, lam: Any, branch: int, tol: float, digits: int | None) -> tuple[dict, Any, str | None]:
    """``(diagnostics dict with "accurate", solution or None, failure message or None)``."""
    import warnings

    import numpy as np

    from depthlab.matexp.theory.accuracy import InaccurateSolutionError
    from depthlab.matexp.theory.closed_form import solve_problem

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sol = solve_problem(problem, lam=lam, branch=branch, tol=tol)
        return {**sol.diagnostics.to_dict(), "accurate": True}, sol, None
    except InaccurateSolutionError as exc:
        return {**exc.solution.diagnostics.to_dict(), "accurate": False,
                "failing_assumption": exc.diagnosis.assumption, "condition_number": exc.diagnosis.condition,
                "float64_floor": exc.diagnosis.float64_floor}, exc.solution, \
            f"{exc} {_hint(problem, branch, tol, digits)}"
    except NumericalError as exc:
        if digits is None:
            raise NumericalError(f"no solution in float64: {exc} {_hint(problem, branch, tol, digits)}") from None
        return {"residuals": [float(np.inf)] * 2, "accurate": False, "notes": [str(exc)]}, None, str(exc)


def _hint(problem: Any, branch: int, tol: float, digits: int | None) -> str:
    """What to try after a float64 failure: ``--digits N`` with N from the conditioning proxy (small d), a larger
    ``--tol`` if that accuracy suffices, or ``--allow-inaccurate``."""
    from depthlab.matexp.limits import MAX_EXTENDED_D
    from depthlab.matexp.theory.extended import choose_lambda, digits_needed

    keep = "accept a larger residual with --tol, or keep these weights anyway with --allow-inaccurate."
    if digits is not None or problem.d > MAX_EXTENDED_D:
        return keep[0].upper() + keep[1:]
    need = digits_needed(choose_lambda(problem, branch)[1], min(tol, 1e-10))
    return f"Try --digits {need} (mpmath) for weights in extended precision, {keep}"


def _extended_dict(ext: Any, tol: float) -> dict:
    return {"digits": ext.digits, "lam": [ext.lam.real, ext.lam.imag], "residuals": list(ext.residuals),
            "float64_residuals": list(ext.float64_residuals), "float64_representable": ext.float64_representable,
            "amplification": ext.amplification, "certified_at_digits": 2 * ext.digits,
            "accurate": ext.max_residual <= tol}


def _write(out: Path, problem: Any, sol: Any, ext: Any) -> None:
    import io

    import numpy as np

    from depthlab.results import atomic_write_bytes

    arrays = {"X1": problem.X1, "X2": problem.X2, "Y1": problem.Y1, "Y2": problem.Y2}
    if ext is not None:
        for k, w in zip(("W1", "W2", "W3"), ext.weights_text(), strict=True):
            arrays[k] = w  # decimal strings with ext.digits digits (mpmath.mpmathify reads them)
        for k, w in zip(("W1", "W2", "W3"), ext.weights_float64(), strict=True):
            arrays[f"{k}_float64"] = w
    else:
        arrays.update(zip(("W1", "W2", "W3"), sol.weights, strict=True))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(out, buf.getvalue())


def _fmt(x: float) -> str:
    return f"{x:.2e}" if x == x and abs(x) != float("inf") else "overflow (> 1.8e308)"


def _print_solution(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"f(X) = W3·expm(W2·expm(W1·X)), d = {r['d']} — {r['source']}", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("status", f"{r['status']} (tolerance {r['tol']:g})")
    t.add_row("relative residuals (float64)", ", ".join(_fmt(x) for x in r["residuals"]))
    if "certified_residuals" in r:
        t.add_row("certified (mpmath)", ", ".join(f"{x:.2e}" for x in r["certified_residuals"]))
    if "extended" in r:
        e = r["extended"]
        t.add_row(f"{e['digits']}-digit weights", ", ".join(_fmt(x) for x in e["residuals"])
                  + f" (λ = {complex(*e['lam']):.4g}; evaluated at {e['certified_at_digits']} digits)")
        t.add_row("same, rounded to float64", ", ".join(_fmt(x) for x in e["float64_residuals"])
                  + ("" if e["float64_representable"] else " — float64 cannot represent this solution"))
    if "failing_assumption" in r:
        t.add_row("failing assumption", f"{r['failing_assumption']} (condition number {r['condition_number']:.2e})")
    if "lam" in r and "cond_dx" in r:
        lam = complex(*r["lam"])
        how = f"auto, {r['candidates_verified']} verified" if r["lam_auto"] else "fixed"
        t.add_row("λ", f"{lam:.4g} ({how})")
        t.add_row("log branch / method", f"{r['branch']} / {r['log_method']}")
        t.add_row("cond(X2−X1), cond(Y1), cond(Y1⁻¹Y2)",
                  f"{r['cond_dx']:.2e}, {r['cond_y1']:.2e}, {r['cond_m']:.2e}")
        t.add_row("norms", ", ".join(f"{k}={v:.3g}" for k, v in r["norms"].items()))
        t.add_row("weights real", str(r["weights_real"]))
        if r["real_data"]:
            t.add_row("det Y1·det Y2 > 0 (needed for real W)", str(r["real_weights_necessary"]))
    for note in r.get("notes", []):
        t.add_row("note", note)
    if "out" in r:
        t.add_row("written", r["out"])
    Console().print(t)


@app.command("depth-table", cls=aliases({"--depths": "--depth", "--dims": "--input-dim", "--n-cap": "--points-max"}))
@handle_errors
def depth_table_cmd(
    depths: Annotated[str, depth_option("A list, e.g. 1-5 or 1,2,3")] = "1-5",
    dims: Annotated[str, input_dim_option("matrix sizes d, a list, e.g. 2-6.")] = "2-6",
    instances: Annotated[int, typer.Option(help="Random instances per (L, d, n).", min=1)] = 4,
    restarts: Annotated[int, typer.Option(help="Random LM starts per instance (stacked in one batch).", min=1)] = 16,
    max_iter: Annotated[int, typer.Option(help="LM iterations per start.", min=1)] = 300,
    n_cap: Annotated[int, typer.Option("--points-max", help="Largest number of equations n tried.", min=1)] = 8,
    out: Annotated[Path, out_option("matexp", "depth-table", "one shard per finished (L, d, n) cell, "
                                    "depth_table.parquet, n_max.parquet, manifest.json")]
    = DEPTH_TABLE_OUT,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_memory: MaxMemoryOption = None,
    json: JsonOption = False,
) -> None:
    """How many equations f(X_i) = Y_i can a depth-L expm network solve? (beyond the paper)

    For each (L, d), n = 1, 2, … random equations are attacked from --restarts random starts per instance,
    all stacked in one engine fit (Levenberg–Marquardt with the Daleckii–Krein Jacobian), until fewer than half
    of the instances are solved (every residual ≤ 1e-10). n_max(L, d) is printed beside the count bound L
    (L·d² unknowns vs n·d² equations). The defaults are the study's full table (L ≤ 5, d ≤ 6; d ≤ 4 takes
    minutes on one CPU thread, d = 5 and 6 most of an hour). Interrupt at any time; the same command resumes.
    With --json, one JSON object with key `n_max` (rows depth, d, n_max, count_bound).

    Examples:

        depthlab matexp depth-table --depth 1-3 --input-dim 2,3 --points-max 4

        depthlab matexp depth-table --depth 1-5 --input-dim 2-6 --out results/matexp-depth-table --json
    """
    from depthlab.budget import check_memory

    ls, ds = parse_int_list(depths, "--depth"), parse_int_list(dims, "--input-dim")
    check_memory(depth_table_bytes(max(ls), max(ds), n_cap, instances * restarts),
                 what=f"matexp depth-table at L = {max(ls)}, d = {max(ds)}, n = {n_cap}",
                 hint="lower --input-dim, --depth or --points-max", max_memory=max_memory,
                 detail="Jacobians, tangents and Gauss–Newton matrices of up to 256 stacked starts")
    from depthlab.matexp.depth import DepthTableConfig, config_dict, depth_table, summarize
    from depthlab.results import ShardStore, recorded_run

    cfg = DepthTableConfig(depths=ls, dims=ds, instances=instances, restarts=restarts, max_iter=max_iter,
                           n_cap=n_cap, seed=seed)
    with recorded_run(out, config=config_dict(cfg), seed=seed, device=device) as run:
        table = depth_table(cfg, ShardStore(out), device=device, progress=not json)
        nmax = summarize(table)
        run.write_table("depth_table", table)
        run.write_table("n_max", nmax)
    if json:
        emit_json({"n_max": nmax.to_dict(orient="records"), "out": str(out)})
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="n_max(L, d): equations solved by a depth-L expm network (≥ half the instances)")
    for c in ("L", "d", "n_max", "count bound", "success at n_max+1"):
        t.add_column(c, justify="right")
    for r in nmax.itertuples():
        s = "—" if r.success_at_failed is None or r.success_at_failed != r.success_at_failed else \
            f"{r.success_at_failed:.2f}"
        t.add_row(str(r.depth), str(r.d), str(r.n_max), str(r.count_bound), s)
    Console().print(t)
    typer.echo(f"results in {out}")
