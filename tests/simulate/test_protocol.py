"""Current-clamp step protocols: the command is the declared piecewise function, the chained simulation
equals a constant-control one where the command is constant, Hodgkin–Huxley rests at holding and fires
in its steps, and the store (command, protocol attr, step epochs, mismatches) reads back as written."""

import itertools
import json
from dataclasses import replace

import numba
import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.spikes import detect_spikes
from neurorecon.io.stores import read_dataset
from neurorecon.models import ControlParameter, ModelError, NeuronModel, get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.protocol import (
    COMMAND,
    EPOCHS_ATTR,
    PROTOCOL_ATTR,
    ProtocolError,
    StepProtocol,
    command_current,
    constant_control,
    default_holding,
    protocol_defaults,
    simulate_protocol,
    step_epochs,
)
from neurorecon.simulate.to_store import merge_trajectories, mismatches, simulate_to_store, trajectories_dataset

HH = get_model("hh")
SHORT = StepProtocol(holding=0.0, step=50.0, gap=25.0, repeats=2, settle=50.0)
"""A short hh protocol: 175 ms recorded after 50 ms at holding."""


def _expected_command(protocol, values, sample_dt, n_record):
    """The command from its definition in time: sample k (at time (k + 1) sample_dt after the
    settle) carries the current of the interval after it; steps start at gap + r (gap + step)."""
    out = np.full((len(values), n_record), protocol.holding)
    for k in range(n_record):
        start = (k + 1) * sample_dt  # the interval (start, start + sample_dt) follows sample k
        for r in range(protocol.repeats):
            onset = protocol.gap + r * (protocol.gap + protocol.step)
            if onset - 1e-9 <= start < onset + protocol.step - 1e-9:
                out[:, k] = values
    return out


def test_command_is_the_declared_piecewise_function():
    protocol = StepProtocol(holding=-1.5, step=0.7, gap=0.3, repeats=3, settle=2.0)
    values = [2.0, 4.5]
    command = protocol.command(values, 0.1)
    layout = protocol.layout(0.1)
    assert (layout.n_settle, layout.n_gap, layout.n_step, layout.repeats) == (20, 3, 7, 3)
    assert command.shape == (2, layout.n_record) == (2, 3 * (3 + 7) + 3)
    np.testing.assert_array_equal(command, _expected_command(protocol, np.array(values), 0.1, layout.n_record))
    # read as runs: the gap's last sample carries the step (the state at the onset), and the step's last
    # sample the holding current (the interval after it is back at holding)
    runs = [(value, len(list(group))) for value, group in itertools.groupby(command[1])]
    assert runs == [(-1.5, 2), (4.5, 7), (-1.5, 3), (4.5, 7), (-1.5, 3), (4.5, 7), (-1.5, 4)]
    assert command.dtype == np.float64 and command[0, -1] == protocol.holding


def test_durations_round_to_whole_sampling_intervals():
    layout = StepProtocol(holding=0.0, step=80.04, gap=39.96, repeats=1, settle=0.0).layout(0.1)
    assert (layout.n_settle, layout.n_gap, layout.n_step, layout.n_record) == (0, 400, 800, 1600)
    with pytest.raises(ProtocolError, match="gap: 0.04 is shorter than one sampling interval"):
        StepProtocol(holding=0.0, step=80.0, gap=0.04).layout(0.1)


def test_settings_round_trip_and_bad_values_name_the_key():
    protocol = StepProtocol.from_dict({"step": 60.0}, protocol_defaults(HH))
    assert protocol == StepProtocol(holding=0.0, step=60.0, gap=40.0, repeats=3, settle=100.0)
    assert StepProtocol.from_dict(protocol.to_dict()) == protocol
    assert StepProtocol.from_json(protocol.to_json()) == protocol
    with pytest.raises(ProtocolError, match=r"^step: must be a finite number > 0, got 0"):
        StepProtocol(holding=0.0, step=0, gap=1.0)
    with pytest.raises(ProtocolError, match=r"^repeats: must be a whole number >= 1"):
        StepProtocol(holding=0.0, step=1.0, gap=1.0, repeats=1.5)
    with pytest.raises(ProtocolError, match=r"^hold: unknown key"):
        StepProtocol.from_dict({"hold": 0.0, "step": 1.0, "gap": 1.0})
    with pytest.raises(ProtocolError, match=r"^holding: missing"):
        StepProtocol.from_dict({"step": 1.0, "gap": 1.0})


def test_default_holding_is_zero_or_the_lower_end_of_the_range():
    assert default_holding(HH) == 0.0
    assert default_holding(get_model("hindmarsh_rose")) == 1.0


