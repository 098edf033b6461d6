"""Study configuration: defaults filled in, and every invalid config stopped with its key named."""

import copy
from pathlib import Path

import pytest
import yaml

from neurorecon.config import DEFAULT_SCHEMA, ConfigError, chunks, control_values, load_yaml, validate_config
from neurorecon.config.training_values import designs as training_value_designs

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = DEFAULT_SCHEMA

VALID = {
    "datasets": {
        "srk": {
            "model": "srk",
            "train": {"values": [-40.0, -38.0]},
            "heldout": {"start": -48.0, "stop": -24.0, "num": 5},
            "simulation": {"values_per_chunk": 2},
        }
    }
}


def _with(path: str, value):
    config = copy.deepcopy(VALID)
    node = config
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return config


_DELETE = object()


def test_defaults_are_filled_in():
    config = validate_config(VALID, SCHEMA)
    srk = config["datasets"]["srk"]
    assert config["seed"] == 0
    assert srk["parameter_set"] is None and srk["parameters"] == {}
    assert srk["simulation"]["n_ic"] == 4 and srk["simulation"]["dt"] is None
    assert "seed" not in VALID  # the input is not modified


OVERRIDES = {"paper_tiny.yaml"}
"""Shipped files that only shrink another config; tests/workflow/test_paper_config.py validates
paper_tiny.yaml merged over config.yaml and paper.yaml, as Snakemake merges them."""


def test_shipped_configs_are_valid():
    for path in (ROOT / "config").glob("*.yaml"):
        if path.name not in OVERRIDES:
            validate_config(load_yaml(path), SCHEMA)


def test_the_shrinking_override_is_valid_over_the_paper_study():
    from snakemake.utils import update_config

    config = load_yaml(ROOT / "config" / "config.yaml")
    for name in ("paper.yaml", *sorted(OVERRIDES)):
        update_config(config, load_yaml(ROOT / "config" / name))
    validate_config(config, SCHEMA)


@pytest.mark.parametrize("name", sorted(path.stem for path in (ROOT / "config" / "experiments").glob("*.yaml")))
def test_experiment_overrides_are_valid_over_the_default_study(name):
    """An override is merged over config/config.yaml the way Snakemake merges --configfile files."""
    from snakemake.utils import update_config

    default = load_yaml(ROOT / "config" / "config.yaml")
    config = copy.deepcopy(default)
    update_config(config, load_yaml(ROOT / "config" / "experiments" / f"{name}.yaml"))
    merged = validate_config(config, SCHEMA)
    designs = {d.dataset for base in training_value_designs(merged).values() for d in base}
    if name == "training_values":  # the study on srk and hh, one seed
        assert merged["surrogates"]["vae_map"]["seeds"] == [0] and designs
    elif name == "srk_ensemble":  # a second vae_map entry beside the default's
        assert merged["surrogates"]["vae_map"]["seeds"] == [0, 1, 2]
        assert merged["surrogates"]["vae_map_ensemble"]["settings"]["map"]["ensemble"] == 3
    else:
        assert merged["surrogates"]["vae_map"]["seeds"] == [0, 1, 2, 3, 4, 5]
    assert set(merged["datasets"]) == set(default["datasets"]) | designs


def test_heldout_grid_and_chunks():
    srk = validate_config(VALID, SCHEMA)["datasets"]["srk"]
    assert control_values(srk, "heldout") == [-48.0, -42.0, -36.0, -30.0, -24.0]
    assert chunks(srk, "heldout") == [[-48.0, -42.0], [-36.0, -30.0], [-24.0]]
    assert chunks(srk, "train") == [[-40.0, -38.0]]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("datasets.srk.model", "nosuchmodel", r"datasets\.srk\.model: unknown model 'nosuchmodel'"),
        ("datasets.srk.parameter_set", "snic", r"datasets\.srk\.parameter_set: .*no parameter set 'snic'"),
        ("datasets.srk.parameters", {"gX": 1.0}, r"datasets\.srk\.parameters: .*no parameter 'gX'"),
        ("datasets.srk.parameters", {"VS": -40.0}, r"datasets\.srk\.parameters\.VS: this is the control"),
        ("datasets.srk.train.values", [], r"datasets\.srk\.train\.values: \[\] should be non-empty"),
        ("datasets.srk.train.values", ["a"], r"datasets\.srk\.train\.values\[0\]: 'a' is not of type"),
        ("datasets.srk.train.values", [-60.0], r"datasets\.srk\.train\.values\[0\]: -60.0 is outside"),
        ("datasets.srk.train.values", [-40.0, -40.0], r"datasets\.srk\.train\.values: values repeat"),
        ("datasets.srk.train", _DELETE, r"datasets\.srk: 'train' is a required property"),
        ("datasets.srk.heldout.start", -20.0, r"datasets\.srk\.heldout: start \(-20.0\) must be below stop"),
        ("datasets.srk.heldout.stop", -10.0, r"datasets\.srk\.heldout\.stop: -10.0 is outside"),
        ("datasets.srk.heldout.num", 1, r"datasets\.srk\.heldout\.num: 1 is less than the minimum of 2"),
        ("datasets.srk.simulation.duration", -5.0, r"datasets\.srk\.simulation\.duration: -5.0 is less than"),
        ("datasets.srk.simulation.transient", -1.0, r"datasets\.srk\.simulation\.transient"),
        ("datasets.srk.simulation.n_ic", 2.5, r"datasets\.srk\.simulation\.n_ic: 2.5 is not of type"),
        ("datasets.srk.simulation.sample_dt", 0.0015, r"datasets\.srk\.simulation: sample_dt .* multiple of dt"),
        ("datasets.srk.simulation.typo", 1, r"datasets\.srk\.simulation: Additional properties"),
        ("datasets", {}, r"datasets: \{\} should be non-empty"),
        ("seed", -1, r"seed: -1 is less than the minimum of 0"),
        # whole numbers written as floats, caught before any job (they became seed0.0 paths or TypeErrors)
        ("seed", 1.0, r"^config key seed: 1.0 is not of type 'integer'"),
        ("datasets.srk.simulation.n_ic", 4.0, r"datasets\.srk\.simulation\.n_ic: 4.0 is not of type 'integer'"),
        ("datasets.srk.heldout.num", 41.0, r"datasets\.srk\.heldout\.num: 41.0 is not of type 'integer'"),
        ("datasets.srk.simulation.values_per_chunk", 14.0, r"values_per_chunk: 14.0 is not of type 'integer'"),
        ("seed", 2**32, r"seed: 4294967296 is greater than the maximum of 4294967295"),
        # a parameter that makes the model singular; a record too short to classify
        ("datasets.srk.parameters", {"thn": 0.0}, r"datasets\.srk\.parameters: .*'thn' = 0 must be > 0"),
        ("datasets.srk.simulation.duration", 20.0,
         r"datasets\.srk\.simulation\.duration: 20 s is too short to classify regimes of model 'srk'; "
         r"it needs at least 40 s"),
    ],
)
def test_invalid_config_names_the_key(path, value, expected):
    with pytest.raises(ConfigError, match=expected):
        validate_config(_with(path, value), SCHEMA)


