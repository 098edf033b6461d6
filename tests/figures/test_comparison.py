"""Figures of one surrogate against the truth: Lyapunov overlay, example traces, regime confusion."""

import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.regimes import Regime, regime_attrs
from neurorecon.evaluation.compare import regime_confusion
from neurorecon.figures import comparison as comparison_plots
from neurorecon.figures import style

R, T, B = int(Regime.REST), int(Regime.TONIC_SPIKING), int(Regime.BURSTING)
PARAM = np.arange(12.0)
DOMINANT = np.array([R] * 3 + [B] * 4 + [T] * 5)
TRAIN = [4.0, 5.0, 7.5]  # two on the grid, one between grid values
ISI = 10.0  # ms, of every spiking trajectory


def _coords(param):
    return {"param": ("param", param, {"units": "uA/cm^2", "control": "I"}), "ic": [0, 1]}


def _regimes(codes, lyap):
    regime = np.repeat(np.asarray(codes, dtype=np.int8)[:, None], 2, axis=1)
    isi = np.full((codes.size, 2, 3), np.nan)
    isi[regime != R] = ISI
    return xr.Dataset(
        {
            "regime": (("param", "ic"), regime, regime_attrs()),
            "lyap_max": (("param", "ic"), np.broadcast_to(lyap, regime.shape).astype(float), {"units": "1/ms"}),
            "firing_rate": (("param", "ic"), np.where(regime != R, 1 / ISI, 0.0), {"units": "1/ms"}),
            "isi": (("param", "ic", "isi_index"), isi, {"units": "ms"}),
        },
        coords=_coords(PARAM),
        attrs={"model": "hh", "control": "I", "time_unit": "ms"},
    )


def _traces(codes, n_time, diverged=()):
    time = 0.5 * np.arange(1, n_time + 1)
    wave = -65.0 + 80.0 * (np.sin(2 * np.pi * time / ISI) > 0.9)
    v = np.where(np.asarray(codes)[:, None, None] == R, -65.0, wave[None, None, :]) * np.ones((1, 2, 1))
    v[list(diverged)] = np.nan
    return xr.Dataset(
        {"V": (("param", "ic", "time"), v.astype(np.float32), {"units": "mV"})},
        coords={**_coords(PARAM), "time": ("time", time, {"units": "ms"})},
        attrs={"kind": "trajectories", "observed": "V", "time_unit": "ms"},
    )


@pytest.fixture
def stores():
    surrogate_codes = np.roll(DOMINANT, 1)
    return {
        "truth_traces": _traces(DOMINANT, 400),
        "surrogate_traces": _traces(surrogate_codes, 300, diverged=[0]),
        "truth_regimes": _regimes(DOMINANT, -0.01),
        "surrogate_regimes": _regimes(surrogate_codes, np.nan),
    }


def test_example_values_cover_regimes_and_transitions_but_no_training_value():
    # unseen values 0 1 2 3 | 6 | 7 8 9 10 11: rest 0-2, bursting 3-6, tonic 7-11
    chosen = comparison_plots.example_values(PARAM, DOMINANT, TRAIN, n=4)
    np.testing.assert_array_equal(chosen, [1.0, 2.0, 3.0, 9.0])  # mid-rest, mid-burst, mid-tonic, transition
    assert not np.isin(chosen, TRAIN).any()
    assert {int(DOMINANT[int(v)]) for v in chosen} == {R, B, T}


def test_example_values_never_exceed_the_held_out_values():
    chosen = comparison_plots.example_values(PARAM[:3], DOMINANT[:3], [1.0], n=4)
    np.testing.assert_array_equal(chosen, [0.0, 2.0])
    with pytest.raises(ValueError, match="every control value is a training value"):
        comparison_plots.example_values(PARAM[:2], DOMINANT[:2], [0.0, 1.0])


def test_example_traces_figure_panels_units_and_windows(tmp_path, stores):
    fig = comparison_plots.example_traces_figure(**stores, train_values=TRAIN, label="vae_map (seed 0)")
    assert len(fig.axes) == 8  # 4 values x (truth, surrogate)
    rows = np.reshape(fig.axes, (4, 2))
    labels = [row[0].get_ylabel() for row in rows]
    assert labels == [f"I = {v:g} µA/cm²\nV [mV]" for v in (1.0, 2.0, 3.0, 9.0)]
    assert all(ax.get_xlabel() == "time in window [ms]" for ax in rows[-1])
    assert rows[0][0].get_title(loc="left") == "ground truth: rest"
    assert rows[0][1].get_title(loc="left") == "vae_map (seed 0): rest"
    for row in rows:  # truth and surrogate over the same time: 8 ISIs when spiking, else the shorter recording
        spans = [np.ptp(ax.lines[0].get_xdata()) for ax in row]
        assert spans[0] == pytest.approx(spans[1], abs=0.5)
    assert np.ptp(rows[3][0].lines[0].get_xdata()) == pytest.approx(8 * ISI, abs=0.5)
    assert np.ptp(rows[0][0].lines[0].get_xdata()) == pytest.approx(149.5, abs=0.5)
    assert style.save(fig, tmp_path / "traces.png").stat().st_size > 10_000


