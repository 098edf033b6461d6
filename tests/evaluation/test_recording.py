"""Predicted sweeps against the recording: step table, baselines, rheobase, the table over seeds."""

from dataclasses import replace

import numpy as np
import pytest

from neurorecon.evaluation.recording import compare_recording, recording_table, recording_verdicts
from neurorecon.recordings.features import step_features
from neurorecon.recordings.summary import fi_curve

from ..recordings.conftest import AMPLITUDES_PA
from ..recordings.files import hh_recording

TRAIN = [30.0, 100.0]


@pytest.fixture(scope="module")
def hh_steps():
    """HH at 10 kHz: one 0.3 s step per sweep at 0.2 s, sweeps of 0.6 s (as tests/recordings)."""
    return hh_recording(AMPLITUDES_PA, start_s=0.2, step_s=0.3, total_s=0.6, rate_hz=10_000.0)


def test_a_perfect_prediction_has_no_error(hh_steps):
    metrics = compare_recording(hh_steps, hh_steps, TRAIN).metrics
    assert metrics["spike_count_error"] == 0 and metrics["spike_count_error_steps"] == 0
    assert metrics["latency_error"] == 0 and metrics["regime_agreement"] == 1
    assert metrics["rheobase_error"] == 0 and metrics["rheobase_within_step"]
    assert metrics["silent_below_rheobase"]
    assert metrics["train_pA"] == TRAIN
    assert metrics["heldout_pA"] == [a for a in sorted(AMPLITUDES_PA) if a not in TRAIN and a != 0]


def test_baselines_are_scored_on_the_heldout_positive_amplitudes(hh_steps):
    comparison = compare_recording(hh_steps, hh_steps, TRAIN)
    fi = fi_curve(step_features(hh_steps))
    counts = dict(zip(fi.amplitude_pA, fi.n_spikes, strict=True))
    # held-out positive: 60, 65, 80 (between 30 and 100: interpolated) and 150 (beyond: held at 100's count)
    line = {a: counts[30.0] + (counts[100.0] - counts[30.0]) * (a - 30.0) / 70.0 for a in (60.0, 65.0, 80.0, 150.0)}
    interpolated = [line[60.0], line[65.0], line[80.0], counts[100.0]]
    truth = [counts[a] for a in (60.0, 65.0, 80.0, 150.0)]
    assert comparison.metrics["interpolation_error"] == pytest.approx(np.median(np.abs(np.subtract(interpolated, truth))))
    assert comparison.metrics["extrapolation_error"] == pytest.approx(np.median(np.abs(
        np.subtract([line[a] for a in (60.0, 65.0, 80.0, 150.0)], truth))))  # two training points: the same line


def test_a_silent_prediction_misses_every_spike(hh_steps):
    rest = np.broadcast_to(hh_steps.voltage_mV[:, :1], hh_steps.voltage_mV.shape).copy()
    comparison = compare_recording(hh_steps, replace(hh_steps, voltage_mV=rest), TRAIN)
    steps = comparison.steps[~comparison.steps["training"] & (comparison.steps["amplitude_pA"] > 0)]
    assert comparison.metrics["spike_count_error"] == pytest.approx(np.median(steps["n_spikes"]))
    assert np.isnan(comparison.metrics["rheobase_predicted"]) and not comparison.metrics["rheobase_within_step"]
    assert comparison.metrics["silent_below_rheobase"]


def test_other_sweeps_are_refused(hh_steps):
    with pytest.raises(ValueError, match="other sweeps"):
        compare_recording(hh_steps, replace(hh_steps, voltage_mV=hh_steps.voltage_mV[:3]), TRAIN)


def test_table_over_seeds_reads_nulls_and_compares_with_interpolation():
    run = {"dataset": "cell", "surrogate": "ode", "train_pA": [25.0, 300.0], "interpolation_error": 0.5,
           "extrapolation_error": 1.0, "rheobase_recorded": 50.0, "block_onset_recorded": None,
           "silent_below_rheobase": True, "latency_error": None, "adaptation_error": 0.1, "regime_agreement": 0.8,
           "rheobase_error": 25.0, "block_onset_error": None}
    table = recording_table([{**run, "seed": 0, "spike_count_error": 0.25},
                             {**run, "seed": 1, "spike_count_error": 2.0},
                             {**run, "seed": 2, "spike_count_error": 0.4}])
    row = table.iloc[0]
    assert row["n_seeds"] == 3 and row["spike_count_error_median"] == 0.4
    assert row["spike_count_error_min"] == 0.25 and row["spike_count_error_max"] == 2.0
    assert np.isnan(row["latency_error_median"]) and row["beats_interpolation"]


def test_verdict_says_whether_the_surrogate_beats_interpolation_and_finds_the_rheobase():
    run = {"dataset": "cell", "surrogate": "ode", "train_pA": [25.0, 300.0], "interpolation_error": 0.5,
           "extrapolation_error": 1.0, "rheobase_recorded": 50.0, "block_onset_recorded": None,
           "silent_below_rheobase": True, "latency_error": None, "adaptation_error": None, "regime_agreement": 0.6,
           "block_onset_error": None}
    silent = recording_table([{**run, "seed": 0, "spike_count_error": 5.5, "rheobase_error": None}])
    firing = recording_table([{**run, "seed": s, "spike_count_error": e, "rheobase_error": 25.0}
                              for s, e in ((0, 0.25), (1, 0.5))])
    (sentence,) = recording_verdicts(silent).values()
    assert sentence == ("cell (recorded cell): ode (1 seed, trained on 25 300 pA) does not beat interpolating the "
                        "recorded f–I curve: median held-out spike-count error 5.5 spikes per step against "
                        "interpolation's 0.5 and extrapolation's 1; no rheobase predicted (recorded 50 pA).")
    (sentence,) = recording_verdicts(firing).values()
    assert "ode (2 seeds, trained on 25 300 pA) matches or beats interpolating" in sentence
    assert "error 0.375 spikes per step" in sentence and sentence.endswith("rheobase off by 25 pA.")
