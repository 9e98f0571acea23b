"""Sweep specs: a study, fixed parameters and a parameter grid, expanded to content-hashed trials and packed jobs.

A spec is a TOML file (read with :mod:`tomllib`) or the same content from CLI options::

    study = "toy"                  # a sweepable study (depthlab sweep studies)
    max_trials_per_job = 32        # optional: cap on trials stacked into one job

    [params]                       # fixed parameters (override the study's defaults)
    steps = 200

    [grid]                         # every combination of these values is one trial
    width = [8, 16, 32]
    seed = [0, 1, 2, 3]

    [slurm]                        # optional: submitit / Slurm settings for --executor slurm
    partition = "gpu"

Every trial is the study's defaults updated by ``[params]`` and one grid point, plus ``study``; its key is
:func:`depthlab.seeding.config_hash` of that mapping, so it does not depend on the order of the grid, the
packing or the machine. Trials with the same :attr:`Sweepable.pack_key` are packed, in key order, into jobs of at most
``max_trials_per_job``; a job's key hashes its trials' keys.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depthlab.clikit import parse_int_list
from depthlab.errors import ConfigError
from depthlab.seeding import config_hash, to_jsonable
from depthlab.sweep.registry import Sweepable, get_sweepable

_TOP_KEYS = {"study", "name", "params", "grid", "max_trials_per_job", "device", "slurm", "ray"}


@dataclass(frozen=True)
class Trial:
    """One point of the grid: its full config and content hash."""

    config: Mapping[str, Any]
    key: str


@dataclass(frozen=True)
class Job:
    """Trials of one shape, run together as one stacked job.

    Attributes:
        study: the sweepable's name.
        key: content hash of the study and the trial keys (the shard's name).
        trials: the packed trials, in key order.
    """

    study: str
    key: str
    trials: tuple[Trial, ...]

    @property
    def configs(self) -> list[Mapping[str, Any]]:
        return [t.config for t in self.trials]

    def record(self) -> dict[str, Any]:
        """What the shard's JSON sidecar holds."""
        return {"study": self.study, "job": self.key, "trials": [dict(t.config) for t in self.trials],
                "trial_keys": [t.key for t in self.trials]}


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated sweep spec (see the module docstring for the TOML layout)."""

    study: str
    grid: Mapping[str, tuple[Any, ...]]
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    max_trials_per_job: int | None = None
    device: str = "auto"
    slurm: Mapping[str, Any] = field(default_factory=dict)
    ray: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Content hash of what the sweep computes (study, params, grid, packing); names its default
        folder."""
        return config_hash({"study": self.study, "params": dict(self.params),
                            "grid": {k: list(v) for k, v in self.grid.items()},
                            "max_trials_per_job": self.max_trials_per_job})

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"study": self.study, "name": self.name, "params": dict(self.params),
                            "grid": {k: list(v) for k, v in self.grid.items()},
                            "max_trials_per_job": self.max_trials_per_job, "device": self.device,
                            "slurm": dict(self.slurm), "ray": dict(self.ray)})

    @property
    def sweepable(self) -> Sweepable:
        return get_sweepable(self.study)


def spec_from_mapping(data: Mapping[str, Any], *, source: str = "spec") -> SweepSpec:
    """Validate a spec mapping (parsed TOML or built from CLI options).

    Raises:
        ConfigError: unknown study or key, empty grid, a parameter the study does not take, a value of the
            wrong type. The message names the problem and what to change.
    """
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s) {sorted(unknown)}; allowed: "
                          f"{sorted(_TOP_KEYS)}")
    study = data.get("study")
    if not isinstance(study, str) or not study:
        raise ConfigError(f"{source}: missing 'study = \"NAME\"' (the study to sweep; see depthlab sweep "
                          "studies)")
    sweepable = get_sweepable(study)
    params = _table(data, "params", source)
    grid_raw = _table(data, "grid", source)
    if not grid_raw:
        raise ConfigError(f"{source}: the [grid] table is empty; give at least one parameter with a list of "
                          f"values, e.g. [grid] seed = [0, 1, 2] (parameters of {study!r}: "
                          f"{', '.join(sweepable.defaults)})")
    grid: dict[str, tuple[Any, ...]] = {}
    for name, values in grid_raw.items():
        values = list(values) if isinstance(values, list | tuple) else [values]
        if not values:
            raise ConfigError(f"{source}: grid parameter {name!r} has no values; give a non-empty list")
        grid[name] = tuple(_check_param(sweepable, name, v, source) for v in values)
        if len(set(map(repr, grid[name]))) != len(grid[name]):
            raise ConfigError(f"{source}: grid parameter {name!r} repeats a value: {list(values)}")
    fixed = {k: _check_param(sweepable, k, v, source) for k, v in params.items()}
    both = set(fixed) & set(grid)
    if both:
        raise ConfigError(f"{source}: {sorted(both)} appear in both [params] and [grid]; keep each in one")
    mtpj = data.get("max_trials_per_job")
    if mtpj is not None and (not isinstance(mtpj, int) or isinstance(mtpj, bool) or mtpj < 1):
        raise ConfigError(f"{source}: max_trials_per_job must be a positive integer, got {mtpj!r}")
    device = check_device_spec(data.get("device", "auto"), source)
    name = data.get("name")
    return SweepSpec(study=study, grid=grid, params=fixed, name=str(name) if name is not None else None,
                     max_trials_per_job=mtpj, device=device, slurm=_table(data, "slurm", source),
                     ray=_table(data, "ray", source))


