"""The vae_map stages end to end on a tiny synthetic store: outputs, sweep layout, checkpoints,
reproducibility and clear errors for bad input. Networks and epochs are tiny: this tests the
plumbing, not the quality (see benchmarks/ and the issue report for that)."""

import json

import numpy as np
import pytest
import torch
import xarray as xr

from neurorecon.analysis import classify_store
from neurorecon.dynamics import classify_trajectories
from neurorecon.io.stores import StoreError, write_dataset
from neurorecon.surrogates import FAMILIES, get_family, load_surrogate
from neurorecon.surrogates.settings import CheckSettings
from neurorecon.surrogates.sweep import sweep
from neurorecon.surrogates.training import FORMAT_VERSION, CheckpointError, load_checkpoint, read_curve
from neurorecon.surrogates.vae_map.embedding import EmbeddingError
from neurorecon.surrogates.vae_map.family import VaeMapSurrogate
from neurorecon.surrogates.vae_map.rollout_check import TrainingValueCheck
from neurorecon.surrogates.vae_map.settings import LatentSelection, MapSettings, VaeMapSettings, VaeSettings
from neurorecon.surrogates.vae_map.stages import candidate_seeds, select_latent, train_map, train_vae

VALUES = (1.0, 2.0)
SAMPLE_DT = 0.01
VAE = VaeSettings(embedding_dim=10, stride=2, hidden=(16, 16), epochs=3, batch_size=64)
MAP = MapSettings(
    hidden=16, depth=1, epochs=3, batches_per_epoch=5, batch_size=16, horizon_start=2, horizon_max=4,
    ramp_epochs=2, check_from_epoch=2, check=CheckSettings(n_steps=300, transient_steps=50, n_ic=2),
)


