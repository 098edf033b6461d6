"""Training infrastructure: device choice, seeding, curves, checkpoints and their format version,
resume files."""

import json
import logging
import random

import numpy as np
import pytest
import torch

from neurorecon.io.outputs import write_json
from neurorecon.surrogates.training import (
    FORMAT_VERSION,
    CheckpointError,
    EpochRecord,
    ResumeFile,
    checkpoint_paths,
    fingerprint,
    generator,
    load_checkpoint,
    read_checkpoint_metadata,
    read_curve,
    records_from_state,
    records_state,
    resolve_device,
    restore_rng_state,
    rng_state,
    save_checkpoint,
    seed_everything,
    write_curve,
)


def test_device_auto_and_explicit():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("abacus")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_requested_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")


def test_seeding_repeats_python_numpy_and_torch_draws():
    def draws():
        seed_everything(7, torch.device("cpu"))
        return np.random.rand(3), torch.randn(3)

    (a_np, a_t), (b_np, b_t) = draws(), draws()
    assert np.array_equal(a_np, b_np) and torch.equal(a_t, b_t)
    assert torch.are_deterministic_algorithms_enabled()


def test_epoch_record_line_and_curve_round_trip(tmp_path):
    records = [
        EpochRecord("vae", epoch, 2, 1.0 / epoch, 2.0 / epoch, 1e-3, 0.5 * epoch, {"kl": 3.0, "latent_dim": 2})
        for epoch in (1, 2)
    ]
    line = records[0].line()
    for part in ("epoch 1/2", "loss=1", "lr=0.001", "0.5s", "kl=3"):
        assert part in line
    extra = EpochRecord("map", 5, 2, 1.0, 1.0, 1e-3, 1.0).line()
    assert "epoch 2/2 + 3 " in extra  # an extra epoch past the planned ones, not "epoch 5/2"
    path = write_curve(tmp_path / "curve.tsv", records)
    rows = read_curve(path)
    assert [row["epoch"] for row in rows] == [1.0, 2.0]
    assert rows[1]["val_loss"] == pytest.approx(1.0)
    assert rows[0]["stage"] == "vae" and rows[0]["latent_dim"] == 2.0
    assert not list(tmp_path.glob(".*tmp*"))  # atomic write leaves no temporaries


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.SiLU(), torch.nn.Linear(5, 2))


def test_checkpoint_round_trip_is_bit_for_bit(tmp_path):
    net = _net()
    weights, meta = save_checkpoint(tmp_path / "ck", {"net": net.state_dict()}, {"architecture": [3, 5, 2]})
    assert (weights.name, meta.name) == ("ck.pt", "ck.json")
    for name in ("ck", "ck.pt", "ck.json"):
        states, metadata = load_checkpoint(tmp_path / name, "cpu")
        restored = _net()
        with torch.no_grad():
            for parameter in restored.parameters():
                parameter.add_(1.0)  # make sure loading overwrites
        restored.load_state_dict(states["net"])
        for key, value in net.state_dict().items():
            assert torch.equal(value, restored.state_dict()[key])
        x = torch.randn(4, 3)
        assert torch.equal(net(x), restored(x))
    assert metadata["architecture"] == [3, 5, 2]
    assert metadata["format_version"] == FORMAT_VERSION
    assert {"neurorecon_version", "torch_version"} <= set(metadata)


def test_incompatible_format_version_is_a_clear_error(tmp_path):
    save_checkpoint(tmp_path / "ck", {"net": _net().state_dict()}, {})
    _, meta = checkpoint_paths(tmp_path / "ck")
    data = json.loads(meta.read_text())
    data["format_version"] = FORMAT_VERSION + 1
    meta.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=f"format version {FORMAT_VERSION + 1}.*retrain"):
        load_checkpoint(tmp_path / "ck")
    with pytest.raises(CheckpointError, match="format version"):
        read_checkpoint_metadata(tmp_path / "ck.json")


