"""hybrid_ode on a recording store: training sweeps in pA / mV / ms, the capacitance measured from
the hyperpolarising steps, every sweep predicted under its own command current."""

import numpy as np
import pytest

from neurorecon.io.stores import write_dataset
from neurorecon.recordings.passive import passive_properties
from neurorecon.recordings.split import resample, select_sweeps
from neurorecon.recordings.store import recording_dataset
from neurorecon.surrogates.hybrid_ode.data import RECORDING_MODEL, TrainingTraces
from neurorecon.surrogates.hybrid_ode.family import HybridOdeSurrogate
from neurorecon.surrogates.hybrid_ode.settings import HybridOdeSettings

from ...recordings.files import hh_recording

TINY = {"mode": "latent", "width": 8, "depth": 1, "warmup": 0.5, "segments": [0.6], "iterations": 3, "batch": 16,
        "candidates": 1}


@pytest.fixture(scope="module")
def recording():
    """HH sweeps (10 pA per uA/cm^2) at 5 kHz: one hyperpolarising and two spiking steps."""
    return resample(hh_recording([-20.0, 80.0, 150.0], start_s=0.05, step_s=0.15, total_s=0.25, rate_hz=10_000.0),
                    5000.0)


@pytest.fixture(scope="module")
def store(recording, tmp_path_factory):
    path = tmp_path_factory.mktemp("recording") / "train.zarr"
    write_dataset(recording_dataset(select_sweeps(recording, [0, 2])), path)
    return path


def test_training_traces_of_a_recording(store, recording):
    from neurorecon.io.stores import read_dataset

    traces = TrainingTraces.from_store(read_dataset(store))
    assert traces.model == RECORDING_MODEL and traces.time_unit == "ms"
    assert traces.sample_dt == pytest.approx(0.2)  # 5 kHz
    np.testing.assert_allclose(traces.training_values, [-20.0, 150.0], atol=1.0)
    assert traces.capacitance == pytest.approx(passive_properties(select_sweeps(recording, [0, 2])).capacitance_pF)
    np.testing.assert_array_equal(traces.current, recording.current_pA[[0, 2]])


def test_train_and_predict_every_sweep(store, recording, tmp_path):
    settings = HybridOdeSettings.from_dict(TINY, where="settings")
    surrogate = HybridOdeSurrogate.train(store, settings, 0, "cpu", tmp_path, lambda line: None)
    assert surrogate.net.capacitance == pytest.approx(surrogate.net.arch.capacitance)
    assert surrogate.store_attrs["control_unit"] == "pA" and surrogate.store_attrs["time_unit"] == "ms"
    predicted = surrogate.predict_sweeps(recording.voltage_mV, recording.current_pA)
    assert predicted.shape == recording.voltage_mV.shape and predicted.dtype == np.float32
    warmup = surrogate.warmup_samples
    np.testing.assert_array_equal(predicted[:, : warmup + 1], recording.voltage_mV[:, : warmup + 1])
    assert np.isfinite(predicted).all()
    loaded = HybridOdeSurrogate.load(tmp_path / "surrogate")
    np.testing.assert_array_equal(loaded.predict_sweeps(recording.voltage_mV, recording.current_pA), predicted)
    assert (tmp_path / "figures" / "kinetics.png").exists()


def test_gates_mode_is_refused_on_a_recording(store, tmp_path):
    settings = HybridOdeSettings.from_dict({**TINY, "mode": "gates"}, where="settings")
    with pytest.raises(ValueError, match="settings.mode: a recording declares no channels; use mode: latent"):
        HybridOdeSurrogate.train(store, settings, 0, "cpu", tmp_path, lambda line: None)


def test_gates_mode_on_a_template_takes_the_current_as_a_density(store, recording, tmp_path):
    from neurorecon.models import get_model

    settings = HybridOdeSettings.from_dict({**TINY, "mode": "gates", "template": "hh", "learn_conductances": True},
                                           where="settings")
    surrogate = HybridOdeSurrogate.train(store, settings, 0, "cpu", tmp_path, lambda line: None)
    arch = surrogate.net.arch
    capacitance = passive_properties(select_sweeps(recording, [0, 2])).capacitance_pF
    assert arch.model == "hh" and arch.parameters == get_model("hh").parameters(None, {})
    assert arch.current_factor == pytest.approx(1.0 / capacitance)  # pA -> uA/cm^2 at 1 uF/cm^2
    assert surrogate.net.capacitance == 1.0 and surrogate.net.log_gain.shape == (3,)  # Na, K, leak
    predicted = surrogate.predict_sweeps(recording.voltage_mV, recording.current_pA)
    assert predicted.shape == recording.voltage_mV.shape and np.isfinite(predicted).all()
