"""Step features: known values on synthetic traces, HH step responses, and eFEL on the same traces."""

import numpy as np
import pytest

from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.recordings.features import (
    FeatureSettings,
    StepRegime,
    adaptation_index,
    classify_step,
    features_table,
    spike_threshold,
    step_features,
)
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.resources import resolve_recording

RATE = 20_000.0


def test_adaptation_index_of_known_intervals():
    assert adaptation_index(np.array([10.0, 20.0, 40.0])) == pytest.approx(1.0 / 3.0)
    assert adaptation_index(np.array([30.0, 20.0])) == pytest.approx(-0.2)
    assert np.isnan(adaptation_index(np.array([10.0])))


def test_spike_threshold_is_where_the_upstroke_starts():
    # ramp at 1 mV/ms from -60 mV for 10 ms, then 100 mV/ms up to +30 mV: the upstroke starts at -50 mV
    t_ms = np.arange(0.0, 12.0, 1000.0 / RATE)
    v = np.where(t_ms < 10.0, -60.0 + t_ms, -50.0 + 100.0 * (t_ms - 10.0))
    peak = int(np.flatnonzero(v >= 30.0)[0])
    assert spike_threshold(v[: peak + 1], RATE, peak, 20.0) == pytest.approx(-50.0, abs=0.1)
    assert np.isnan(spike_threshold(v[: peak + 1], RATE, peak, 500.0))  # never that fast


def _times(spacing_s):
    return 0.01 + np.cumsum(spacing_s)


@pytest.mark.parametrize(
    ("times", "tail_mV", "threshold", "regime"),
    [
        (np.array([]), -60.0, np.nan, StepRegime.REST),
        (np.array([0.003, 0.01]), -10.0, -45.0, StepRegime.DEPOLARISATION_BLOCK),
        (np.array([0.003, 0.01]), -10.0, np.nan, StepRegime.DEPOLARISATION_BLOCK),  # above block_level_mV
        (np.array([0.003, 0.01]), -60.0, -45.0, StepRegime.TONIC_SPIKING),  # back near rest: not block
        (np.array([0.003, 0.01]), -35.0, np.nan, StepRegime.TONIC_SPIKING),  # below block_level_mV
        (_times(np.tile([0.005, 0.005, 0.09], 5)), -50.0, -45.0, StepRegime.BURSTING),
        (_times([0.02, 0.03, 0.05, 0.08, 0.12, 0.17]), -50.0, -45.0, StepRegime.TONIC_SPIKING),  # adapting
        (_times(np.full(20, 0.02)), -50.0, -45.0, StepRegime.TONIC_SPIKING),
    ],
)
def test_step_regime_rules(times, tail_mV, threshold, regime):
    v = np.full(int(0.5 * RATE), tail_mV)
    assert classify_step(v, times, 0.0, 0.5, threshold, FeatureSettings()) == regime


def test_hh_steps_count_every_spike_and_rest_below_rheobase(hh_steps):
    steps = step_features(hh_steps)
    assert [s.sweep for s in steps] == [0, 2, 3, 4, 5, 6, 7]  # sweep 1 (0 pA) has no step
    for step in steps:
        first, last = int(step.start_s * 10_000), int(step.stop_s * 10_000)
        v = hh_steps.voltage_mV[step.sweep, first:last].astype(np.float64)
        # HH spikes overshoot to +40 mV and fall back to -75: an upward 0 mV crossing is a spike
        assert step.n_spikes == threshold_crossings(v, np.arange(v.size) / 10_000, 0.0).size
        assert step.start_s == pytest.approx(0.2) and step.stop_s == pytest.approx(0.5)
    by_amplitude = {s.amplitude_pA: s for s in steps}
    assert by_amplitude[-20.0].regime == StepRegime.REST
    assert by_amplitude[100.0].regime == StepRegime.TONIC_SPIKING
    # HH at 10 uA/cm^2 fires at about 68 Hz; repetitive firing is regular (no adaptation)
    assert 1000.0 / by_amplitude[100.0].mean_isi_ms == pytest.approx(68.0, abs=3.0)
    assert abs(by_amplitude[100.0].adaptation_index) < 0.01
    assert -60.0 < by_amplitude[100.0].spike_threshold_mV < -45.0


def test_features_table_has_the_cli_columns(hh_steps):
    table = features_table(step_features(hh_steps, sweeps=[7]))
    assert table.shape[0] == 1 and table.loc[0, "regime_name"] == "tonic_spiking"
    assert table.loc[0, "regime"] == 1 and table.loc[0, "amplitude_pA"] == 150.0


@pytest.mark.filterwarnings("ignore:.*adaptation_index2")  # eFEL warns for steps of 3 spikes
def test_own_features_agree_with_efel_on_the_same_traces():
    efel = pytest.importorskip("efel")
    rec = read_recording(resolve_recording("171116sh_0018.abf"))
    steps = [s for s in step_features(rec) if s.n_spikes >= 3]
    assert len(steps) >= 18
    efel.set_setting("interp_step", 1000.0 / rec.rate_hz)
    traces = []
    for s in steps:  # each step with 20 ms before it: eFEL looks for peaks over the whole trace
        window = slice(round((s.start_s - 0.02) * rec.rate_hz), round(s.stop_s * rec.rate_hz))
        traces.append({"T": rec.time_s[window] * 1000.0, "V": rec.voltage_mV[s.sweep, window].astype(np.float64),
                       "stim_start": [s.start_s * 1000.0], "stim_end": [s.stop_s * 1000.0]})
    values = efel.get_feature_values(traces, ["spike_count_stimint", "time_to_first_spike", "adaptation_index2",
                                              "all_ISI_values", "peak_time"])
    for s, v in zip(steps, values, strict=True):
        assert v["spike_count_stimint"][0] == s.n_spikes
        assert v["time_to_first_spike"][0] == pytest.approx(s.first_spike_latency_ms, abs=0.2)
        assert np.mean(v["all_ISI_values"]) == pytest.approx(s.mean_isi_ms, abs=0.2)
        if s.n_spikes >= 4:  # eFEL's adaptation_index2 leaves out the first ISI
            ours = adaptation_index(np.asarray(v["all_ISI_values"])[1:])
            assert v["adaptation_index2"][0] == pytest.approx(ours, abs=1e-3)