def _store(values=VALUES, n_time=1500):
    """Spiky periodic voltage (spike rate grows with the control); the hidden state is all NaN."""
    t = SAMPLE_DT * np.arange(n_time)
    phase = np.array([0.0, 1.3])  # two initial states
    rate = 1.0 + 0.5 * np.asarray(values, dtype=float)
    v = -60.0 + 50.0 * np.sin(np.pi * (rate[:, None, None] * t + phase[None, :, None])) ** 16
    shape = v.shape
    return xr.Dataset(
        {
            "V": (("param", "ic", "time"), v.astype(np.float32), {"units": "mV"}),
            "h": (("param", "ic", "time"), np.full(shape, np.nan, dtype=np.float32)),
            "status": (("param", "ic"), np.zeros(shape[:2], dtype=np.int8)),
        },
        coords={
            "param": ("param", list(values), {"units": "uA/cm2", "long_name": "I"}),
            "ic": np.arange(shape[1]),
            "time": ("time", 100.0 + t, {"units": "s"}),
        },
        attrs={"kind": "trajectories", "observed": "V", "spike_threshold": -35.0, "time_unit": "s",
               "sample_dt": SAMPLE_DT, "control": "I", "control_unit": "uA/cm2", "model": "toy"},
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("vae_map")
    store = write_dataset(_store(), root / "train.zarr")
    lines = []
    curves = [train_vae(store, d, VAE, seed=3, device="cpu", out_dir=root / f"vae{d}",
                        progress=lambda r: lines.append(r.line())).curve for d in (1, 2)]
    choice = select_latent(curves, LatentSelection(dims=(1, 2), rel_tol=1e9), root / "latent.json")
    outputs = train_map(store, root / f"vae{choice.latent_dim}" / "vae", MAP, seed=3, device="cpu",
                        out_dir=root / "map")
    return {"root": root, "store": store, "curves": curves, "choice": choice, "outputs": outputs, "lines": lines}


def test_stages_write_their_outputs(trained):
    root, outputs = trained["root"], trained["outputs"]
    assert len(trained["lines"]) == 2 * VAE.epochs and "epoch 3/3" in trained["lines"][-1]
    for d in (1, 2):
        assert (root / f"vae{d}" / "vae.pt").exists() and (root / f"vae{d}" / "vae.json").exists()
    assert trained["choice"].elbow == 1  # the smallest d within the (huge) tolerance
    assert trained["choice"].latent_dim == 2  # elbow + margin 1
    latent = json.loads((root / "latent.json").read_text())
    assert latent["latent_dim"] == 2 and latent["elbow"] == 1 and set(latent["levels"]) == {"1", "2"}
    assert outputs.checkpoint.with_suffix(".pt").exists() and outputs.curve.exists()
    check = json.loads(outputs.check.read_text())
    assert {"selected_candidate", "selected_epoch", "training_truth", "selected", "candidates", "epochs"} <= set(check)
    assert [value["control"] for value in check["selected"]["values"]] == list(VALUES)
    assert len(check["selected"]["values"][0]["traces"]) == MAP.check.n_ic
    assert not list(root.rglob(".*tmp*")) and not list(root.rglob("*.resume.pt"))
    surrogate = load_surrogate(root / "map", "cpu")
    assert 0 <= surrogate.readout_entry < VAE.embedding_dim  # map.readout "best", recorded
    assert json.loads((root / "map" / "surrogate.json").read_text())["readout_entry"] == surrogate.readout_entry


def test_map_candidates_all_failing_are_all_trained_and_the_best_ranked_is_kept(trained):
    check = json.loads(trained["outputs"].check.read_text())
    candidates = check["candidates"]
    assert not any(candidate["passed"] for candidate in candidates)  # the tiny map cannot pass
    assert check["selected"]["passed"] is False
    assert [candidate["candidate"] for candidate in candidates] == list(range(MAP.candidates))
    assert [candidate["seed"] for candidate in candidates] == candidate_seeds(3, MAP.candidates)
    assert len(set(candidate_seeds(3, MAP.candidates))) == MAP.candidates
    rank = [(c["check_traces_passed"], -c["check_error"]) for c in candidates]
    assert rank[check["selected_candidate"]] == max(rank)
    chosen = candidates[check["selected_candidate"]]
    assert check["selected_epoch"] == chosen["selected_epoch"]
    assert check["selected"]["n_traces_passed"] == chosen["check_traces_passed"]
    curve = read_curve(trained["outputs"].curve)
    assert sorted({row["candidate"] for row in curve}) == list(range(MAP.candidates))
    assert [sum(row["candidate"] == c["candidate"] for row in curve) for c in candidates] == \
        [c["epochs_trained"] for c in candidates]
    _, metadata = load_checkpoint(trained["outputs"].checkpoint)
    assert metadata["selected_candidate"] == check["selected_candidate"]
    assert metadata["candidate_seed"] == chosen["seed"]


def test_map_candidates_stop_at_the_first_that_passes(trained, tmp_path, monkeypatch):
    calls = []

    def judge(self, surrogate):  # candidate 0 fails every judged epoch, then everything passes
        calls.append(len(calls))
        passed = len(calls) > MAP.epochs - MAP.check_from_epoch + 1 + MAP.extra_epochs
        return (float(passed), 0.0), {"passed": passed, "check_traces_passed": int(passed), "report": {"passed": passed}}

    monkeypatch.setattr(TrainingValueCheck, "judge", judge)
    outputs = train_map(trained["store"], trained["root"] / "vae2" / "vae", MAP, seed=3, device="cpu",
                        out_dir=tmp_path)
    check = json.loads(outputs.check.read_text())
    assert [c["passed"] for c in check["candidates"]] == [False, True]  # candidate 2 never trained
    assert check["selected_candidate"] == 1 and check["selected"]["passed"] is True
    assert check["candidates"][1]["epochs_trained"] == MAP.check_from_epoch  # stops at its first pass
    assert check["candidates"][0]["epochs_trained"] == MAP.epochs + MAP.extra_epochs


def test_sweep_has_the_truth_store_layout(trained):
    values = np.array([0.5, 1.5, 2.5])
    ds = sweep(trained["root"] / "map", values, n_ic=3, n_steps=400, transient_steps=100, seed=0, device="cpu")
    assert ds["V"].dims == ("param", "ic", "time") and ds["V"].shape == (3, 3, 400)
    assert ds["V"].dtype == np.float32 and ds["status"].dtype == np.int8
    assert ds["status"].dims == ("param", "ic")
    assert np.array_equal(ds["param"].values, values)
    assert ds["time"].values[0] == pytest.approx(101 * SAMPLE_DT)
    assert np.allclose(np.diff(ds["time"].values), SAMPLE_DT)
    for coord in ("param", "time"):
        assert "units" in ds[coord].attrs
    attrs = ds.attrs
    assert attrs["kind"] == "trajectories" and attrs["source"] == "surrogate"
    for key, value in {"observed": "V", "spike_threshold": -35.0, "time_unit": "s", "sample_dt": SAMPLE_DT,
                       "control": "I", "model": "toy"}.items():
        assert attrs[key] == value
    regimes = classify_trajectories(ds)  # the truth classifier takes the surrogate store as is
    assert regimes["regime"].shape == (3, 3)
    path = write_dataset(ds, trained["root"] / "sweep.zarr")
    assert path.exists()


class _LinearMap(torch.nn.Module):
    """z -> a(p) z with a = 0.5 at scaled control <= 0 and 0.8 above: known exponents log(a) / dt."""

    def forward(self, z, p):
        return torch.where(p > 0, 0.8, 0.5) * z


def test_surrogate_lyapunov_exponent_of_a_known_linear_map(trained):
    surrogate = load_surrogate(trained["root"] / "map", "cpu")
    surrogate.net = _LinearMap()  # scaled controls: 1.0 -> -1, 2.0 -> +1 (two training values)
    z0 = torch.ones(2, surrogate.latent_dim)
    estimate = surrogate.lyapunov(z0, np.array([1.0, 2.0]), n_steps=200)
    expected = np.log([0.5, 0.8]) / SAMPLE_DT
    assert np.allclose(estimate.exponent, expected, rtol=1e-4)


def test_sweep_carries_the_surrogate_lyapunov_exponent_into_the_regimes(trained):
    values = np.array([1.0, 2.0])
    ds = sweep(trained["root"] / "map", values, n_ic=2, n_steps=300, transient_steps=50, seed=0, device="cpu",
               lyapunov_steps=200)
    assert ds["lyap_max"].dims == ("param", "ic") and ds["lyap_max"].attrs["units"] == "1/s"
    ok = ds["status"].values == 0
    assert np.isfinite(ds["lyap_max"].values[ok]).all() and np.isnan(ds["lyap_max"].values[~ok]).all()
    regimes = classify_store(ds)
    assert np.array_equal(regimes["lyap_max"].values, ds["lyap_max"].values, equal_nan=True)
    without = sweep(trained["root"] / "map", values, n_ic=2, n_steps=300, transient_steps=50, seed=0, device="cpu")
    assert "lyap_max" not in without and np.array_equal(without["V"].values, ds["V"].values, equal_nan=True)


def test_checkpoint_round_trip_is_bit_for_bit(trained, tmp_path):
    first = load_surrogate(trained["root"] / "map", "cpu")
    first.save(tmp_path / "copy")
    second = load_surrogate(tmp_path / "copy.json", "cpu")
    states_a, meta_a = load_checkpoint(trained["outputs"].checkpoint)
    states_b, meta_b = load_checkpoint(tmp_path / "copy")
    assert meta_a == meta_b
    for part in states_a:
        assert states_a[part].keys() == states_b[part].keys()
        for key in states_a[part]:
            assert torch.equal(states_a[part][key], states_b[part][key])
    values = np.array([1.0, 1.7])
    a = first.rollout(values, 2, 200, 10, seed=5)
    b = second.rollout(values, 2, 200, 10, seed=5)
    assert np.array_equal(a.observed, b.observed, equal_nan=True) and np.array_equal(a.status, b.status)
    assert isinstance(second, VaeMapSurrogate) and second.latent_dim == trained["choice"].latent_dim
    assert np.array_equal(second.training_values, VALUES)


def test_training_is_repeatable_on_cpu(trained, tmp_path):
    train_vae(trained["store"], 1, VAE, seed=3, device="cpu", out_dir=tmp_path)
    again, _ = load_checkpoint(tmp_path / "vae")
    before, _ = load_checkpoint(trained["root"] / "vae1" / "vae")
    for key, value in before["vae"].items():
        assert torch.equal(value, again["vae"][key])


def test_incompatible_checkpoint_version_is_a_clear_error(trained, tmp_path):
    load_surrogate(trained["root"] / "map").save(tmp_path / "old")
    meta = tmp_path / "old.json"
    data = json.loads(meta.read_text())
    data["format_version"] = FORMAT_VERSION - 1
    meta.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="format version"):
        load_surrogate(tmp_path / "old")


