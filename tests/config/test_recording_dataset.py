"""Recording datasets (kind: recording) in a study config: checked against the file itself."""

import pytest

from neurorecon.config import ConfigError, is_recording, validate_config
from neurorecon.recordings.resources import SHIPPED_DIR


def study(dataset=None, surrogates=None):
    config = {"datasets": {"cell": {"kind": "recording", "source": "171116sh_0018.abf",
                                    "train": {"values": [25.0, 125.0, 200.0, 300.0]}, **(dataset or {})}}}
    if surrogates is not None:
        config["surrogates"] = surrogates
    return config


def test_a_shipped_recording_is_found_by_name_and_defaults_filled():
    dataset = validate_config(study())["datasets"]["cell"]
    assert is_recording(dataset)
    assert dataset["source"] == str(SHIPPED_DIR / "171116sh_0018.abf")
    assert dataset["rate_hz"] == 5000 and dataset["channel"] is None


@pytest.mark.parametrize(("change", "expected"), [
    ({"source": "nowhere.abf"}, r"datasets.cell.source: no file 'nowhere.abf'"),
    ({"train": {"values": [25.0, 130.0]}}, r"datasets.cell.train.values: 171116sh_0018.abf: no sweep steps to training "
                                           r"amplitude\(s\) 130 pA"),
    ({"train": {"values": [25.0, 25.0]}}, r"datasets.cell.train.values: values repeat"),
    ({"channel": "IN 7"}, r"datasets.cell.channel: .*IN 7"),
    ({"rate_hz": 0}, r"datasets.cell.rate_hz"),
    ({"model": "hh"}, r"datasets.cell: Additional properties are not allowed \('model'"),
])
def test_bad_recording_datasets_name_the_key(change, expected):
    with pytest.raises(ConfigError, match=f"config key {expected}"):
        validate_config(study(change))


def test_a_file_that_is_not_a_recording_is_named(tmp_path):
    bogus = tmp_path / "notes.abf"
    bogus.write_text("not a recording")
    with pytest.raises(ConfigError, match=r"datasets.cell.source: notes.abf: not an ABF or NWB file"):
        validate_config(study({"source": str(bogus)}))


def test_a_template_is_for_recordings_only():
    simulated = {"datasets": {"hh": {"model": "hh", "train": {"values": [8.0]}, "heldout": {"start": 0, "stop": 20, "num": 5}}},
                 "surrogates": {"ode": {"kind": "hybrid_ode", "datasets": ["hh"], "settings": {"template": "hh"}}}}
    with pytest.raises(ConfigError, match=r"surrogates.ode.settings.template: is for recordings"):
        validate_config(simulated)
    with pytest.raises(ConfigError, match=r"surrogates.ode.settings.template: is a gates-mode setting"):
        validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"],
                                                  "settings": {"mode": "latent", "template": "hh"}}}))


def test_only_families_that_take_recordings_train_on_them():
    with pytest.raises(ConfigError, match=r"surrogates.map.datasets\[0\]: dataset 'cell' is a recording and family "
                                          r"'vae_map' cannot train on recorded sweeps"):
        validate_config(study(surrogates={"map": {"kind": "vae_map", "datasets": ["cell"]}}))
    with pytest.raises(ConfigError, match=r"surrogates.ode.settings.mode: a recording declares no channels; use mode: "
                                          r"latent, or gates mode with a template .* \(dataset 'cell'\)"):
        validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"]}}))
    with pytest.raises(ConfigError, match=r"surrogates.ode.settings.template: .*'morris'"):
        validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"],
                                                  "settings": {"template": "morris"}}}))
    with pytest.raises(ConfigError, match=r"surrogates.ode.settings.template: model 'stg' declares no voltage-gated"):
        validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"],
                                                  "settings": {"template": "stg"}}}))
    templated = validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"],
                                                          "settings": {"template": "hh", "learn_conductances": True}}}))
    assert templated["surrogates"]["ode"]["settings"]["template"] == "hh"
    ok = validate_config(study(surrogates={"ode": {"kind": "hybrid_ode", "datasets": ["cell"],
                                                   "settings": {"mode": "latent"}}}))
    assert ok["surrogates"]["ode"]["settings"]["mode"] == "latent"