def test_a_model_whose_control_is_not_a_current_is_refused():
    srk = get_model("srk")
    problems = StepProtocol(holding=-40.0, step=100.0, gap=50.0).problems(srk, srk.sample_dt)
    assert [key for key, _ in problems] == [""] and "not an injected current" in problems[0][1]
    with pytest.raises(ModelError, match="protocol model 'srk' is controlled by VS"):
        simulate_protocol(srk, SimulationSpec([-40.0]), StepProtocol(holding=-40.0, step=100.0, gap=50.0))


def test_step_epoch_shorter_than_min_record_is_refused():
    with pytest.raises(ModelError, match=r"protocol step: 30 ms is shorter .* \(min_record, 40 ms\)"):
        simulate_protocol(HH, SimulationSpec([12.0]), replace(SHORT, step=30.0))


def test_step_equal_to_holding_reproduces_constant_control_with_rk4():
    """Every piece starts from the previous piece's final states: with a constant command the chained
    fixed-step simulation is the constant-control one, bit for bit."""
    protocol = StepProtocol(holding=10.0, step=40.0, gap=15.0, repeats=2, settle=20.0)
    spec = SimulationSpec([10.0], n_ic=2, seed=4, integrator="rk4")
    chained = simulate_protocol(HH, spec, protocol)
    layout = protocol.layout(HH.sample_dt)
    constant = simulate(HH, replace(spec, transient=20.0, duration=layout.n_record * HH.sample_dt))
    np.testing.assert_array_equal(chained.trajectories, constant.trajectories)
    np.testing.assert_array_equal(chained.final_states, constant.final_states)
    np.testing.assert_array_equal(chained.time, constant.time)
    np.testing.assert_array_equal(chained.steps, constant.steps)
    assert (chained.transient, chained.duration) == (constant.transient, constant.duration)


def test_step_equal_to_holding_reproduces_constant_control_with_dopri5():
    """The adaptive integrator restarts its step control at every piece, so the samples agree to its
    tolerance, not bit for bit: the same spikes within 0.001 ms (measured: 1e-5 ms)."""
    protocol = StepProtocol(holding=10.0, step=40.0, gap=15.0, repeats=2, settle=20.0)
    spec = SimulationSpec([10.0], n_ic=2, seed=4, integrator="dopri5")
    chained = simulate_protocol(HH, spec, protocol)
    constant = simulate(HH, replace(spec, transient=20.0, duration=chained.duration))
    spikes = [detect_spikes(result.trajectories[0, :, 0].astype(np.float64), result.time, 0.0)
              for result in (chained, constant)]
    for k in range(2):
        a, b = (train.times[k, : train.counts[k]] for train in spikes)
        assert len(a) == len(b) >= 5
        assert np.max(np.abs(a - b)) < 1e-3
    assert np.max(np.abs(chained.final_states - constant.final_states)[..., 0]) < 0.5


def _crossings(trace, threshold=0.0):
    return int(np.sum((trace[1:] >= threshold) & (trace[:-1] < threshold)))


def test_hh_held_at_zero_rests_in_the_gaps_and_fires_in_a_step_to_12():
    protocol = StepProtocol.from_dict({}, protocol_defaults(HH))  # holding 0, steps 80 ms, gaps 40 ms, 3 repeats
    result = simulate_protocol(HH, SimulationSpec([12.0], n_ic=3, seed=2), protocol)
    layout = protocol.layout(result.sample_dt)
    command = protocol.command([12.0], result.sample_dt)[0]
    assert (result.status == 0).all()
    for k in range(3):
        v = result.trajectories[0, k, 0]
        for repeat in range(layout.repeats):
            start = layout.step_start(repeat)
            gap, step = v[start - layout.n_gap : start], v[start : start + layout.n_step]
            assert _crossings(gap) == 0 and np.abs(gap[-1] - (-65.0)) < 0.5  # at rest before the onset
            assert _crossings(step) >= 4  # tonic firing (about 70 Hz) during the step
        assert _crossings(v[-layout.n_gap :]) == 0
        assert np.all(command[v > 0.0] == 12.0)  # every spike sample under the step command