def test_missing_or_corrupt_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nothing")
    save_checkpoint(tmp_path / "ck", {"net": _net().state_dict()}, {})
    (tmp_path / "ck.pt").write_bytes(b"not a torch file")
    with pytest.raises(CheckpointError, match="unreadable"):
        load_checkpoint(tmp_path / "ck")


def test_write_json_turns_non_finite_numbers_into_null(tmp_path):
    path = write_json(tmp_path / "x.json", {"a": float("nan"), "b": np.float32(1.5), "c": np.arange(2)})
    assert json.loads(path.read_text()) == {"a": None, "b": 1.5, "c": [0, 1]}


def _draws(gen):
    """One draw from every generator a training state carries: python, numpy, torch, ``gen``."""
    return random.random(), np.random.rand(), torch.rand(2), torch.rand(2, generator=gen)


def test_restored_random_states_repeat_every_draw():
    seed_everything(5, torch.device("cpu"))
    gen = generator(6)
    _draws(gen)
    state = rng_state(gen)
    first = _draws(gen)
    _draws(gen)  # move on, then go back
    restore_rng_state(state, gen)
    again = _draws(gen)
    assert first[:2] == again[:2] and torch.equal(first[2], again[2]) and torch.equal(first[3], again[3])


def test_fingerprint_sees_values_dtypes_and_shapes():
    a = np.arange(6, dtype=np.float32)
    assert fingerprint(a) == fingerprint(torch.arange(6, dtype=torch.float32))
    changed = a.copy()
    changed[3] += 1e-6
    assert len({fingerprint(a), fingerprint(changed), fingerprint(a.astype(np.float64)),
                fingerprint(a.reshape(2, 3))}) == 4


def test_resume_file_saves_every_n_epochs_and_loads_for_the_same_identity_only(tmp_path, caplog):
    path = tmp_path / "net.resume.pt"
    resume = ResumeFile(path, {"seed": 1, "settings": {"hidden": (8, 8)}}, every=2)
    records = [EpochRecord("map", 1, 4, 0.5, float("nan"), 1e-3, 0.1, {"horizon": 4})]
    resume.save(1, lambda: {"records": records_state(records)})
    assert not path.exists()
    path.with_name(f".{path.name}.tmp-deadbeef").write_bytes(b"left by a killed write")
    resume.save(2, lambda: {"records": records_state(records), "weights": torch.arange(3.0)})
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    epoch, state = resume.load()
    assert epoch == 2 and torch.equal(state["weights"], torch.arange(3.0))
    restored = records_from_state(state["records"])
    assert restored[0].extra == records[0].extra and np.isnan(restored[0].val_loss)
    assert ResumeFile(path, {"seed": 1, "settings": {"hidden": [8, 8]}}, every=5).load()[0] == 2
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        assert ResumeFile(path, {"seed": 2, "settings": {"hidden": (8, 8)}}).load() is None
    assert "written for a different run (seed differ)" in caplog.text
    resume.remove()
    assert not path.exists() and resume.load() is None


def test_unreadable_resume_file_is_ignored_with_a_reason(tmp_path, caplog):
    path = tmp_path / "net.resume.pt"
    path.write_bytes(b"not a torch file")
    with caplog.at_level(logging.INFO, logger="neurorecon"):
        assert ResumeFile(path, {}).load() is None
    assert "ignoring unreadable resume file" in caplog.text


def test_limit_threads_caps_torch_and_numba():
    import numba

    from neurorecon.surrogates.training import limit_threads

    before = torch.get_num_threads(), numba.get_num_threads()
    try:
        assert limit_threads(1) == 1
        assert torch.get_num_threads() == 1 and numba.get_num_threads() == 1
        assert limit_threads(0) == 1  # never below one thread
    finally:
        torch.set_num_threads(before[0])
        numba.set_num_threads(before[1])
