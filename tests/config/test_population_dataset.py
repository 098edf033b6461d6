"""Population datasets (kind: population) in a study config: a g_s grid (units of g_L, not the
model's control range), g_u fixed, twins per value = simulation.n_ic, drawn by compensation."""

import copy
import json

import pytest

from neurorecon.config import ConfigError, dic_population, is_population, is_recording, validate_config

RANGES = {"gNa": [2000, 6000], "gKd": [70, 140], "gCaT": [3, 7], "gKCa": [140, 180], "gA": [50, 200],
          "gL": [0.007, 0.014]}
DATASET = {
    "kind": "population", "model": "stg", "parameter_set": "spiking",
    "population": {"g_u": 5.0, "free": ["gCaS", "gH"], "ranges": RANGES, "draws": 200},
    "heldout": {"start": -4.0, "stop": 4.0, "num": 3},
    "simulation": {"n_ic": 3, "duration": 400.0},
}


def study(change=None, population=None, surrogates=None):
    dataset = {**copy.deepcopy(DATASET), **(change or {})}
    dataset["population"].update(population or {})
    config = {"datasets": {"stg_dic": dataset}}
    if surrogates is not None:
        config["surrogates"] = surrogates
    return config


def test_a_population_is_validated_with_defaults_and_g_s_outside_the_control_range():
    config = study()
    del config["datasets"]["stg_dic"]["population"]["draws"]
    dataset = validate_config(config)["datasets"]["stg_dic"]
    assert is_population(dataset) and not is_recording(dataset)
    assert dataset["population"]["draws"] == 1000 and dataset["simulation"]["values_per_chunk"] == 16
    assert dataset["parameters"] == {}
    # g_s = +-4 lies outside the model's control range (I in [-0.5, 0.5]): not checked against it
    population = dic_population(dataset)
    assert population.control == "slow" and population.symbol == "g_s" and population.fixed == {"ultraslow": 5.0}
    assert population.free == ("gCaS", "gH") and population.ranges["gNa"] == (2000.0, 6000.0)
    # the JSON the store records does not depend on how the YAML wrote its numbers
    written = copy.deepcopy(dataset)
    written["population"]["ranges"] = {k: [float(v) for v in b] for k, b in reversed(RANGES.items())}
    assert dic_population(written).to_json() == population.to_json()
    assert json.loads(population.to_json())["free"] == ["gCaS", "gH"]


@pytest.mark.parametrize(("change", "population", "expected"), [
    ({"model": "hh"}, {}, r"datasets.stg_dic.model: model 'hh' declares no channels with DIC time scales"),
    ({"parameters": {"gNa": 3000.0}}, {}, r"datasets.stg_dic.parameters.gNa: a maximal conductance is drawn"),
    ({}, {"free": ["gCaS", "gX"]}, r"datasets.stg_dic.population.free\[1\]: 'gX' is not a maximal conductance"),
    ({}, {"free": ["gL", "gH"]}, r"datasets.stg_dic.population.free\[0\]: the leak conductance 'gL' normalises"),
    ({}, {"free": ["gCaS"]}, r"datasets.stg_dic.population.free: \['gCaS'\] is too short"),
    ({}, {"ranges": {k: v for k, v in RANGES.items() if k != "gA"}}, r"datasets.stg_dic.population.ranges: no range for gA"),
    ({}, {"ranges": {**RANGES, "gH": [0.1, 0.5]}}, r"datasets.stg_dic.population.ranges.gH: not a drawn conductance"),
    ({}, {"ranges": {**RANGES, "gA": [200, 50]}}, r"datasets.stg_dic.population.ranges.gA: low \(200\) must not exceed high"),
    ({"heldout": {"start": -4.0, "stop": 40.0, "num": 3}}, {},
     r"datasets.stg_dic.heldout.stop: g_s = 40: only 0 of 200 drawn sets have no negative conductance"),
    ({"heldout": {"start": 4.0, "stop": -4.0, "num": 3}}, {}, r"datasets.stg_dic.heldout: start \(4.0\) must be below"),
    ({"simulation": {"n_ic": 3, "duration": 300.0}}, {}, r"datasets.stg_dic.simulation.duration: 300 ms is too short"),
    ({"train": {"values": [1.0]}}, {}, r"datasets.stg_dic: Additional properties are not allowed \('train'"),
])
def test_bad_population_datasets_name_the_key(change, population, expected):
    with pytest.raises(ConfigError, match=f"config key {expected}"):
        validate_config(study(change, population))


def test_no_surrogate_trains_on_a_population():
    surrogates = {"vae_map": {"kind": "vae_map", "datasets": ["stg_dic"]}}
    with pytest.raises(ConfigError, match=r"surrogates.vae_map.datasets\[0\]: dataset 'stg_dic' is a population"):
        validate_config(study(surrogates=surrogates))
