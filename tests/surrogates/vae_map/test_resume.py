"""Resumable training stages: a stage stopped after some epochs and started again resumes from its
last training state and ends with the same checkpoint, curve and check report as an uninterrupted
run, bit for bit (CPU); a training state of another run is ignored."""

import json
import logging
from dataclasses import replace

import pytest
import torch

from neurorecon.io.stores import write_dataset
from neurorecon.surrogates.settings import CheckSettings
from neurorecon.surrogates.training import RESUME_SUFFIX, load_checkpoint, read_curve
from neurorecon.surrogates.vae_map.settings import MapSettings, VaeSettings
from neurorecon.surrogates.vae_map.stages import train_map, train_vae

from .test_stages import _store

VAE = VaeSettings(embedding_dim=10, stride=2, hidden=(16,), epochs=4, batch_size=64)
MAP = MapSettings(
    hidden=16, depth=1, epochs=4, extra_epochs=2, batches_per_epoch=5, batch_size=16, horizon_start=2,
    horizon_max=4, ramp_epochs=2, check_from_epoch=2, checkpoint_every=2,
    check=CheckSettings(n_steps=300, transient_steps=50, n_ic=2),
)
VOLATILE_COLUMNS = {"elapsed_s", "samples_per_s"}  # wall-clock times differ between any two runs


class Killed(Exception):
    """Stands for the SIGKILL of a training job."""


def _killed_after(epoch: int, candidate: int = 0):
    """A progress callback that stops training once ``epoch`` (of map ``candidate``) is done."""
    def progress(record):
        if record.epoch == epoch and record.extra.get("candidate", 0) == candidate:
            raise Killed
    return progress


def _curve(path):
    return [{key: value for key, value in row.items() if key not in VOLATILE_COLUMNS} for row in read_curve(path)]


def assert_same_run(a, b, checkpoint: str, files: tuple[str, ...]):
    """The checkpoints ``checkpoint`` in dirs a and b hold equal tensors and metadata; every file in
    ``files`` is equal (curves: apart from wall-clock columns)."""
    (states_a, meta_a), (states_b, meta_b) = load_checkpoint(a / checkpoint), load_checkpoint(b / checkpoint)
    assert meta_a == meta_b and states_a.keys() == states_b.keys()
    for name, state in states_a.items():
        assert state.keys() == states_b[name].keys()
        for key, tensor in state.items():
            assert torch.equal(tensor, states_b[name][key]), f"{checkpoint}: {name}.{key} differs"
    for name in files:
        if name.endswith(".tsv"):
            assert _curve(a / name) == _curve(b / name)
        else:
            assert json.loads((a / name).read_text()) == json.loads((b / name).read_text())


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return write_dataset(_store(), tmp_path_factory.mktemp("resume") / "train.zarr")


@pytest.fixture(scope="module")
def vae(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("vae")
    return train_vae(store, 2, VAE, seed=3, device="cpu", out_dir=out).checkpoint


def test_a_killed_vae_resumes_and_ends_as_an_uninterrupted_run(store, vae, tmp_path, caplog):
    killed = tmp_path / "killed"
    with pytest.raises(Killed):
        train_vae(store, 2, VAE, seed=3, device="cpu", out_dir=killed, progress=_killed_after(3))
    assert (killed / f"vae{RESUME_SUFFIX}").exists() and not (killed / "vae.pt").exists()
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        train_vae(store, 2, VAE, seed=3, device="cpu", out_dir=killed)
    assert "resuming from epoch 3" in caplog.text
    assert_same_run(vae.parent, killed, "vae", ("vae_curve.tsv",))
    assert sorted(path.name for path in killed.iterdir()) == ["vae.json", "vae.pt", "vae_curve.tsv"]


def test_a_killed_map_resumes_from_its_last_saved_epoch_and_ends_as_an_uninterrupted_run(
        store, vae, tmp_path, caplog):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    outputs = train_map(store, vae, MAP, seed=3, device="cpu", out_dir=whole)
    epochs = len(read_curve(outputs.curve))
    assert epochs > MAP.epochs  # the tiny map fails the check: extra epochs ran, the kill lands in them
    with pytest.raises(Killed):
        train_map(store, vae, MAP, seed=3, device="cpu", out_dir=killed, progress=_killed_after(MAP.epochs + 1))
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        train_map(store, vae, MAP, seed=3, device="cpu", out_dir=killed)
    assert f"resuming from epoch {MAP.epochs}" in caplog.text  # saved every 2 epochs: the kill lost one
    assert_same_run(whole, killed, "surrogate", ("map_curve.tsv", "rollout_check.json"))
    assert not list(killed.glob(f"*{RESUME_SUFFIX}"))


def test_a_map_killed_in_a_later_candidate_keeps_the_finished_ones_and_ends_as_an_uninterrupted_run(
        store, vae, tmp_path, caplog):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    train_map(store, vae, MAP, seed=3, device="cpu", out_dir=whole)
    assert MAP.candidates >= 2
    with pytest.raises(Killed):
        train_map(store, vae, MAP, seed=3, device="cpu", out_dir=killed, progress=_killed_after(3, candidate=1))
    assert sorted(path.name for path in killed.glob(f"*{RESUME_SUFFIX}")) == [
        f"surrogate.c0{RESUME_SUFFIX}", f"surrogate.c1{RESUME_SUFFIX}"]
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        train_map(store, vae, MAP, seed=3, device="cpu", out_dir=killed)
    assert f"resuming from epoch {MAP.epochs + MAP.extra_epochs}" in caplog.text  # candidate 0: finished
    assert "resuming from epoch 2" in caplog.text  # candidate 1: its last saved epoch
    assert_same_run(whole, killed, "surrogate", ("map_curve.tsv", "rollout_check.json"))
    assert not list(killed.glob(f"*{RESUME_SUFFIX}"))


def test_a_training_state_of_other_settings_is_ignored_and_the_run_starts_over(store, tmp_path, caplog):
    other = replace(VAE, lr=3e-3)
    fresh = train_vae(store, 2, other, seed=3, device="cpu", out_dir=tmp_path / "fresh")
    with pytest.raises(Killed):
        train_vae(store, 2, VAE, seed=3, device="cpu", out_dir=tmp_path / "killed", progress=_killed_after(2))
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        train_vae(store, 2, other, seed=3, device="cpu", out_dir=tmp_path / "killed")
    assert "written for a different run (settings differ)" in caplog.text and "resuming" not in caplog.text
    assert_same_run(fresh.checkpoint.parent, tmp_path / "killed", "vae", ("vae_curve.tsv",))
