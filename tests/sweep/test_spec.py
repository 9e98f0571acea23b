"""Spec parsing, grid expansion, content hashes and packing."""

from __future__ import annotations

from pathlib import Path

import pytest

from depthlab.errors import ConfigError
from depthlab.matexp.depth import DepthTableConfig
from depthlab.seeding import config_hash
from depthlab.sweep import expand, load_spec, pack, spec_from_mapping
from depthlab.sweep.spec import parse_assignment, parse_grid_option


def test_expansion_is_the_full_product_with_defaults(small_spec):
    trials = expand(small_spec)
    assert len(trials) == 6
    grid = {(w, s) for w in (3, 5) for s in (0, 1, 2)}
    assert {(t.config["width"], t.config["seed"]) for t in trials} == grid
    for t in trials:
        assert t.config["steps"] == 50 and t.config["fail"] is False and t.config["study"] == "toy"
        assert t.key == config_hash(t.config)


def test_trial_hashes_do_not_depend_on_grid_order_or_spelling():
    a = spec_from_mapping({"study": "toy", "grid": {"width": [3, 5], "seed": [0, 1]}})
    b = spec_from_mapping({"study": "toy", "grid": {"seed": [1, 0], "width": [5, 3]}})
    c = spec_from_mapping({"study": "toy", "params": {"steps": 100},
                           "grid": {"seed": [0, 1], "width": [3, 5]}})
    keys = {t.key for t in expand(a)}
    assert keys == {t.key for t in expand(b)}
    assert keys == {t.key for t in expand(c)}  # steps = 100 is the default: same trials
    assert {j.key for j in pack(a)} == {j.key for j in pack(b)}
    # a different value is a different trial
    d = spec_from_mapping({"study": "toy", "params": {"steps": 101},
                           "grid": {"seed": [0, 1], "width": [3, 5]}})
    assert keys.isdisjoint({t.key for t in expand(d)})


def test_float_parameters_hash_the_same_from_int_or_float():
    a = spec_from_mapping({"study": "matexp-depth", "params": {"tol": 1}, "grid": {"n": [1]}})
    b = spec_from_mapping({"study": "matexp-depth", "params": {"tol": 1.0}, "grid": {"n": [1]}})
    assert expand(a)[0].key == expand(b)[0].key


def test_packing_groups_shapes_and_caps_job_size(small_spec):
    jobs = pack(small_spec)
    assert sorted(len(j.trials) for j in jobs) == [1, 1, 2, 2]
    for j in jobs:
        assert len({(t.config["width"], t.config["steps"]) for t in j.trials}) == 1
        assert j.key == config_hash({"study": "toy", "trials": [t.key for t in j.trials]})
    assert sorted(t.key for j in jobs for t in j.trials) == sorted(t.key for t in expand(small_spec))


def test_matexp_trial_hash_matches_depth_table_shards():
    """A matexp-depth trial is DepthTableConfig.cell(...), so sweep shards and depth_table shards agree."""
    spec = spec_from_mapping({"study": "matexp-depth",
                              "params": {"instances": 3, "restarts": 5, "max_iter": 40},
                              "grid": {"depth": [2], "d": [3], "n": [1, 2], "seed": [7]}})
    cfg = DepthTableConfig(instances=3, restarts=5, max_iter=40, seed=7)
    assert {t.key for t in expand(spec)} == {config_hash(cfg.cell(2, 3, n)) for n in (1, 2)}


def test_toml_spec_round_trip(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('study = "toy"\nmax_trials_per_job = 3\n[params]\nsteps = 20\n[grid]\nwidth = [2, 4]\n'
                    "seed = [0, 1, 2]\n[slurm]\ncluster = \"local\"\n")
    spec = load_spec(path)
    assert spec.max_trials_per_job == 3 and spec.slurm == {"cluster": "local"}
    assert len(expand(spec)) == 6 and [len(j.trials) for j in pack(spec)] == [3, 3]


@pytest.mark.parametrize(("data", "match"), [
    ({"study": "nope", "grid": {"seed": [0]}}, "unknown study 'nope'.*toy"),
    ({"grid": {"seed": [0]}}, "missing 'study"),
    ({"study": "toy"}, r"\[grid\] table is empty"),
    ({"study": "toy", "grid": {}}, r"\[grid\] table is empty"),
    ({"study": "toy", "grid": {"seed": []}}, "'seed' has no values"),
    ({"study": "toy", "grid": {"sede": [0]}}, "no parameter 'sede'.*width, steps, seed"),
    ({"study": "toy", "grid": {"width": ["a"]}}, "'width' of study 'toy' takes a int"),
    ({"study": "toy", "grid": {"width": [2, 2]}}, "repeats a value"),
    ({"study": "toy", "grid": {"seed": [0]}, "params": {"seed": 1}}, "both"),
    ({"study": "toy", "grid": {"seed": [0]}, "gird": {}}, "unknown top-level key"),
    ({"study": "toy", "grid": {"seed": [0]}, "max_trials_per_job": 0}, "positive integer"),
    ({"study": "toy", "grid": {"width": [0]}}, "width must be >= 1"),
    ({"study": "toy", "grid": {"seed": [0]}, "device": "gpu"}, "device must be auto, cpu, cuda or cuda:N"),
])
def test_bad_specs_name_the_problem(data, match):
    with pytest.raises(ConfigError, match=match):
        expand(spec_from_mapping(data))


def test_malformed_toml_reports_the_position(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('study = "toy"\n[grid]\nwidth = [2, 4\nseed = [0]\n')
    with pytest.raises(ConfigError, match=r"bad.toml' is not valid TOML: .*line 4"):
        load_spec(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_spec(tmp_path / "missing.toml")


def test_cli_grid_and_set_parsing():
    assert parse_grid_option("width=8,16") == ("width", [8, 16])
    assert parse_grid_option("tol=[1e-8, 1e-10]") == ("tol", [1e-8, 1e-10])
    assert parse_grid_option("name=a,b") == ("name", ["a", "b"])
    assert parse_assignment("fail=true", "--set") == ("fail", True)
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_assignment("width", "--set")
    with pytest.raises(ConfigError, match="no values"):
        parse_grid_option("width=")


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[2] / "examples").glob("sweep-*.toml")),
                         ids=lambda p: p.name)
def test_example_specs_load_and_expand(path):
    spec = load_spec(path)
    jobs = pack(spec)
    assert jobs and sum(len(j.trials) for j in jobs) == len(expand(spec))
