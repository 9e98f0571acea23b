"""``depthlab capacity positivity``: the positivity obstruction on the protocol's data sets
(:mod:`depthlab.capacity.positivity`).

Standard library and Typer at import time; the request is checked before SciPy or torch is imported.
"""

from __future__ import annotations

from typing import Annotated

import typer

from depthlab.capacity.cli_options import InstancesOpt, WidthOpt
from depthlab.clikit import JsonOption, SeedOption, emit_json, parse_int_list
from depthlab.errors import ConfigError

#: the most data sets one call decides (one LP each, a few ms): a guard against a typo, not a memory limit
MAX_DECISIONS = 200_000


def positivity(
    width: WidthOpt = 8,
    points: Annotated[str, typer.Option("--points", "-n", metavar="N", help="Numbers of points: a list such "
                                        "as 12,16,23 or 10-20.")] = "12,16,23",
    trials: InstancesOpt = 200,
    seed: SeedOption = 0,
    json: JsonOption = False,
) -> None:
    """Decide, for the protocol's target sets, whether their rows lie in an open half-space, beside Wendel's
    probability 2^(1−N) Σ_{k<d} C(N−1, k).

    A bias-free ReLU or sigmoid net of width d (any depth ≥ 2) fits targets only if they do (docs/capacity.md,
    "The positivity obstruction"), so the feasible fraction bounds P(fit at N) for every method, and a data set
    that fails is certified unfittable by all such nets. Data set t at (seed, d, N) is the one `capacity run`
    fits; one linear program (HiGHS) per data set.

    Examples:

        depthlab capacity positivity -w 8 -n 12,16,23

        depthlab capacity positivity -w 16 -n 32,47 --instances 1000 --seed 21 --json

        depthlab capacity positivity -w 16 -n 60,63 --instances 10000   (certified negatives at L = 4)
    """
    ns = parse_int_list(points, "--points")
    d = 8 if width is None else int(width)
    if min(ns) < 1:
        raise ConfigError(f"--points must be ≥ 1, got {min(ns)}")
    if len(ns) * trials > MAX_DECISIONS:
        raise ConfigError(f"{len(ns)} values of N × {trials} data sets = {len(ns) * trials:,} linear programs, above "
                          f"{MAX_DECISIONS:,} per call; use fewer --instances or N")
    from depthlab.capacity.positivity import positivity_check

    table = positivity_check([(n, d) for n in ns], trials=trials, seed=seed)
    if json:
        emit_json({"width": d, "seed": seed, "cases": table.to_dict(orient="records")})
        return
    typer.echo(f"d = {d}, seed {seed}: target rows in an open half-space (LP) vs Wendel's P_W(N, d)")
    for r in table.itertuples():
        typer.echo(f"N={r.n_points:>4}  {r.feasible:>6}/{r.trials:<6} = {r.rate:.4f}   P_W = {r.wendel_p:.4g} "
                   f"(± {r.binomial_se:.3f})   binomial p = {r.pvalue:.3f}   P(fit) ≤ {r.cp_upper:.3g}"
                   f"{'  certified negative' if r.certified else ''}")
    typer.echo("P(fit at N) ≤ the feasible fraction for every bias-free ReLU/sigmoid net of width d, at any depth; "
               "the last column is its one-sided 95 % Clopper–Pearson bound, 'certified negative' where that is "
               "< 1e-3 over ≥ 2000 data sets.")