def test_divergence_in_a_step_stays_flagged_through_the_gaps():
    @numba.njit
    def rhs(y, p, dydt):  # dx/dt = -x + I x^2: blows up from x = 1 once I > 1
        dydt[0] = -y[0] + p[0] * y[0] * y[0]

    model = NeuronModel(
        name="blowup_current", title="", reference="", state_names=("x",), state_units=("1",), time_unit="1",
        observed="x", control=ControlParameter("I", "1", "current", (0.0, 5.0), injected_current=True),
        parameter_names=("I",), parameter_sets={"default": {"I": 0.0}}, default_set="default", rhs=rhs,
        dt=1e-3, sample_dt=1e-2, transient=0.0, duration=1.0, ic_low=(1.0,), ic_high=(1.0,),
        spike_threshold=0.5, min_record=0.5, divergence_bound=1e3,
    )
    protocol = StepProtocol(holding=0.0, step=2.0, gap=0.5, repeats=2, settle=0.0)
    for integrator in ("rk4", "dopri5"):
        result = simulate_protocol(model, SimulationSpec([0.5, 4.0], integrator=integrator), protocol)
        assert result.status[0, 0] == 0 and result.status[1, 0] != 0
        x = result.trajectories[:, 0, 0]
        assert np.isfinite(x[0]).all()
        onset = protocol.layout(model.sample_dt).step_start(0)
        assert np.isfinite(x[1, :onset]).all() and np.isnan(x[1, -1]) and np.isnan(result.final_states[1]).all()


@pytest.fixture(scope="module")
def protocol_store(tmp_path_factory):
    """An hh protocol store written and read back: steps to 0 (the holding itself) and 12."""
    path = tmp_path_factory.mktemp("protocol") / "train.zarr"
    simulate_to_store("hh", SimulationSpec([0.0, 12.0], n_ic=2, seed=1), path, {"seed": 1}, protocol=SHORT)
    return read_dataset(path, kind="trajectories")


def test_store_round_trip_with_command(protocol_store):
    ds = protocol_store
    layout = SHORT.layout(HH.sample_dt)
    assert dict(ds.sizes) == {"param": 2, "ic": 2, "time": layout.n_record, "state": 4}
    assert ds[COMMAND].dims == ("param", "time") and ds[COMMAND].dtype == np.float64
    assert ds[COMMAND].attrs["units"] == "uA/cm^2"
    np.testing.assert_array_equal(ds[COMMAND].values, SHORT.command([0.0, 12.0], HH.sample_dt))
    assert StepProtocol.from_json(ds.attrs[PROTOCOL_ATTR]) == SHORT
    assert json.loads(ds.attrs[PROTOCOL_ATTR]) == SHORT.to_dict()
    assert ds.attrs["transient"] == 50.0 and ds.attrs["duration"] == pytest.approx(175.0)
    np.testing.assert_allclose(ds["time"].values, 50.0 + np.arange(1, layout.n_record + 1) * 0.1)
    assert ds["param"].values.tolist() == [0.0, 12.0]
    assert ds["V"].dims == ("param", "ic", "time")


def test_command_current_of_protocol_and_constant_stores(protocol_store, trajectory_store):
    np.testing.assert_array_equal(command_current(protocol_store), protocol_store[COMMAND].values)
    constant = trajectory_store("hh", [3.0, 9.0], n_ic=1, transient=0.0, duration=50.0)
    current = command_current(constant)
    assert current.shape == (2, constant.sizes["time"]) and current.dtype == np.float64
    assert (current[0] == 3.0).all() and (current[1] == 9.0).all()
    assert constant_control(constant) is constant


def test_step_epochs_cut_the_last_step(protocol_store):
    ds = protocol_store
    layout = SHORT.layout(HH.sample_dt)
    start = layout.step_start(layout.repeats - 1)
    epochs = step_epochs(ds)
    assert dict(epochs.sizes) == {"param": 2, "ic": 2, "time": layout.n_step, "state": 4}
    assert PROTOCOL_ATTR not in epochs.attrs and COMMAND not in epochs
    np.testing.assert_array_equal(epochs["V"].values, ds["V"].values[:, :, start : start + layout.n_step])
    np.testing.assert_allclose(epochs["time"].values, np.arange(1, layout.n_step + 1) * 0.1)
    np.testing.assert_array_equal(epochs["onset_state"].sel(state="V").values, ds["V"].values[:, :, start - 1])
    np.testing.assert_array_equal(epochs["final_state"].sel(state="n").values,
                                  ds["n"].values[:, :, start + layout.n_step - 1])
    assert epochs.attrs["transient"] == 0.0 and epochs.attrs["duration"] == pytest.approx(50.0)
    info = json.loads(epochs.attrs[EPOCHS_ATTR])
    assert info["repeats"] == [1] and info["onsets"] == [pytest.approx(50.0 + start * 0.1)]
    # the command of the epochs is the step amplitude throughout, as for a constant-control store
    np.testing.assert_array_equal(command_current(epochs)[1], np.full(layout.n_step, 12.0))
    assert np.all(ds[COMMAND].values[1, start - 1 : start + layout.n_step - 1] == 12.0)
    # the step to the holding current itself rests; the step to 12 fires
    assert _crossings(epochs["V"].values[0, 0]) == 0 and _crossings(epochs["V"].values[1, 0]) >= 3
    assert constant_control(ds).identical(epochs)


