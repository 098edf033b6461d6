"""Families and the training-value check on step-protocol training stores: the constant-control
consumers read the step epochs."""

import numpy as np
import pytest

from neurorecon.io.stores import read_dataset
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.protocol import StepProtocol, step_epochs
from neurorecon.simulate.to_store import simulate_to_store
from neurorecon.surrogates.base import ObservedRollout
from neurorecon.surrogates.settings import CheckSettings
from neurorecon.surrogates.training_check import run_training_check, trace_stats
from neurorecon.surrogates.vae_map.embedding import segments_from_store

HH = get_model("hh")
PROTOCOL = StepProtocol(holding=0.0, step=60.0, gap=20.0, repeats=2, settle=50.0)
VALUES = [12.0, 16.0]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("protocol") / "train.zarr"
    return simulate_to_store("hh", SimulationSpec(VALUES, n_ic=2, seed=0), path, {"seed": 0}, protocol=PROTOCOL)


class TruthAtConstantCurrent:
    """A stand-in surrogate whose free runs are the truth itself at constant current."""

    def rollout(self, control_values, n_ic, n_steps, transient_steps, seed, lyapunov_steps=0):
        spec = SimulationSpec(list(control_values), n_ic=n_ic, seed=seed + 10,
                              transient=transient_steps * HH.sample_dt, duration=n_steps * HH.sample_dt)
        result = simulate(HH, spec)
        return ObservedRollout(result.trajectories[:, :, HH.observed_index], result.status)


def test_training_check_compares_with_the_step_epochs(store_path):
    """The whole protocol trace (steps and silent gaps) is no constant-control regime; its last step
    epoch is tonic spiking, and the truth run at constant current passes against it."""
    ds = read_dataset(store_path)
    settings = CheckSettings(n_steps=2000, transient_steps=500, n_ic=2)
    check = run_training_check(TruthAtConstantCurrent(), ds, settings, seed=0)
    assert check.passed, check.values
    epochs = step_epochs(ds)["V"].values
    for value, row in zip(check.values, epochs, strict=True):
        assert value["truth"]["regime"] == "tonic_spiking"
        period = trace_stats(row[None], HH.sample_dt, 0.0).period[0]
        assert value["truth"]["period"] == pytest.approx(float(np.median(period)))


def test_vae_map_segments_are_the_step_epochs_of_every_repeat(store_path):
    ds = read_dataset(store_path)
    segments = segments_from_store(ds)
    layout = PROTOCOL.layout(HH.sample_dt)
    assert segments.series.shape == (len(VALUES) * 2 * PROTOCOL.repeats, layout.n_step)
    assert segments.control.tolist() == [12.0] * 4 + [16.0] * 4
    start = layout.step_start(1)
    np.testing.assert_array_equal(segments.series[2], ds["V"].values[0, 0, start : start + layout.n_step])


def test_vae_map_trains_on_a_protocol_store(store_path, tmp_path):
    from neurorecon.surrogates.vae_map.settings import MapSettings, VaeSettings
    from neurorecon.surrogates.vae_map.stages import train_map, train_vae

    vae = VaeSettings(embedding_dim=10, stride=4, hidden=(16, 16), epochs=2, batch_size=64)
    vae_out = train_vae(store_path, 2, vae, seed=0, device="cpu", out_dir=tmp_path / "vae")
    settings = MapSettings(hidden=16, depth=1, epochs=2, batches_per_epoch=3, batch_size=16, horizon_start=2,
                           horizon_max=4, ramp_epochs=1, check_from_epoch=2, candidates=1,
                           check=CheckSettings(n_steps=600, transient_steps=100, n_ic=2))
    outputs = train_map(store_path, vae_out.checkpoint, settings, seed=0, device="cpu", out_dir=tmp_path / "map")
    assert outputs.checkpoint.with_suffix(".pt").exists()
    assert outputs.report == {} or "values" in outputs.report
