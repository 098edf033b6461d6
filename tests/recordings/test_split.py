"""Training / held-out sweeps of a recording, and resampling to the surrogates' rate."""

import numpy as np
import pytest

from neurorecon.recordings.recording import RecordingError
from neurorecon.recordings.split import resample, select_sweeps, split_sweeps, sweep_amplitudes

from .conftest import AMPLITUDES_PA


def test_sweep_amplitudes_are_the_first_step_and_nan_without_one(hh_steps):
    amplitudes = sweep_amplitudes(hh_steps)
    expected = np.array([np.nan if a == 0 else a for a in AMPLITUDES_PA])
    np.testing.assert_allclose(amplitudes, expected, atol=1.0)


def test_split_holds_out_every_other_step_sweep(hh_steps):
    split = split_sweeps(hh_steps, [30.0, 100.0])
    assert split.train == (2, 6)
    assert split.heldout == (0, 3, 4, 5, 7)  # sweep 1 (0 pA) has no step: in neither


def test_split_names_the_file_and_the_missing_amplitude(hh_steps):
    with pytest.raises(RecordingError,
                       match=r"hh: no sweep steps to training amplitude\(s\) 45 pA; its step amplitudes: -20, 30"):
        split_sweeps(hh_steps, [30.0, 45.0])
    with pytest.raises(RecordingError, match="nothing is left to hold out"):
        split_sweeps(hh_steps, [a for a in AMPLITUDES_PA if a != 0])


def test_resample_takes_block_means_and_keeps_epochs(hh_steps):
    half = resample(hh_steps, 5000.0)
    assert half.rate_hz == 5000.0
    assert half.voltage_mV.shape == (hh_steps.n_sweeps, hh_steps.voltage_mV.shape[1] // 2)
    np.testing.assert_allclose(half.voltage_mV[:, 3], hh_steps.voltage_mV[:, 6:8].mean(axis=1), rtol=1e-6)
    assert half.epochs == hh_steps.epochs
    assert resample(hh_steps, 20_000.0) is hh_steps  # already below: unchanged


def test_select_sweeps_keeps_their_epochs(hh_steps):
    picked = select_sweeps(hh_steps, [5, 2])
    np.testing.assert_array_equal(picked.voltage_mV, hh_steps.voltage_mV[[5, 2]])
    assert picked.epochs == (hh_steps.epochs[5], hh_steps.epochs[2])
