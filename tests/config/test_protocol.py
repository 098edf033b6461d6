"""Config `datasets.<name>.train.protocol`: per-model defaults filled in, bad input stopped naming the key."""

import copy

import pytest

from neurorecon.config import ConfigError, recorded_samples, training_protocol, validate_config

HH = {
    "datasets": {
        "hh": {
            "model": "hh",
            "train": {"values": [8.0, 12.0, 16.0], "protocol": {}},
            "heldout": {"start": 0.0, "stop": 20.0, "num": 5},
        }
    }
}


def _dataset(model, protocol, values, heldout, **extra):
    return {"datasets": {"d": {"model": model, "train": {"values": values, "protocol": protocol},
                               "heldout": heldout, **extra}}}


def _hh(**protocol):
    config = copy.deepcopy(HH)
    config["datasets"]["hh"]["train"]["protocol"] = protocol
    return config


def test_hh_defaults_come_from_the_model():
    protocol = validate_config(HH)["datasets"]["hh"]["train"]["protocol"]
    # holding 0 (inside I's range), step 2 x min_record, gap min_record, settle the model's transient
    assert protocol == {"holding": 0.0, "step": 80.0, "gap": 40.0, "repeats": 3, "settle": 100.0}
    assert HH["datasets"]["hh"]["train"]["protocol"] == {}  # the input is not modified


def test_given_keys_are_kept_and_nulls_take_defaults():
    protocol = validate_config(_hh(holding=1.5, step=100.0, gap=None, repeats=2))["datasets"]["hh"]["train"]["protocol"]
    assert protocol == {"holding": 1.5, "step": 100.0, "gap": 40.0, "repeats": 2, "settle": 100.0}


def test_settle_follows_the_datasets_transient():
    config = _hh()
    config["datasets"]["hh"]["simulation"] = {"transient": 30.0}
    assert validate_config(config)["datasets"]["hh"]["train"]["protocol"]["settle"] == 30.0


def test_holding_defaults_to_the_lower_end_when_zero_is_outside_the_range():
    config = _dataset("hindmarsh_rose", {}, [1.5, 2.0], {"start": 1.0, "stop": 4.0, "num": 3})
    protocol = validate_config(config)["datasets"]["d"]["train"]["protocol"]
    assert protocol["holding"] == 1.0 and protocol["step"] == 1200.0 and protocol["gap"] == 600.0


def test_no_protocol_is_constant_control():
    config = copy.deepcopy(HH)
    del config["datasets"]["hh"]["train"]["protocol"]
    dataset = validate_config(config)["datasets"]["hh"]
    assert dataset["train"]["protocol"] is None and training_protocol(dataset) is None
    assert recorded_samples(dataset) == 10_000  # the model's 1000 ms at 0.1 ms


def test_training_series_of_a_protocol_are_its_step_epochs():
    dataset = validate_config(HH)["datasets"]["hh"]
    assert training_protocol(dataset).step == 80.0
    assert recorded_samples(dataset) == 800


def test_srk_is_refused_because_its_control_is_not_a_current():
    config = _dataset("srk", {}, [-40.0], {"start": -48.0, "stop": -24.0, "num": 3})
    with pytest.raises(ConfigError, match=r"config key datasets\.d\.train\.protocol: model 'srk' is controlled by VS "
                                          r"\[mV\] .* not an injected current"):
        validate_config(config)


@pytest.mark.parametrize(
    ("protocol", "expected"),
    [
        ({"step": 20.0}, r"datasets\.hh\.train\.protocol\.step: 20 ms is shorter than the shortest classifiable "
                         r"record of model 'hh' \(min_record, 40 ms\).*classify"),
        ({"holding": -5.0}, r"datasets\.hh\.train\.protocol\.holding: -5 is outside the allowed range \[0, 20\] of I"),
        ({"holding": 25.0}, r"datasets\.hh\.train\.protocol\.holding: 25 is outside"),
        ({"gap": 0.0}, r"datasets\.hh\.train\.protocol\.gap: 0.0 is less than or equal to the minimum of 0"),
        ({"gap": 0.01}, r"datasets\.hh\.train\.protocol\.gap: 0.01 is shorter than one sampling interval \(0.1\)"),
        ({"step": -80.0}, r"datasets\.hh\.train\.protocol\.step: -80.0 is less than or equal to the minimum of 0"),
        ({"settle": -1.0}, r"datasets\.hh\.train\.protocol\.settle: -1.0 is less than the minimum of 0"),
        ({"repeats": 0}, r"datasets\.hh\.train\.protocol\.repeats: 0 is less than the minimum of 1"),
        ({"repeats": 2.0}, r"datasets\.hh\.train\.protocol\.repeats: 2.0 is not of type 'integer', 'null'"),
        ({"steps": 80.0}, r"datasets\.hh\.train\.protocol: Additional properties .*'steps'"),
    ],
)
def test_bad_protocol_names_the_key(protocol, expected):
    with pytest.raises(ConfigError, match=expected):
        validate_config(_hh(**protocol))


def test_a_family_window_is_checked_against_the_step_epochs():
    config = _hh(step=50.0)
    config["surrogates"] = {"vm": {"kind": "vae_map", "datasets": ["hh"], "settings": {"vae": {"embedding_dim": 150}}}}
    with pytest.raises(ConfigError, match=r"surrogates\.vm\.settings\.vae\.embedding_dim: .*held-back part of each "
                                          r"training series has 100 of its 500 samples"):
        validate_config(config)
