"""The reservoir surrogate as a family: settings from the config, an exact checkpoint round trip,
initial states and forecasts at the store's sampling interval whatever the stride, and no torch."""

import json
import subprocess
import sys

import numpy as np
import pytest

from neurorecon.surrogates.base import CheckpointError
from neurorecon.surrogates.registry import get_family, load_surrogate
from neurorecon.surrogates.reservoir.family import ReservoirSurrogate
from neurorecon.surrogates.reservoir.settings import ReservoirSettings

SMALL = {"size": 40, "washout": 20, "warmup": 30, "n_anchors": 3, "ridge": [1e-6], "input_noise": [0.01]}


def _records(n_time=1_200):
    """Two training values, two records each: pulses whose period shortens with the control."""
    t = np.arange(n_time)
    rows, index = [], []
    for i, period in enumerate((60, 40)):
        for phase in (0, 17):
            rows.append(np.where(((t + phase) % period) < 6, 20.0, -60.0) + 0.1 * np.sin(t / 7.0))
            index.append(i)
    return np.array(rows), np.array([1.0, 2.0]), np.array(index)


def _fit(stride=2, **settings):
    rows, values, index = _records()
    return ReservoirSurrogate.fit(rows, values, index, {"sample_dt": 0.5, "spike_threshold": 0.0, "observed": "V"},
                                  ReservoirSettings.from_dict({**SMALL, **settings}), seed=4, stride=stride)


def test_settings_defaults_round_trip_and_dotted_errors():
    defaults = ReservoirSettings()
    assert ReservoirSettings.from_dict({}) == defaults == ReservoirSettings.from_dict(defaults.to_dict())
    assert get_family("reservoir").settings_type is ReservoirSettings
    with pytest.raises(ValueError, match=r"surrogates\.reservoir\.leak_rate: must be in \(0, 1\]"):
        ReservoirSettings.from_dict({"leak_rate": 0.0})
    with pytest.raises(ValueError, match=r"surrogates\.reservoir\.activation: must be tanh or identity"):
        ReservoirSettings.from_dict({"activation": "relu"})
    with pytest.raises(ValueError, match=r"surrogates\.reservoir\.sise: unknown key"):
        ReservoirSettings.from_dict({"sise": 3})
    assert ReservoirSettings.from_dict({"stride": None}).stride is None
    with pytest.raises(ValueError, match=r"surrogates\.reservoir\.leak_rate_min: must not exceed leak_rate"):
        ReservoirSettings.from_dict({"leak_rate": 0.3, "leak_rate_min": 0.5})


def test_problems_with_short_records_name_the_setting():
    settings = ReservoirSettings(washout=150, warmup=300, stride=2)
    keys = [key for key, _ in settings.problems_with_data(500)]
    assert keys == ["washout", "warmup"]
    assert settings.problems_with_data(10_000) == []
    # an automatic stride is checked at its largest value: 800 samples (an 80 ms hh step at 0.1 ms)
    # give 100 steps at max_stride 8, too few for the default washout of 200
    automatic = ReservoirSettings()
    assert [key for key, _ in automatic.problems_with_data(800)] == ["washout", "warmup"]
    assert "at stride 8 (the automatic stride may reach max_stride)" in automatic.problems_with_data(800)[0][1]
    assert ReservoirSettings(washout=40, warmup=90).problems_with_data(800) == []
    assert automatic.problems_with_data(8 * 402) == []
    rows, values, index = _records(60)
    with pytest.raises(ValueError, match="reservoir steps at stride 2"):
        ReservoirSurrogate.fit(rows, values, index, {"sample_dt": 1.0}, ReservoirSettings(**SMALL), 0, stride=2)


def test_save_load_round_trip_is_exact(tmp_path):
    surrogate = _fit()
    surrogate.save(tmp_path / "surrogate")
    meta = json.loads((tmp_path / "surrogate.json").read_text())
    assert meta["family"] == "reservoir" and meta["reservoir"]["stride"] == 2
    again = load_surrogate(tmp_path, "cpu")
    assert isinstance(again, ReservoirSurrogate)
    for name in ("w", "w_in", "w_control", "bias", "w_out"):
        np.testing.assert_array_equal(getattr(again.reservoir, name), getattr(surrogate.reservoir, name))
    np.testing.assert_array_equal(again.anchors, surrogate.anchors)
    assert again.settings == surrogate.settings and again.store_attrs == surrogate.store_attrs
    args = (np.array([0.5, 1.5, 2.5]), 3, 101, 7, 1, 40)
    first, second = surrogate.rollout(*args), again.rollout(*args)
    np.testing.assert_array_equal(first.observed, second.observed)
    np.testing.assert_array_equal(first.lyapunov.exponent, second.lyapunov.exponent)


