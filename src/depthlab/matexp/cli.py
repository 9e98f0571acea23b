"""``depthlab matexp …``: solve two matrix equations with a three-layer expm network, and the depth table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from depthlab.clikit import DeviceOption, JsonOption, SeedOption, emit_json, handle_errors
from depthlab.errors import InputError

app = typer.Typer(
    help="Matrix-exponential networks f(X) = W3·expm(W2·expm(W1·X)) (Gai & Zhang, arXiv 2407.02540).\n\n"
    "`solve` finds W1, W2, W3 with f(X1) = Y1 and f(X2) = Y2 in closed form (on a random instance or your "
    "matrices); `depth-table` measures how many equations a depth-L network solves numerically.",
    no_args_is_help=True,
)

ARRAYS = ("X1", "X2", "Y1", "Y2")


def parse_complex(text: str, name: str) -> complex:
    """``"1"``, ``"0.5+2j"``, ``"1.5j"`` → complex; a clear error otherwise."""
    try:
        return complex(text.replace(" ", ""))
    except ValueError:
        raise InputError(f"{name} must be a complex number such as 1, 0.5+2j or 1.5j, got {text!r}") from None


def parse_ints(text: str, name: str) -> tuple[int, ...]:
    """``"1,2,3"`` or ``"2-5"`` → a tuple of positive ints."""
    out: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = part.split("-")
                out.extend(range(int(lo), int(hi) + 1))
            elif part:
                out.append(int(part))
    except ValueError:
        raise InputError(f"{name} must be integers like 1,2,3 or 2-8, got {text!r}") from None
    if not out or min(out) < 1:
        raise InputError(f"{name} must list positive integers, got {text!r}")
    return tuple(out)


def load_problem_npz(path: Path) -> dict[str, np.ndarray]:
    """Read X1, X2, Y1, Y2 from an ``.npz`` file (validated later by :func:`~depthlab.matexp.make_problem`)."""
    if not path.exists():
        raise InputError(f"input file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ARRAYS if k not in data.files]
            if missing:
                raise InputError(f"{path} lacks array(s) {', '.join(missing)}; it must hold X1, X2, Y1, Y2 "
                                 f"(found: {', '.join(data.files) or 'none'})")
            return {k: data[k] for k in ARRAYS}
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read {path} as an .npz file of arrays: {exc}") from None


@app.command()
@handle_errors
def solve(
    d: Annotated[int, typer.Option("--d", help="Matrix size of the random instance.", min=1)] = 4,
    seed: SeedOption = 0,
    real: Annotated[bool, typer.Option("--real", help="Random instance with real entries.")] = False,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="An .npz file with arrays X1, X2, Y1, Y2 "
                                               "(d×d, real or complex) instead of a random instance.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write W1, W2, W3 (and the data) to this "
                                             ".npz file.")] = None,
    lam: Annotated[str, typer.Option(help="λ in W1 = λ(X2−X1)⁻¹, e.g. 1 or 0.5+2j; 'auto' picks the candidate "
                                     "with the smallest verified residual.")] = "auto",
    branch: Annotated[int, typer.Option(help="Branch k of the logarithm log M + 2πik·I.")] = 0,
    certify: Annotated[bool, typer.Option("--certify/--no-certify", help="Recompute the residuals with "
                                          "40-digit mpmath (d ≤ 8).")] = False,
    json: JsonOption = False,
) -> None:
    """Solve Y1 = f(X1), Y2 = f(X2) in closed form and print the diagnostics.

    Prints the relative residual of each equation, cond(X2−X1), cond(Y1), cond(Y1⁻¹Y2), λ, the log branch, the
    norms of the intermediate matrices and whether the weights are real. With --json, one JSON object whose key
    `residuals` is the list of the two relative residuals.

    Examples:

        depthlab matexp solve --d 16 --seed 3

        depthlab matexp solve --input data.npz --out weights.npz --json
    """
    from depthlab.matexp.theory.certify import MAX_CERTIFY_D
    from depthlab.matexp.theory.certify import certify as run_certify
    from depthlab.matexp.theory.closed_form import make_problem, random_problem, solve_problem

    problem = make_problem(**load_problem_npz(input)) if input is not None else random_problem(d, seed, real=real)
    lam_value = "auto" if lam.strip().lower() == "auto" else parse_complex(lam, "--lam")
    sol = solve_problem(problem, lam=lam_value, branch=branch)
    diag = sol.diagnostics.to_dict()
    result = {"d": problem.d, "source": str(input) if input else f"random(d={d}, seed={seed}, real={real})",
              **diag}
    if certify:
        if problem.d > MAX_CERTIFY_D:
            raise InputError(f"--certify supports d ≤ {MAX_CERTIFY_D} (got d = {problem.d}); drop --certify")
        cert = run_certify(sol.weights, (problem.X1, problem.X2), (problem.Y1, problem.Y2))
        result["certified_residuals"] = list(cert.residuals)
    if out is not None:
        import io

        from depthlab.results import atomic_write_bytes

        buf = io.BytesIO()
        w1, w2, w3 = sol.weights
        np.savez(buf, W1=w1, W2=w2, W3=w3, X1=problem.X1, X2=problem.X2, Y1=problem.Y1, Y2=problem.Y2)
        atomic_write_bytes(out, buf.getvalue())
        result["out"] = str(out)
    if json:
        emit_json(result)
        return
    _print_solution(result)


def _print_solution(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"f(X) = W3·expm(W2·expm(W1·X)), d = {r['d']} — {r['source']}", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("relative residuals", ", ".join(f"{x:.2e}" for x in r["residuals"]))
    if "certified_residuals" in r:
        t.add_row("certified (mpmath)", ", ".join(f"{x:.2e}" for x in r["certified_residuals"]))
    lam = complex(*r["lam"])
    how = f"auto, {r['candidates_verified']} verified" if r["lam_auto"] else "fixed"
    t.add_row("λ", f"{lam:.4g} ({how})")
    t.add_row("log branch / method", f"{r['branch']} / {r['log_method']}")
    t.add_row("cond(X2−X1), cond(Y1), cond(Y1⁻¹Y2)", f"{r['cond_dx']:.2e}, {r['cond_y1']:.2e}, {r['cond_m']:.2e}")
    t.add_row("norms", ", ".join(f"{k}={v:.3g}" for k, v in r["norms"].items()))
    t.add_row("weights real", str(r["weights_real"]))
    if r["real_data"]:
        t.add_row("det Y1·det Y2 > 0 (needed for real W)", str(r["real_weights_necessary"]))
    for note in r["notes"]:
        t.add_row("note", note)
    if "out" in r:
        t.add_row("written", r["out"])
    Console().print(t)


@app.command("depth-table")
@handle_errors
def depth_table_cmd(
    depths: Annotated[str, typer.Option(help="Depths L, e.g. 1-5 or 1,2,3.")] = "1-5",
    dims: Annotated[str, typer.Option(help="Matrix sizes d, e.g. 2-8.")] = "2-8",
    instances: Annotated[int, typer.Option(help="Random instances per (L, d, n).", min=1)] = 4,
    restarts: Annotated[int, typer.Option(help="Random LM starts per instance (stacked in one batch).", min=1)] = 16,
    max_iter: Annotated[int, typer.Option(help="LM iterations per start.", min=1)] = 300,
    n_cap: Annotated[int, typer.Option(help="Largest n tried.", min=1)] = 8,
    out: Annotated[Path, typer.Option("--out", "-o", help="Results folder: one shard per finished (L, d, n) "
                                      "cell, depth_table.parquet, n_max.parquet, manifest.json. Re-running "
                                      "with the same options resumes.")] = Path("results/matexp-depth"),
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    json: JsonOption = False,
) -> None:
    """How many equations f(X_i) = Y_i can a depth-L expm network solve? (beyond the paper)

    For each (L, d), n = 1, 2, … random equations are attacked by batched Levenberg–Marquardt from many random
    starts until fewer than half of the instances are solved (every residual ≤ 1e-10). n_max(L, d) is printed
    beside the count bound L (L·d² unknowns vs n·d² equations). Interrupt at any time; the same command resumes.
    With --json, one JSON object with key `n_max` (rows depth, d, n_max, count_bound).
    """
    from depthlab.matexp.depth import DepthTableConfig, config_dict, depth_table, summarize
    from depthlab.results import ShardStore, recorded_run

    cfg = DepthTableConfig(depths=parse_ints(depths, "--depths"), dims=parse_ints(dims, "--dims"),
                           instances=instances, restarts=restarts, max_iter=max_iter, n_cap=n_cap, seed=seed)
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