def test_wrong_checkpoint_kinds_are_clear_errors(trained):
    root = trained["root"]
    with pytest.raises(CheckpointError, match="not a vae_map VAE checkpoint"):
        train_map(trained["store"], root / "map" / "surrogate", MAP, seed=0, device="cpu", out_dir=root / "x")
    with pytest.raises(CheckpointError, match="not a complete vae_map surrogate"):
        load_surrogate(root / "vae1" / "vae")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_surrogate(root / "nowhere")


def test_bad_inputs_are_clear_errors(trained, tmp_path):
    with pytest.raises(EmbeddingError, match="spans 2000 samples"):
        train_vae(trained["store"], 1, VaeSettings(embedding_dim=2000, delay=1), seed=0, device="cpu", out_dir=tmp_path)
    empty = write_dataset(_store(values=()), tmp_path / "empty.zarr")
    with pytest.raises(EmbeddingError, match="no training values"):
        train_vae(empty, 1, VAE, seed=0, device="cpu", out_dir=tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        train_vae(tmp_path / "missing.zarr", 1, VAE, seed=0, device="cpu", out_dir=tmp_path)
    with pytest.raises(ValueError, match="latent scan is empty"):
        select_latent([], LatentSelection())
    with pytest.raises(ValueError, match="two VAE curves"):
        select_latent(trained["curves"] * 2, LatentSelection())
    with pytest.raises(ValueError, match="at least one control value"):
        sweep(trained["root"] / "map", [], 1, 10, 0, seed=0, device="cpu")
    other = write_dataset(_store(values=(1.0, 3.0)), tmp_path / "other.zarr")
    with pytest.raises(ValueError, match="differ from the VAE"):
        train_map(other, trained["root"] / "vae1" / "vae", MAP, seed=0, device="cpu", out_dir=tmp_path)


def test_registry():
    entry = get_family("vae_map")
    assert entry is FAMILIES["vae_map"] and entry.surrogate_type is VaeMapSurrogate
    assert entry.settings_type is VaeMapSettings and VaeMapSurrogate.settings_type is VaeMapSettings
    with pytest.raises(ValueError, match="unknown surrogate family 'ode'.*vae_map"):
        get_family("ode")


def test_vae_map_forecasts_from_observed_history(trained):
    surrogate = load_surrogate(trained["root"] / "map", "cpu")
    x = _store()["V"].values[:, 0, :]  # (2 values, n_time)
    predicted = surrogate.forecast(x[:, :100], np.array(VALUES), n_steps=30)
    assert predicted.shape == (2, 30) and predicted.dtype == np.float32 and np.isfinite(predicted).all()
    span = (VAE.embedding_dim - 1) * VAE.delay + 1
    with pytest.raises(ValueError, match=f"at least {span} samples of history"):
        surrogate.forecast(x[:, : span - 1], np.array(VALUES), n_steps=5)