def test_a_checkpoint_of_another_format_is_refused(tmp_path):
    _fit().save(tmp_path / "surrogate")
    meta = json.loads((tmp_path / "surrogate.json").read_text())
    (tmp_path / "surrogate.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(CheckpointError, match="format version 99"):
        load_surrogate(tmp_path)
    (tmp_path / "surrogate.json").write_text(json.dumps(meta))
    (tmp_path / "surrogate.pt").write_bytes(b"not an archive")
    with pytest.raises(CheckpointError, match="unreadable"):
        load_surrogate(tmp_path)


def test_rollout_samples_are_those_after_the_transient_whatever_the_stride():
    """Odd transients and lengths against a stride of 3: the record is one continuous series."""
    surrogate = _fit(stride=3)
    long = surrogate.rollout(np.array([1.5]), 2, 60, 0, 9).observed
    for transient in (1, 4, 11):
        part = surrogate.rollout(np.array([1.5]), 2, 60 - transient, transient, 9).observed
        np.testing.assert_array_equal(part, long[..., transient:])


def test_initial_states_warm_up_at_the_nearest_training_value_and_differ_by_state():
    surrogate = _fit()
    states = surrogate.initial_states(np.array([0.0, 1.4, 1.6, 9.0]), n_ic=3, seed=2).reshape(4, 3, -1)
    assert not np.allclose(states[0, 0], states[0, 1])  # different pieces per initial state
    again = surrogate.initial_states(np.array([0.0]), n_ic=3, seed=2)
    np.testing.assert_allclose(again, states[0], rtol=0, atol=1e-12)  # another batch size: BLAS rounding
    # 0.0 and 1.4 share their nearest training value (1.0) and so their pieces: only the control differs
    same_piece = surrogate.initial_states(np.array([1.4]), n_ic=3, seed=2)
    np.testing.assert_allclose(same_piece, states[1], rtol=0, atol=1e-12)


def test_forecast_is_the_teacher_forced_prediction_then_the_closed_loop():
    """A forecast's first block is the readout of the state driven through the history's last whole
    blocks (exactly), and the rest continues in closed loop from there."""
    rows, _, _ = _records()
    surrogate = _fit(stride=3)
    history = rows[:1, :605]  # 201 whole blocks of 3 after dropping the oldest 2 samples
    forecast = surrogate.forecast(history, np.array([1.0]), 7)
    assert forecast.shape == (1, 7) and forecast.dtype == np.float32
    blocks = surrogate.scale_observed(history[:, 2:]).reshape(1, 201, 3)
    reservoir = surrogate.reservoir
    r = reservoir.teacher_forced(np.zeros((1, reservoir.size)), blocks, reservoir.drive(surrogate.scale_control(np.ones(1))))
    first = surrogate.unscale_observed(reservoir.readout(r))
    np.testing.assert_allclose(forecast[0, :3], first[0].astype(np.float32), rtol=1e-6)
    with pytest.raises(ValueError, match="at least 3 samples of history"):
        surrogate.forecast(rows[:1, :2], np.array([1.0]), 5)


def test_the_family_does_not_import_torch():
    code = ("import sys; import neurorecon.surrogates.reservoir.family, neurorecon.surrogates.reservoir.figures; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_readout_kept_passes_at_the_most_training_values_then_has_the_smallest_error(monkeypatch):
    """Candidates are input noise x ridge; the check's reports are scripted here (in candidate
    order) to test the ranking alone."""
    reports = iter([(1, 0.2), (2, 0.9), (2, 0.5), (0, 0.0)])  # (values passed, error)
    calls = []

    def scripted(self, truth, seed):
        passed, error = next(reports)
        calls.append((self.reservoir.w_out.copy(), seed))
        return {"n_values_passed": passed, "error": error}

    monkeypatch.setattr(ReservoirSurrogate, "_check", scripted)
    surrogate = _fit(input_noise=[0.0, 0.05], ridge=[1e-6, 1e-3])
    chosen = [(c["input_noise"], c["ridge"]) for c in surrogate.info["selection"]]
    assert chosen == [(0.0, 1e-6), (0.0, 1e-3), (0.05, 1e-6), (0.05, 1e-3)]
    assert (surrogate.info["input_noise"], surrogate.info["ridge"]) == (0.05, 1e-6)
    np.testing.assert_array_equal(surrogate.reservoir.w_out, calls[2][0])
    assert {seed for _, seed in calls} == {5}  # the training seed (4) + 1: the generic check starts elsewhere
