"""Config `training_values` (the training-values study): design datasets added with evenly spaced
training values, trained by the base's surrogates; bad input stopped naming the key."""

import copy

import pytest

from neurorecon.config import ConfigError, control_values, validate_config
from neurorecon.config.training_values import designs

STUDY = {
    "datasets": {
        "hh": {
            "model": "hh",
            "train": {"values": [8.0, 12.0, 16.0], "protocol": {"step": 400.0}},  # long enough for the reservoir
            "heldout": {"start": 0.0, "stop": 20.0, "num": 41},
        },
        "fhn": {"model": "fitzhugh_nagumo", "train": {"values": [0.5, 0.8]}, "heldout": {"start": 0.0, "stop": 1.5, "num": 5}},
    },
    "surrogates": {
        "hybrid": {"kind": "hybrid_ode", "datasets": ["hh"]},
        "esn": {"kind": "reservoir", "datasets": ["fhn", "hh"]},
    },
    "training_values": {"hh": {"counts": [9, 3, 5], "span": [2.0, 18.0]}},
}


def _study(**entry):
    config = copy.deepcopy(STUDY)
    config["training_values"]["hh"].update(entry)
    return config


def test_each_count_adds_a_copy_of_the_base_with_evenly_spaced_values():
    config = validate_config(STUDY)
    assert control_values(config["datasets"]["hh_n3"], "train") == [2.0, 10.0, 18.0]
    assert control_values(config["datasets"]["hh_n5"], "train") == [2.0, 6.0, 10.0, 14.0, 18.0]
    assert control_values(config["datasets"]["hh_n9"], "train") == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
    base = config["datasets"]["hh"]
    assert control_values(base, "train") == [8.0, 12.0, 16.0]  # the base keeps its own values
    for name in ("hh_n3", "hh_n5", "hh_n9"):  # everything but the training values is the base's
        design = copy.deepcopy(config["datasets"][name])
        design["train"]["values"] = base["train"]["values"]
        assert design == base
    assert config["datasets"]["hh_n5"]["train"]["protocol"] == base["train"]["protocol"]
    assert "training_values" not in STUDY["datasets"]  # the input is not modified
    assert set(STUDY["datasets"]) == {"hh", "fhn"}


def test_every_surrogate_of_the_base_trains_on_its_designs_right_after_it():
    surrogates = validate_config(STUDY)["surrogates"]
    assert surrogates["hybrid"]["datasets"] == ["hh", "hh_n3", "hh_n5", "hh_n9"]
    assert surrogates["esn"]["datasets"] == ["fhn", "hh", "hh_n3", "hh_n5", "hh_n9"]


def test_designs_fewest_values_first_and_validation_twice_is_the_same():
    config = validate_config(STUDY)
    (hh,) = designs(config).values()
    assert [(d.count, d.dataset, d.base) for d in hh] == [(3, "hh_n3", "hh"), (5, "hh_n5", "hh"), (9, "hh_n9", "hh")]
    assert hh[1].values == (2.0, 6.0, 10.0, 14.0, 18.0)
    assert validate_config(config) == config
    assert designs(validate_config({k: v for k, v in STUDY.items() if k != "training_values"})) == {}


def test_a_span_of_fractions_gives_values_without_float_noise():
    config = copy.deepcopy(STUDY)
    config["training_values"] = {"fhn": {"counts": [4], "span": [0.1, 1.0]}}
    assert control_values(validate_config(config)["datasets"]["fhn_n4"], "train") == [0.1, 0.4, 0.7, 1.0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"span": [18.0, 2.0]}, r"training_values\.hh\.span: the first end \(18.0\) must be below the second \(2.0\)"),
        ({"span": [-500.0, 18.0]}, r"training_values\.hh\.span\[0\]: -500.0 is outside the allowed range"),
        ({"span": [2.0]}, r"training_values\.hh\.span: \[2.0\] is too short"),
        ({"counts": [1, 3]}, r"training_values\.hh\.counts\[0\]: 1 is less than the minimum of 2"),
        ({"counts": [3, 3]}, r"training_values\.hh\.counts: \[3, 3\] has non-unique elements"),
        ({"counts": [3.0]}, r"training_values\.hh\.counts\[0\]: 3.0 is not of type 'integer'"),
        ({"step": 1}, r"training_values\.hh: Additional properties are not allowed \('step' was unexpected\)"),
    ],
)
def test_bad_entries_are_refused_naming_the_key(change, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(_study(**change))


def test_an_unknown_base_is_refused_listing_the_datasets():
    config = copy.deepcopy(STUDY)
    config["training_values"] = {"srk": {"counts": [3], "span": [-46.0, -30.0]}}
    with pytest.raises(ConfigError, match=r"training_values\.srk: unknown dataset 'srk'; datasets: fhn, hh"):
        validate_config(config)


def test_a_design_name_taken_by_another_dataset_is_refused():
    config = copy.deepcopy(STUDY)
    config["datasets"]["hh_n5"] = copy.deepcopy(config["datasets"]["fhn"])
    with pytest.raises(ConfigError, match=r"training_values\.hh\.counts: the design with 5 values is named 'hh_n5', "
                                          r"which is already a dataset"):
        validate_config(config)


def test_a_recording_is_not_a_base(tmp_path):
    config = copy.deepcopy(STUDY)
    config["datasets"]["cell"] = {"kind": "recording", "source": "171116sh_0018.abf", "train": {"values": [25.0]}}
    config["training_values"] = {"cell": {"counts": [3], "span": [25.0, 300.0]}}
    with pytest.raises(ConfigError, match=r"training_values\.cell: dataset 'cell' is of kind 'recording'; the "
                                          "training-values study varies the training values of simulated datasets"):
        validate_config(config)