def test_yaml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("datasets:\n  srk: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml.*not valid YAML"):
        load_yaml(path)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nothere.yaml"):
        load_yaml(tmp_path / "nothere.yaml")


def test_yaml_round_trip_of_valid_config(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert validate_config(load_yaml(path), SCHEMA)["datasets"]["srk"]["model"] == "srk"


def test_duplicate_keys_are_refused_with_file_and_line(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("datasets:\n  fhn: {model: hh}\n  fhn: {model: srk}\n")
    with pytest.raises(ConfigError, match=r"(?s)dup.yaml.*duplicate key 'fhn'.*line 3"):
        load_yaml(path)


SURROGATE = {"surrogates": {"vae_map": {"kind": "vae_map", "datasets": ["srk"]}}}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("seeds", [0.0], r"surrogates\.vae_map\.seeds\[0\]: 0.0 is not of type 'integer'"),
        ("seeds", [2**40], r"seeds\[0\]: 1099511627776 is greater than the maximum of 4294967295"),
        ("device", "tpu", r"surrogates\.vae_map\.device: 'tpu' does not match"),
        ("gpus", 1.0, r"surrogates\.vae_map\.gpus: 1.0 is not of type 'integer'"),
        ("settings", {"vae": {"embedding_dim": 20000}},
         r"surrogates\.vae_map\.settings\.vae\.embedding_dim: the delay window spans 39999 samples .* "
         r"held-back part of each training series has 12000 of its 60000 samples"),
        # an ensemble of three maps cannot share the default sweep's two initial states evenly
        ("settings", {"map": {"ensemble": 3}},
         r"surrogates\.vae_map\.sweep\.n_ic: must be a multiple of settings\.map\.ensemble \(3\) so that every "
         r"member runs as many initial states, got 2"),
        # a sweep too short for the classifier would be trained for and then refused: srk needs 40 s
        ("sweep", {"n_steps": 300},
         r"surrogates\.vae_map\.sweep\.n_steps: 300 samples of 0\.01 s record 3 s, shorter than the 40 s the "
         r"classifier needs for a regime of model 'srk' \(dataset 'srk'\); use at least 4000"),
    ],
)
def test_invalid_surrogate_entry_names_the_key(key, value, expected):
    config = {**copy.deepcopy(VALID), **copy.deepcopy(SURROGATE)}
    config["surrogates"]["vae_map"][key] = value
    with pytest.raises(ConfigError, match=expected):
        validate_config(config, SCHEMA)


def test_seed_limit_of_the_schema_is_the_models_limit():
    from neurorecon.models.base import MAX_SEED

    schema = yaml.safe_load(SCHEMA.read_text())
    assert schema["properties"]["seed"]["maximum"] == MAX_SEED
    assert schema["$defs"]["surrogate"]["properties"]["seeds"]["items"]["maximum"] == MAX_SEED


def test_validating_a_study_imports_no_family_surrogate_and_no_torch():
    import subprocess
    import sys

    code = ("import sys; from neurorecon.config import load_yaml, validate_config; "
            f"validate_config(load_yaml({str(ROOT / 'config' / 'config.yaml')!r})); "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.endswith('vae_map.family')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def _schema_keys(node, found=None):
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.add(key)
            _schema_keys(value, found)
        for value in node.get("$defs", {}).values():
            _schema_keys(value, found)
        if isinstance(node.get("additionalProperties"), dict):
            _schema_keys(node["additionalProperties"], found)
    return found


def test_every_key_of_the_schema_is_documented_in_the_config_readme():
    documented = (ROOT / "config" / "README.md").read_text()
    missing = sorted(key for key in _schema_keys(yaml.safe_load(SCHEMA.read_text())) if f"`{key}" not in documented
                     and f".{key}`" not in documented)
    assert missing == []


def test_every_shared_settings_field_is_documented_in_the_config_readme():
    import dataclasses

    from neurorecon.surrogates.settings import CheckSettings, SweepSettings

    documented = (ROOT / "config" / "README.md").read_text()
    for settings in (SweepSettings, CheckSettings):
        missing = [f.name for f in dataclasses.fields(settings) if f"`{f.name}`" not in documented]
        assert missing == [], settings.__name__
