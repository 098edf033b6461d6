"""Per-recording summary (f–I curve, rheobase, slope, excitability, block) and the model-free baselines."""

import numpy as np
import pytest

from neurorecon.recordings.baselines import (
    baseline_errors,
    baseline_report,
    extrapolate_counts,
    interpolate_counts,
    lower_half,
    spread_amplitudes,
)
from neurorecon.recordings.features import step_features
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.resources import resolve_recording
from neurorecon.recordings.summary import summarise


@pytest.fixture(scope="module")
def shipped():
    return {name: summarise(step_features(read_recording(resolve_recording(name))))
            for name in ("171116sh_0018.abf", "17o05028_ic_steps.abf", "171116sh_0019.abf")}


def test_hh_is_type_ii_with_its_rheobase_bracketed(hh_steps):
    summary = summarise(step_features(hh_steps))
    assert summary.excitability.type == "II"  # Hodgkin-Huxley: firing starts at a finite rate
    assert summary.excitability.onset == 65.0  # 6.5 uA/cm^2; 6.0 gives only onset spikes
    assert summary.rheobase_pA == 30.0  # -20 pA does not fire, 30 pA fires one spike
    assert np.isnan(summary.block_onset_pA)
    np.testing.assert_array_equal(summary.fi.amplitude_pA, [-20, 30, 60, 65, 80, 100, 150])


def test_shipped_summaries(shipped):
    gradual, fast, strong = shipped["171116sh_0018.abf"], shipped["17o05028_ic_steps.abf"], shipped["171116sh_0019.abf"]
    assert gradual.rheobase_pA == 50.0 and gradual.excitability.type == "I"  # README: between 25 and 50 pA
    assert fast.rheobase_pA == 10.0
    assert strong.rheobase_pA == 100.0 and strong.block_onset_pA == 1500.0
    assert np.isnan(gradual.block_onset_pA) and np.isnan(fast.block_onset_pA)
    # f-I slope of 0018 over 50..300 pA: from 2 Hz (1 spike / 0.5 s) to 18 Hz, about 0.065 Hz/pA
    assert gradual.fi_slope_hz_per_pA == pytest.approx(0.064, abs=0.005)
    # mean of steps A and B: 75 pA fired 1 and 2 spikes
    assert gradual.fi.n_spikes[gradual.fi.amplitude_pA == 75.0][0] == 1.5


def test_baselines_on_known_curves():
    amps = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    assert interpolate_counts(amps[[0, 2, 4]], [0, 4, 4], [10.0, 30.0, 50.0]).tolist() == [2.0, 4.0, 4.0]
    assert extrapolate_counts(amps[[0, 2, 4]], [9, 4, 8], [50.0, 20.0]).tolist() == [10.0, 4.0]
    with pytest.raises(ValueError, match="two training amplitudes"):
        extrapolate_counts([1.0], [1.0], [2.0])
    counts = amps**2 / 100.0  # 0, 1, 4, 9, 16
    errors = baseline_errors(amps, counts, [0.0, 20.0, 40.0])
    # interpolation: 10 -> 2 (1), 30 -> 10 (9): errors 1, 1; extrapolation from 20, 40: slope 0.6
    assert errors.interpolation == pytest.approx(1.0)
    assert errors.extrapolation == pytest.approx(np.median([abs(-2.0 - 1.0), abs(10.0 - 9.0)]))
    assert errors.n_heldout == 2 and errors.train_pA == (0.0, 20.0, 40.0)
    with pytest.raises(ValueError, match="no step at training amplitude"):
        baseline_errors(amps, counts, [5.0, 40.0])
    with pytest.raises(ValueError, match="nothing is held out"):
        baseline_errors(amps, counts, amps)


def test_training_splits():
    amps = np.array([-50.0, -10.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0])
    assert spread_amplitudes(amps, 4).tolist() == [10.0, 40.0, 70.0, 100.0]
    assert lower_half(amps).tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]
    with pytest.raises(ValueError, match="cannot pick 11"):
        spread_amplitudes(amps, 11)


@pytest.mark.parametrize(
    ("name", "interpolation", "extrapolation"),
    [("171116sh_0018.abf", 0.29, 1.0), ("17o05028_ic_steps.abf", 0.42, 3.0)],
)
def test_baseline_errors_on_the_shipped_files(shipped, name, interpolation, extrapolation):
    report = baseline_report(shipped[name].fi.amplitude_pA, shipped[name].fi.n_spikes)
    assert report.spread.train_pA[0] > 0 and report.upper.n_heldout >= 5
    assert report.spread.interpolation == pytest.approx(interpolation, abs=0.01)
    assert report.upper.extrapolation == pytest.approx(extrapolation, abs=0.01)