def check_device_spec(device: Any, source: str = "--device") -> str:
    """``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (checked for form only: the workers, not the driver, need it)."""
    if not isinstance(device, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?", device):
        raise ConfigError(f"{source}: device must be auto, cpu, cuda or cuda:N, got {device!r}")
    return device


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML sweep spec.

    Raises:
        ConfigError: the file is missing or is not valid TOML (with line and column), or the spec is invalid.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"sweep spec {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read sweep spec {str(path)!r}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sweep spec {str(path)!r} is not valid TOML: {exc}") from None
    return spec_from_mapping(data, source=str(path))


def parse_assignment(item: str, option: str) -> tuple[str, Any]:
    """Parse ``NAME=VALUE`` from the command line; VALUE is read as TOML (``8``, ``1e-3``, ``true``, ``[1,
    2]``) and falls back to a plain string."""
    name, sep, value = item.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f"{option} {item!r}: expected NAME=VALUE")
    try:
        return name, tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return name, value.strip()


def parse_grid_option(item: str) -> tuple[str, list[Any]]:
    """Parse ``--grid NAME=V1,V2,...`` (or ``NAME=[V1, V2]``, or integer ranges ``NAME=0-3,8`` as everywhere in
    the CLI, :func:`depthlab.clikit.parse_int_list`) into a name and its values."""
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"--grid {item!r}: expected NAME=V1,V2,... (e.g. --grid width=8,16)")
    value = value.strip()
    if not value:
        raise ConfigError(f"--grid {item!r}: no values given")
    if re.fullmatch(r"[\d\s,]*\d\s*-\s*\d[\d\s,-]*", value):
        return name.strip(), list(parse_int_list(value, f"--grid {name.strip()}", minimum=-(2**62)))
    if not value.startswith("["):
        value = "[" + value + "]"
    try:
        return name.strip(), list(tomllib.loads(f"v = {value}")["v"])
    except tomllib.TOMLDecodeError:
        return name.strip(), [v.strip() for v in value.strip("[]").split(",")]


def expand(spec: SweepSpec) -> list[Trial]:
    """Every grid point as a :class:`Trial` (defaults ← params ← grid point), in grid order."""
    sweepable = spec.sweepable
    names = list(spec.grid)
    trials = []
    for values in itertools.product(*(spec.grid[n] for n in names)):
        config = {**dict(sweepable.defaults), **dict(spec.params), **dict(zip(names, values, strict=True)),
                  "study": spec.study}
        config = to_jsonable(config)
        if sweepable.validate is not None:
            sweepable.validate(config)
        trials.append(Trial(config=config, key=config_hash(config)))
    return trials


def pack(spec: SweepSpec, trials: Sequence[Trial] | None = None) -> list[Job]:
    """Pack trials of the same shape into jobs of at most ``max_trials_per_job`` (deterministic order)."""
    sweepable = spec.sweepable
    trials = expand(spec) if trials is None else list(trials)
    cap = spec.max_trials_per_job or sweepable.max_trials_per_job
    groups: dict[str, list[Trial]] = {}
    for t in sorted(trials, key=lambda t: t.key):
        groups.setdefault(repr(sweepable.pack_key(t.config)), []).append(t)
    jobs = []
    for shape in sorted(groups):
        members = groups[shape]
        for lo in range(0, len(members), cap):
            chunk = tuple(members[lo:lo + cap])
            key = config_hash({"study": spec.study, "trials": [t.key for t in chunk]})
            jobs.append(Job(study=spec.study, key=key, trials=chunk))
    return jobs


def _table(data: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: {name!r} must be a table ([{name}] with NAME = VALUE lines)")
    return dict(value)


def _check_param(sweepable: Sweepable, name: str, value: Any, source: str) -> Any:
    if name == "study":
        raise ConfigError(f"{source}: 'study' is not a parameter; set it at the top of the spec")
    if name not in sweepable.defaults:
        raise ConfigError(f"{source}: study {sweepable.name!r} has no parameter {name!r}; its parameters are "
                          f"{', '.join(sweepable.defaults)}")
    default = sweepable.defaults[name]
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list | tuple)
        value = list(value) if ok else value
    else:
        ok = True
    if not ok:
        raise ConfigError(f"{source}: parameter {name!r} of study {sweepable.name!r} takes a "
                          f"{type(default).__name__} (default {default!r}), got {value!r}")
    return value
