"""The ``neurorecon`` command: listing models, simulating into a store, refusing bad input."""

import json
import os

import pytest

from neurorecon.cli import main
from neurorecon.io.stores import read_dataset


def test_models_lists_every_model_with_control_and_units(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("srk", "hh", "morris_lecar", "hindmarsh_rose", "fitzhugh_nagumo"):
        assert f"{name}:" in out
    assert "VS [mV] in [-48, -24]" in out
    assert "snic" in out and "hopf" in out


def test_simulate_writes_a_store_with_negative_values_and_overrides(tmp_path, capsys):
    out = tmp_path / "srk.zarr"
    code = main(["simulate", "srk", "--values", "-40,-30", "--ic", "2", "--transient", "1",
                 "--duration", "2", "--param", "gK=9.5", "--seed", "3", "-o", str(out)])
    assert code == 0
    ds = read_dataset(out, kind="trajectories")
    assert list(ds["param"].values) == [-40.0, -30.0]
    assert ds.sizes["ic"] == 2 and ds.attrs["seed"] == 3
    assert '"gK": 9.5' in ds.attrs["parameters"]
    assert "srk:" in capsys.readouterr().err  # progress went to stderr


def test_sweep_gives_evenly_spaced_values(tmp_path):
    out = tmp_path / "fhn.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--sweep", "0:1:5", "--duration", "1", "-o", str(out)]) == 0
    assert list(read_dataset(out)["param"].values) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_simulate_a_step_protocol(tmp_path):
    out = tmp_path / "hh.zarr"
    assert main(["simulate", "hh", "--values", "0,12", "--protocol", "step=40,gap=10,repeats=2,settle=20",
                 "-o", str(out)]) == 0
    ds = read_dataset(out, kind="trajectories")
    assert json.loads(ds.attrs["protocol"]) == {"holding": 0.0, "step": 40.0, "gap": 10.0, "repeats": 2,
                                                "settle": 20.0}
    assert ds["command"].shape == (2, 1100) and ds.attrs["transient"] == 20.0
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--protocol", "-o", str(tmp_path / "f.zarr")]) == 0
    assert json.loads(read_dataset(tmp_path / "f.zarr").attrs["protocol"])["step"] == 160.0  # every default


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch", "--values", "1"], "unknown model 'nosuch'"),
        (["srk", "--values", "-40", "--protocol"], "--protocol: model 'srk' is controlled by VS"),
        (["hh", "--values", "12", "--protocol", "step=20"], "--protocol step: 20 ms is shorter than"),
        (["hh", "--values", "12", "--protocol", "holding=30"], "--protocol holding: 30 is outside"),
        (["hh", "--values", "12", "--protocol", "gap"], "--protocol: expected KEY=VALUE, got 'gap'"),
        (["hh", "--values", "12", "--protocol", "repeats=1.5"], "--protocol repeats: '1.5' is not a whole number"),
        (["hh", "--values", "12", "--protocol", "steps=90"], "--protocol steps: unknown key"),
        (["morris_lecar", "--set", "nosuch", "--values", "1"], "no parameter set 'nosuch'"),
        (["hh", "--values", "1,nan"], "--values: 'nan' is not finite"),
        (["hh", "--values", "1,abc"], "--values: 'abc' is not a number"),
        (["hh", "--sweep", "5:1:3"], "START (5.0) must be below STOP (1.0)"),
        (["hh", "--sweep", "1:5"], "expected START:STOP:NUM"),
        (["hh", "--values", "1", "--duration", "-3"], "duration must be a finite number > 0"),
        (["hh", "--values", "1", "--duration", "inf"], "duration must be a finite number > 0"),
        (["hh", "--values", "1", "--transient", "-1"], "transient must be a finite number >= 0"),
        (["hh", "--values", "1", "--param", "gX=1"], "no parameter 'gX'"),
        (["hh", "--values", "1", "--param", "I=3"], "--param I: this is the control parameter"),
        (["hh", "--values", "1", "--ic", "0"], "initial states must be >= 1"),
    ],
)
def test_bad_input_fails_with_clear_message_and_no_store(tmp_path, capsys, args, message):
    out = tmp_path / "out.zarr"
    argv = ["simulate", *args] + ([] if "--duration" in args else ["--duration", "1"])
    assert main([*argv, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_unwritable_output_fails_before_simulating(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["simulate", "hh", "--values", "1", "--duration", "1", "-o", str(blocker / "x.zarr")]) == 2
    err = capsys.readouterr().err
    assert "cannot write output" in err and "x.zarr" in err
    assert "hh:" not in err  # no simulation progress: it stopped first


def test_classify_prints_summary_and_writes_store_and_csv(tmp_path, capsys):
    traj = tmp_path / "fhn.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0,0.5", "--ic", "2", "--duration", "300",
                 "-o", str(traj)]) == 0
    out, csv = tmp_path / "regimes.zarr", tmp_path / "regimes.csv"
    assert main(["classify", str(traj), "-o", str(out), "--csv", str(csv)]) == 0
    printed = capsys.readouterr().out
    assert "rest -> tonic_spiking between I=0 and 0.5" in printed
    assert read_dataset(out, kind="regimes")["regime"].values.tolist() == [[0, 0], [2, 2]]
    header = csv.read_text().splitlines()[0]
    assert header == "param,ic,regime,regime_name,firing_rate,spikes_per_burst,isi_cv,lyap_max,n_spikes"


