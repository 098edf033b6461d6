"""Dynamic input conductances from a model's channel declaration (Drion et al., eNeuro 2015)."""

import numpy as np
import pytest

from neurorecon.dynamics.dic import _shares, conductance_names, dics, sensitivity, threshold_voltage
from neurorecon.models import ModelError, get_model

STG = get_model("stg")
NAMES = conductance_names(STG)


def conductances(set_name, **changes):
    p = STG.parameters(set_name, changes)
    return p, np.array([[p[name] for name in NAMES]])


def steady_state_current(p, v):
    """I_ss(V) (µA/cm²) of the STG model with every gate and calcium at equilibrium, written out
    from the model's equations independently of the declaration's derivatives."""
    channels = STG.channels
    x = {gate.name: gate.steady_state(v, p, np) for gate in channels.gates}
    current = {c.name: p[c.conductance] * np.prod([x[g] ** k for g, k in c.gates], axis=0) * (v - p[c.reversal])
               for c in channels.currents if c.name != "KCa"}
    ca = p["Ca_base"] - p["fCa"] * (current["CaT"] + current["CaS"])
    current["KCa"] = p["gKCa"] * (x["mKCa"] * ca / (ca + 3.0)) ** 4 * (v - p["EK"])
    return sum(current.values())


# Spike2Pop's DICs function (github.com/julienbrandoit/Spike2Pop, sources/script/stg.py, MIT), run
# once on the two published sets at -51 and -60 mV: (g_f, g_s, g_u).
SPIKE2POP = {
    "spiking": [[-3.24121648, 5.83824202], [3.31304988, 0.35295691], [5.38281433, 26.74288734]],
    "bursting": [[-3.52093783, 5.79046888], [-6.31451786, -1.17547266], [5.31240942, 26.66518025]],
}


@pytest.mark.parametrize("set_name", ["spiking", "bursting"])
def test_dics_agree_with_spike2pop(set_name):
    p, g = conductances(set_name)
    values = dics(STG, g, [-51.0, -60.0], p)
    np.testing.assert_allclose([values.fast[0], values.slow[0], values.ultraslow[0]], SPIKE2POP[set_name],
                               rtol=1e-8, atol=1e-8)


def test_the_slow_dic_predicts_the_published_sets_firing_pattern():
    # the theory: g_s > 0 at threshold gives tonic spiking, g_s < 0 bursting (Drion et al. 2015)
    assert dics(STG, conductances("spiking")[1], parameters=STG.parameters("spiking")).slow[0] > 0
    assert dics(STG, conductances("bursting")[1], parameters=STG.parameters("bursting")).slow[0] < 0


@pytest.mark.parametrize("set_name", ["spiking", "bursting"])
def test_the_total_dic_is_the_slope_of_the_steady_state_current(set_name):
    p, g = conductances(set_name)
    v = np.linspace(-80.0, -20.0, 13)
    h = 1e-4
    slope = (steady_state_current(p, v + h) - steady_state_current(p, v - h)) / (2 * h)
    np.testing.assert_allclose(dics(STG, g, v, p).total[0], slope / p["gL"], rtol=1e-6, atol=1e-6)


def test_dics_are_linear_in_the_conductances_without_kca():
    p, g = conductances("bursting", gKCa=0.0)
    rng = np.random.default_rng(3)
    other = g * rng.uniform(0.5, 2.0, g.shape)
    other[:, NAMES.index("gKCa")] = 0.0
    other[:, NAMES.index("gL")] = g[:, NAMES.index("gL")]  # the DICs are normalised by gL

    def unnormalised(x):
        d = dics(STG, x, [-60.0, -51.0, -45.0], p)
        return np.stack([d.fast, d.slow, d.ultraslow]) * x[0, NAMES.index("gL")]

    np.testing.assert_allclose(unnormalised(2.0 * g - 0.5 * other), 2.0 * unnormalised(g) - 0.5 * unnormalised(other),
                               rtol=1e-10, atol=1e-12)


def test_kca_makes_the_dics_nonlinear_in_the_calcium_conductances_only():
    p, g = conductances("bursting")
    ca_s = NAMES.index("gCaS")

    def slow(value, column):
        x = g.copy()
        x[0, column] = value
        return dics(STG, x, -51.0, p).slow[0, 0]

    for name in ("gNa", "gKd", "gKCa", "gA", "gH"):  # linear: the midpoint lies on the chord
        column = NAMES.index(name)
        value = g[0, column]
        assert slow(value, column) == pytest.approx((slow(0.5 * value, column) + slow(1.5 * value, column)) / 2,
                                                    rel=1e-10, abs=1e-10)
    value = g[0, ca_s]
    curvature = slow(0.5 * value, ca_s) + slow(1.5 * value, ca_s) - 2 * slow(value, ca_s)
    assert abs(curvature) > 1e-3


def test_sensitivities_match_finite_differences():
    p, g = conductances("spiking")
    s = sensitivity(STG, g, -51.0, p)[0, :, :, 0]  # (3, n_currents)
    g_l = p["gL"]
    for name in ("gNa", "gKd", "gKCa", "gA", "gH"):  # the columns that do not move calcium
        c = NAMES.index(name)
        step = 1e-3 * g[0, c]
        up, down = g.copy(), g.copy()
        up[0, c] += step
        down[0, c] -= step
        d_up, d_down = dics(STG, up, -51.0, p), dics(STG, down, -51.0, p)
        finite = [(getattr(d_up, k) - getattr(d_down, k))[0, 0] * g_l / (2 * step) for k in ("fast", "slow", "ultraslow")]
        np.testing.assert_allclose(finite, s[:, c], rtol=1e-7, atol=1e-12)


def test_time_scale_shares_split_by_log_distance():
    tau_f, tau_s, tau_u = np.array(1.0), np.array(10.0), np.array(1000.0)
    tau = np.array([0.5, 1.0, np.sqrt(10.0), 10.0, 100.0, 1000.0, 5000.0])
    shares = _shares(tau, tau_f, tau_s, tau_u)
    expected = [[1, 0, 0], [1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1], [0, 0, 1]]
    np.testing.assert_allclose(shares.T, expected, atol=1e-12)


def test_threshold_is_the_first_decreasing_zero_of_the_total_dic():
    p, g = conductances("bursting")
    v_th = threshold_voltage(STG, g, p)[0]
    assert v_th == pytest.approx(-51.966, abs=1e-3)  # measured; the model's declared threshold is -51 mV
    total = dics(STG, g, [v_th - 0.5, v_th, v_th + 0.5], p).total[0]
    assert total[0] > 0 > total[2] and abs(total[1]) < 1e-2 * (total[0] - total[2])


def test_a_model_without_time_scales_is_refused():
    with pytest.raises(ModelError, match="no channels with DIC time scales"):
        dics(get_model("hh"), np.ones((1, 3)))
