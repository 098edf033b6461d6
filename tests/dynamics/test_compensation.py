"""Compensation: maximal-conductance sets with prescribed dynamic input conductances."""


import numpy as np
import pytest

from neurorecon.dynamics.compensation import achieved, compensate, generate_population
from neurorecon.dynamics.dic import conductance_names
from neurorecon.models import ModelError, get_model

STG = get_model("stg")
PARAMETERS = STG.parameters("spiking")
RANGES = {"gNa": (2000.0, 6000.0), "gKd": (70.0, 140.0), "gCaT": (3.0, 7.0), "gCaS": (6.0, 22.0),
          "gKCa": (140.0, 180.0), "gA": (50.0, 200.0), "gH": (0.1, 0.5), "gL": (0.007, 0.014)}


def drawn(free):
    return {name: bounds for name, bounds in RANGES.items() if name not in free}


# (gCaS, gH) move calcium, so the solve iterates; (gA, gH) do not, so one solve is exact
@pytest.mark.parametrize("free", [("gCaS", "gH"), ("gA", "gH")])
@pytest.mark.parametrize("g_s", [-6.0, 0.0, 3.0])
def test_kept_sets_reproduce_the_requested_dics(free, g_s):
    population = generate_population(STG, {"slow": g_s, "ultraslow": 5.0}, free, drawn(free), 2000, 7, PARAMETERS)
    assert len(population.conductances) > 500
    assert np.all(population.conductances >= 0)
    np.testing.assert_allclose(achieved(STG, population, PARAMETERS), population.targets, rtol=0, atol=1e-6)


def test_drawn_conductances_stay_in_their_ranges_and_the_seed_fixes_the_population():
    free = ("gCaS", "gH")
    first = generate_population(STG, {"slow": -2.0, "ultraslow": 5.0}, free, drawn(free), 500, 11, PARAMETERS)
    again = generate_population(STG, {"slow": -2.0, "ultraslow": 5.0}, free, drawn(free), 500, 11, PARAMETERS)
    np.testing.assert_array_equal(first.conductances, again.conductances)
    names = conductance_names(STG)
    for name, (low, high) in drawn(free).items():
        column = first.conductances[:, names.index(name)]
        assert column.min() >= low and column.max() <= high


def test_sets_needing_a_negative_conductance_are_dropped():
    # a strongly positive g_s needs a negative gCaS for most draws
    free = ("gCaS", "gH")
    population = generate_population(STG, {"slow": 6.0, "ultraslow": 5.0}, free, drawn(free), 2000, 1, PARAMETERS)
    g, settled = compensate(STG, np.array([[4000.0, 100.0, 5.0, 10.0, 160.0, 120.0, 0.3, 0.01]]),
                            {"slow": 6.0, "ultraslow": 5.0}, free, PARAMETERS)
    assert settled[0] and g[0, conductance_names(STG).index("gCaS")] < 0
    assert 0 < len(population.conductances) < 1000 and np.all(population.conductances >= 0)


def test_bad_requests_are_refused():
    with pytest.raises(ModelError, match="as many distinct free"):
        generate_population(STG, {"slow": 0.0, "ultraslow": 5.0}, ("gH",), RANGES, 10, 0)
    with pytest.raises(ModelError, match="leak"):
        generate_population(STG, {"slow": 0.0, "ultraslow": 5.0}, ("gL", "gH"), RANGES, 10, 0)
    with pytest.raises(ModelError, match="no range"):
        generate_population(STG, {"slow": 0.0, "ultraslow": 5.0}, ("gA", "gH"), {"gNa": (1.0, 2.0)}, 10, 0)