def test_step_epochs_of_every_repeat_and_with_a_skip(protocol_store):
    ds = protocol_store
    layout = SHORT.layout(HH.sample_dt)
    every = step_epochs(ds, repeats="all")
    assert dict(every.sizes) == {"param": 2, "ic": 4, "time": layout.n_step, "state": 4}
    assert every["repeat"].values.tolist() == [0, 0, 1, 1] and every["source_ic"].values.tolist() == [0, 1, 0, 1]
    for row, (repeat, ic) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        start = layout.step_start(repeat)
        np.testing.assert_array_equal(every["V"].values[:, row], ds["V"].values[:, ic, start : start + layout.n_step])
    assert every["status"].shape == (2, 4)
    first = step_epochs(ds, repeats=0, skip=10.0)
    assert first.sizes["time"] == layout.n_step - 100
    np.testing.assert_allclose(first["time"].values[[0, -1]], [10.1, 50.0])
    start = layout.step_start(0) + 100
    np.testing.assert_array_equal(first["V"].values, ds["V"].values[:, :, start : start + layout.n_step - 100])
    assert first.attrs["transient"] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="repeats must be"):
        step_epochs(ds, repeats=2)
    with pytest.raises(ValueError, match="skip"):
        step_epochs(ds, skip=50.0)


def test_step_epochs_refuse_a_constant_control_store(trajectory_store):
    with pytest.raises(ValueError, match="not a step-protocol store"):
        step_epochs(trajectory_store("hh", [3.0], transient=0.0, duration=50.0))


def test_step_epochs_classify_like_constant_control_traces(protocol_store):
    from neurorecon.analysis import classify_store
    from neurorecon.dynamics.regimes import Regime

    regimes = classify_store(step_epochs(protocol_store), lyapunov=False)
    assert regimes["regime"].values.tolist() == [[Regime.REST] * 2, [Regime.TONIC_SPIKING] * 2]


def test_mismatches_name_a_changed_protocol(protocol_store):
    spec = SimulationSpec([0.0, 12.0], n_ic=2, seed=1)
    assert mismatches(protocol_store, "hh", spec, SHORT) == []
    changed = mismatches(protocol_store, "hh", spec, replace(SHORT, gap=30.0))
    assert changed[0] == "protocol gap 25, the dataset's is 30"
    assert any(problem.startswith("duration") for problem in changed)
    assert mismatches(protocol_store, "hh", spec, replace(SHORT, holding=1.0)) == [
        "protocol holding 0, the dataset's is 1"]
    constant = mismatches(protocol_store, "hh", spec)
    assert constant[0].startswith("it holds a step protocol") and "constant control" in constant[0]


def test_mismatches_name_a_protocol_missing_from_a_constant_store(trajectory_store):
    store = trajectory_store("hh", [12.0], n_ic=1, seed=1, transient=50.0, duration=175.0)
    store.attrs["seed"] = 1
    spec = SimulationSpec([12.0], n_ic=1, seed=1, transient=50.0, duration=175.0)
    assert mismatches(store, "hh", spec) == []
    problems = mismatches(store, "hh", spec, SHORT)
    assert problems == ["it holds constant-control traces, the dataset's training is a step protocol "
                        f"({SHORT.to_json()})"]


def test_merged_chunks_keep_the_command_and_refuse_different_protocols():
    spec = SimulationSpec([0.0, 12.0], n_ic=1, seed=1)
    parts = [trajectories_dataset(HH, simulate_protocol(HH, replace(spec, control_values=[value]), SHORT), "default",
                                  {"seed": 1}, SHORT) for value in (12.0, 0.0)]
    whole = trajectories_dataset(HH, simulate_protocol(HH, spec, SHORT), "default", {"seed": 1}, SHORT)
    merged = merge_trajectories(parts)
    xr.testing.assert_identical(merged[[COMMAND, "V", "final_state"]], whole[[COMMAND, "V", "final_state"]])
    assert merged.attrs[PROTOCOL_ATTR] == SHORT.to_json()
    other = parts[1].copy()
    other.attrs[PROTOCOL_ATTR] = replace(SHORT, repeats=3).to_json()
    with pytest.raises(Exception, match="disagree on 'protocol'"):
        merge_trajectories([parts[0], other])
