"""Degenerate populations as ensembles: twins by compensation, simulated, stored and classified,
against the DIC prediction (g_s < 0 bursting, g_s > 0 tonic spiking)."""

from dataclasses import replace

import numpy as np
import pytest

from neurorecon.dynamics.compensation import Population, achieved
from neurorecon.dynamics.dic import conductance_names
from neurorecon.dynamics.dic_map import dic_regime_table
from neurorecon.dynamics.regimes import Regime, classify_trajectories
from neurorecon.io.stores import StoreError, read_dataset
from neurorecon.models import ModelError, get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.population import (
    DicPopulation,
    population_dataset,
    simulate_population,
    simulate_population_to_store,
    twin_conductances,
)
from neurorecon.simulate.to_store import merge_trajectories, mismatches, trajectories_dataset

STG = get_model("stg")
PARAMETERS = STG.parameters("spiking")
POPULATION = DicPopulation(
    control="slow", fixed={"ultraslow": 5.0}, free=("gCaS", "gH"),
    ranges={"gNa": (2000.0, 6000.0), "gKd": (70.0, 140.0), "gCaT": (3.0, 7.0), "gKCa": (140.0, 180.0),
            "gA": (50.0, 200.0), "gL": (0.007, 0.014)},
    draws=200,
)


def test_twins_hit_their_value_and_do_not_depend_on_the_grid():
    values = [-3.0, 2.0]
    g = twin_conductances(STG, POPULATION, values, 4, 5, PARAMETERS)
    alone = twin_conductances(STG, POPULATION, [2.0], 4, 5, PARAMETERS)
    np.testing.assert_array_equal(g[1], alone[0])
    assert not np.allclose(g, twin_conductances(STG, POPULATION, values, 4, 6, PARAMETERS))  # another seed
    for i, value in enumerate(values):
        twins = Population(conductance_names(STG), g[i], np.tile([value, 5.0], (4, 1)), ("slow", "ultraslow"), 4)
        np.testing.assert_allclose(achieved(STG, twins, PARAMETERS), twins.targets, atol=1e-6)
    assert len({tuple(row) for row in g[0]}) == 4  # degenerate: four different sets


def test_a_value_without_enough_nonnegative_twins_is_refused():
    with pytest.raises(ModelError, match="g_s = 40: only 0 of 200"):
        twin_conductances(STG, POPULATION, [40.0], 4, 0, PARAMETERS)


def test_the_truth_stage_of_a_population_matches_the_dic_prediction():
    # measured with 6 twins over 2 s: every twin bursts at g_s <= -1 and spikes tonically at
    # g_s >= 1; at g_s = 0, 5 of 6 burst
    values = [-4.0, -1.0, 2.0]
    spec = SimulationSpec(values, n_ic=3, seed=0, parameter_set="spiking", transient=600.0, duration=600.0)
    result, conductances = simulate_population(STG, spec, POPULATION, seed=0)
    ds = population_dataset(STG, result, conductances, POPULATION, "spiking", {"seed": 0})
    assert ds["V"].dims == ("param", "ic", "time") and ds["conductance"].dims == ("param", "ic", "channel")
    assert ds.attrs["control"] == "g_s" and list(ds["param"].values) == values
    gh = list(ds["channel"].values).index("gH")
    np.testing.assert_array_equal(ds["conductance"].values[..., gh], conductances[..., gh])

    regimes = classify_trajectories(ds)
    table = dic_regime_table(ds["param"].values, regimes["regime"].values)
    assert list(table["predicted"]) == ["bursting", "bursting", "tonic_spiking"]
    assert list(table["fraction_bursting"]) == [1.0, 1.0, 0.0]
    assert list(table["agreement"]) == [1.0, 1.0, 1.0]
    assert np.all(regimes["regime"].values[:2] == Regime.BURSTING)


SHORT = {"n_ic": 2, "seed": 0, "parameter_set": "spiking", "transient": 0.0, "duration": 5.0}


@pytest.fixture(scope="module")
def chunk_stores(tmp_path_factory):
    """Two population chunk stores of 5 ms (g_s -2, 1 and 3), written by simulate_population_to_store."""
    root = tmp_path_factory.mktemp("population")
    paths = []
    for name, values in (("a", [1.0, -2.0]), ("b", [3.0])):
        spec = SimulationSpec(values, **SHORT)
        paths.append(simulate_population_to_store("stg", spec, POPULATION, 0, root / f"{name}.zarr", {"seed": 0}))
    return paths


def test_population_chunks_merge_with_their_conductances(chunk_stores):
    parts = [read_dataset(path, kind="trajectories") for path in chunk_stores]
    merged = merge_trajectories(parts)
    assert list(merged["param"].values) == [-2.0, 1.0, 3.0]
    assert merged["conductance"].dims == ("param", "ic", "channel")
    np.testing.assert_array_equal(merged["conductance"].sel(param=3.0).values, parts[1]["conductance"].values[0])
    np.testing.assert_array_equal(merged["conductance"].sel(param=-2.0).values,
                                  twin_conductances(STG, POPULATION, [-2.0], 2, 0, PARAMETERS)[0])
    assert merged.attrs["population"] == POPULATION.to_json()
    other = parts[1].copy()
    other.attrs["population"] = replace(POPULATION, fixed={"ultraslow": 4.0}).to_json()
    with pytest.raises(StoreError, match="disagree on 'population'"):
        merge_trajectories([parts[0], other])
    plain = trajectories_dataset(STG, simulate(STG, SimulationSpec([0.1], **SHORT)), "spiking", {"seed": 0})
    with pytest.raises(StoreError, match="disagree on 'control'"):
        merge_trajectories([parts[0], plain])


def test_mismatches_name_a_changed_population(chunk_stores):
    ds = read_dataset(chunk_stores[0], kind="trajectories")
    spec = SimulationSpec([-2.0, 1.0], **SHORT)
    assert mismatches(ds, "stg", spec, population=POPULATION) == []
    changed = replace(POPULATION, draws=300)
    assert mismatches(ds, "stg", spec, population=changed) == [
        f"population {POPULATION.to_json()}, the dataset's is {changed.to_json()}"]
    assert mismatches(ds, "stg", SimulationSpec([-2.0, 2.0], **{**SHORT, "n_ic": 3}), population=POPULATION) == [
        "g_s values [-2.0, 1.0], the dataset's are [-2.0, 2.0]", "2 twins, the dataset's n_ic is 3"]
    assert mismatches(ds, "stg", spec) == [f"it holds a population ({POPULATION.to_json()}), the dataset is an "
                                           "ensemble of one model"]


def test_lyapunov_estimates_of_a_population_run_each_twin_with_its_own_conductances(chunk_stores, monkeypatch):
    import neurorecon.dynamics.regimes as regimes

    seen = {}

    def record(rhs, y0, params, *args, **kwargs):
        seen["params"] = params
        raise RuntimeError("recorded")

    monkeypatch.setattr(regimes, "lyapunov_ode", record)  # either integrator's estimator
    monkeypatch.setattr(regimes, "lyapunov_ode_adaptive", record)
    ds = read_dataset(chunk_stores[0], kind="trajectories")
    with pytest.raises(RuntimeError, match="recorded"):
        regimes.lyapunov_for_store(ds, duration=20.0)
    params = seen["params"].reshape(2, 2, -1)
    for c, name in enumerate(ds["channel"].values):
        np.testing.assert_array_equal(params[..., STG.parameter_names.index(name)], ds["conductance"].values[..., c])
    assert np.all(params[..., STG.parameter_names.index("I")] == 0.0)  # g_s is no parameter