def test_classify_refuses_a_store_that_is_not_trajectories(tmp_path, capsys):
    traj = tmp_path / "fhn.zarr"
    main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "100", "-o", str(traj)])
    regimes = tmp_path / "regimes.zarr"
    assert main(["classify", str(traj), "--no-lyapunov", "-o", str(regimes)]) == 0
    capsys.readouterr()
    assert main(["classify", str(regimes)]) == 2
    assert "not a trajectory store" in capsys.readouterr().err
    assert main(["classify", str(tmp_path / "missing.zarr")]) == 2
    assert "does not exist" in capsys.readouterr().err


TINY_SURROGATE = os.path.join(os.path.dirname(__file__), "..", "config", "tiny_surrogate.yaml")


def test_train_runs_every_stage_into_the_workflow_layout(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", TINY_SURROGATE, "--dataset", "fhn", "--seed", "4", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "simulating the training values of 'fhn'" in err and "chosen latent dimension" in err
    run = tmp_path / "results" / "fhn" / "vae_map" / "seed4"
    for d in (1, 2):
        assert (run / "vae" / f"d{d}" / "vae.pt").exists()
    for name in ("latent.json", "figures/latent_selection.png", "figures/training_curves.png", "surrogate.pt",
                 "surrogate.json", "training_check.json", "map/rollout_check.json", "map/map_curve.tsv"):
        assert (run / name).exists(), name
    assert list(read_dataset(tmp_path / "results" / "fhn" / "truth" / "train.zarr")["param"].values) == [0.5, 0.8]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "nosuch"], "--dataset: 'nosuch' is not in"),
        (["--dataset", "fhn", "--surrogate", "other"], "--surrogate: 'other' is not under 'surrogates'"),
    ],
)
def test_train_refuses_unknown_names(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["train", TINY_SURROGATE, *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_train_refuses_a_recording_dataset_naming_the_workflow_target(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    default = os.path.join(os.path.dirname(__file__), "..", "config", "config.yaml")
    assert main(["train", default, "--dataset", "cell_0018"]) == 2
    err = capsys.readouterr().err
    assert "--dataset: 'cell_0018' is a recording (kind recording)" in err
    assert "results/cell_0018/<surrogate>/seed<k>/steps.tsv" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_train_refuses_a_config_without_a_surrogate_for_the_dataset(tmp_path, capsys):
    tiny = os.path.join(os.path.dirname(__file__), "..", "config", "tiny.yaml")
    assert main(["train", tiny, "--dataset", "fhn", "-o", str(tmp_path / "out")]) == 2
    assert "no entry under 'surrogates' in the config trains on dataset 'fhn'" in capsys.readouterr().err


def test_train_reports_an_embedding_longer_than_the_training_segments(tmp_path, capsys):
    config = tmp_path / "long.yaml"
    text = open(TINY_SURROGATE).read().replace("embedding_dim: 10", "embedding_dim: 100000")
    config.write_text(text)
    assert main(["train", str(config), "--dataset", "fhn", "--train-store", str(tmp_path / "train.zarr"),
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "config key surrogates.vae_map.settings.vae.embedding_dim" in err and "100000" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]  # caught before any simulation


def test_train_refuses_a_constant_store_for_a_protocol_dataset(tmp_path, capsys):
    """A dataset with train.protocol needs a protocol store: a constant-control one at the path is
    refused before any training, naming the difference."""
    import yaml

    config = yaml.safe_load(open(TINY_SURROGATE).read())
    store = tmp_path / "train.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5,0.8", "--ic", "2", "--transient", "20",
                 "--duration", "200", "-o", str(store)]) == 0
    config["datasets"]["fhn"]["train"]["protocol"] = {"step": 100.0, "gap": 40.0, "repeats": 2}
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(config))
    capsys.readouterr()
    assert main(["train", str(path), "--dataset", "fhn", "--train-store", str(store), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "does not match dataset 'fhn'" in err and "the dataset's training is a step protocol" in err
    assert not (tmp_path / "out").exists()