def test_diverged_surrogate_trace_is_marked(stores):
    stores["surrogate_traces"]["V"][4] = np.nan  # param 4.0, the middle of the truth's bursting stretch
    fig = comparison_plots.example_traces_figure(**stores, n=3)
    rows = np.reshape(fig.axes, (3, 2))
    values = [row[0].get_ylabel().split("\n")[0] for row in rows]
    assert values == ["I = 1 µA/cm²", "I = 4 µA/cm²", "I = 9 µA/cm²"]
    assert [[t.get_text() for t in row[1].texts] for row in rows] == [[], ["diverged: no finite samples"], []]


def test_stores_on_other_grids_are_refused(stores):
    stores["surrogate_traces"] = stores["surrogate_traces"].assign_coords(param=PARAM + 0.1)
    with pytest.raises(ValueError, match="surrogate traces are not on the truth's control grid"):
        comparison_plots.example_traces_figure(**stores)


def test_regime_confusion_figure_counts_unseen_values(stores):
    truth, surrogate = stores["truth_regimes"], stores["surrogate_regimes"]
    fig = comparison_plots.regime_confusion_figure(truth, surrogate, TRAIN, "vae_map (seed 0)")
    ax = fig.axes[0]
    shown = np.array([int(t.get_text()) for t in ax.texts]).reshape(6, 6)
    unseen = ~np.isin(PARAM, TRAIN)
    expected = regime_confusion(truth["regime"].values[unseen], surrogate["regime"].values[unseen])
    np.testing.assert_array_equal(shown, expected)
    assert expected.sum() == 10 and np.trace(expected) == 7  # the surrogate is late at both transitions
    assert "7 of 10 unseen values agree (70 %); 2 training values left out" in ax.get_title()
    assert ax.get_ylabel().startswith("ground-truth regime") and ax.get_xlabel().startswith("vae_map (seed 0) regime")


def test_lyapunov_comparison_says_when_not_estimated(stores):
    regimes = {"truth": stores["truth_regimes"], "vae_map (seed 0)": stores["surrogate_regimes"]}
    ax = comparison_plots.lyapunov_comparison_figure(regimes, TRAIN).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "vae_map (seed 0): not estimated (all NaN)" in legend
    assert "truth (median over ICs)" in legend
    assert ax.get_ylabel() == "largest Lyapunov exponent [1/ms]" and ax.get_xlabel() == "I [µA/cm²]"


def test_fi_comparison_draws_each_store_at_its_highest_rate_with_its_onset_and_type(stores):
    from neurorecon.analysis import excitability_of

    truth, surrogate = stores["truth_regimes"], stores["surrogate_regimes"]
    surrogate = surrogate.copy(deep=True)
    surrogate["firing_rate"][{"ic": 1}] = 0.0  # one state silent everywhere: the line is the other's rate
    for ds in (truth, surrogate):
        ds.attrs["control_is_current"] = True
    regimes = {"truth": truth, "hybrid_ode (seed 0)": surrogate}
    excitability = {label: excitability_of(ds) for label, ds in regimes.items()}
    ax = comparison_plots.fi_comparison_figure(regimes, excitability, TRAIN).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"truth: type {excitability['truth'].type}" in legend
    assert excitability["truth"].onset == 3.0 and excitability["hybrid_ode (seed 0)"].onset == 4.0
    assert "truth onset 3 [µA/cm²]" in legend and "hybrid_ode (seed 0) onset 4 [µA/cm²]" in legend
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["hybrid_ode (seed 0): type " + excitability["hybrid_ode (seed 0)"].type].get_ydata(),
                               np.where(np.roll(DOMINANT, 1) != R, 1000 / ISI, 0.0))  # Hz from 1/ms
    assert ax.get_xlabel() == "I [µA/cm²]" and ax.get_ylabel() == "firing rate [Hz]"
