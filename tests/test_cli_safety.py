"""The command line never destroys a user's files, never answers quietly wrong, never shows a
traceback for bad input: one test per case found by probing it as an adversarial user would."""

import json
import shutil

import numpy as np
import pytest
import xarray as xr

from neurorecon import cli
from neurorecon.cli import main
from neurorecon.dynamics.regimes import Regime, classify_trajectories
from neurorecon.io.stores import read_dataset

from .test_cli import TINY_SURROGATE


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def fhn_store(tmp_path_factory):
    """A 100-time-unit FitzHugh–Nagumo store (tonic at I = 0.5), long enough to classify."""
    path = tmp_path_factory.mktemp("fhn") / "fhn.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "100", "-o", str(path)]) == 0
    return path


def _copy(store, tmp_path, name="in.zarr"):
    target = tmp_path / name
    shutil.copytree(store, target)
    return target


def _set_attr(store, key, value):
    meta = store / "zarr.json"
    data = json.loads(meta.read_text())
    data["attributes"][key] = value
    meta.write_text(json.dumps(data))


# 1. An existing user folder at -o is refused and kept, with or without --overwrite.
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_simulate_and_classify_keep_a_user_folder(tmp_path, capsys, fhn_store, overwrite):
    mydata = tmp_path / "mydata"
    mydata.mkdir()
    (mydata / "cell1.abf").write_bytes(b"recording")
    assert main(["simulate", "hh", "--values", "1", "--duration", "50", "-o", str(mydata), *overwrite]) == 2
    assert main(["classify", str(fhn_store), "--no-lyapunov", "-o", str(mydata), *overwrite]) == 2
    err = capsys.readouterr().err
    assert err.count("existing folder that is not a neurorecon output") == 2 and "Traceback" not in err
    assert _tree(tmp_path) == ["mydata", "mydata/cell1.abf"]
    assert (mydata / "cell1.abf").read_bytes() == b"recording"


def test_a_rerun_replaces_its_own_store_but_another_kind_needs_overwrite(tmp_path, capsys, fhn_store):
    out = tmp_path / "out.zarr"
    argv = ["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "10", "-o", str(out)]
    assert main(argv) == 0 and main(argv) == 0  # rerun: same kind, replaced
    regimes = tmp_path / "regimes.zarr"
    assert main(["classify", str(fhn_store), "--no-lyapunov", "-o", str(regimes)]) == 0
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "10", "-o", str(regimes)]) == 2
    assert "holds a regimes store, not a trajectories store; pass --overwrite" in capsys.readouterr().err
    assert read_dataset(regimes).attrs["kind"] == "regimes"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "10", "-o", str(regimes),
                 "--overwrite"]) == 0
    assert read_dataset(regimes).attrs["kind"] == "trajectories"


# 2. An output that is the input.
def test_classify_refuses_to_write_over_its_input(tmp_path, capsys, fhn_store):
    source = _copy(fhn_store, tmp_path)
    before = _tree(tmp_path)
    assert main(["classify", str(source), "-o", str(source), "--overwrite"]) == 2
    assert main(["classify", str(source), "--csv", str(source / "x.csv")]) == 2
    assert "is (or overlaps) the input" in capsys.readouterr().err
    assert _tree(tmp_path) == before and read_dataset(source).attrs["kind"] == "trajectories"


# 3. Glob characters in an output name do not reach other files (see also tests/io/test_outputs.py).
def test_an_output_name_with_glob_characters_removes_nothing_else(tmp_path):
    other = tmp_path / ".xy.zarr.tmp-0123abcd"
    other.mkdir()
    (tmp_path / "xy.zarr").mkdir()
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", "10",
                 "-o", str(tmp_path / "x*.zarr")]) == 0
    assert other.exists() and (tmp_path / "xy.zarr").exists()


# 4. --csv follows the same rules as -o.
def test_csv_of_an_identical_rerun_is_replaced_and_a_user_csv_is_kept(tmp_path, capsys, fhn_store):
    table = tmp_path / "regimes.csv"
    argv = ["classify", str(fhn_store), "--no-lyapunov", "--csv", str(table)]
    assert main(argv) == 0 and main(argv) == 0
    assert table.read_text().splitlines()[0].startswith("param,ic,regime,")
    mine = tmp_path / "mine.csv"
    mine.write_text("cell,rate\n1,2\n")
    assert main(["classify", str(fhn_store), "--no-lyapunov", "--csv", str(mine)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err and mine.read_text() == "cell,rate\n1,2\n"
    assert main(["classify", str(fhn_store), "--no-lyapunov", "--csv", str(mine), "--overwrite"]) == 0
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert main(["classify", str(fhn_store), "--csv", str(folder), "--overwrite"]) == 2
    assert folder.is_dir() and not any(folder.iterdir())


# 5. A record too short to decide is refused, never given a regime (was: 1-s srk 'chaotic').
def test_a_short_srk_record_is_refused_naming_the_minimum(tmp_path, capsys):
    store = tmp_path / "srk.zarr"
    assert main(["simulate", "srk", "--values", "-40", "--transient", "0", "--duration", "1", "-o", str(store)]) == 0
    table = tmp_path / "r.csv"
    assert main(["classify", str(store), "--csv", str(table)]) == 2
    err = capsys.readouterr().err
    assert "the record is 1 s long, too short to decide a regime of model 'srk'" in err
    assert "at least 40 s" in err and not table.exists()


def test_an_undefined_lyapunov_standard_error_never_establishes_chaos(fhn_store):
    ds = read_dataset(fhn_store)
    dims = ("param", "ic")
    lyap = xr.Dataset({
        "lyap_max": (dims, np.full((1, 1), 5.0)),
        "lyap_stderr": (dims, np.full((1, 1), np.nan)),
        "lyap_converged": (dims, np.zeros((1, 1), dtype=bool)),
    })
    assert classify_trajectories(ds, lyap)["regime"].item() == Regime.TONIC_SPIKING
    lyap["lyap_stderr"][:] = 0.01
    assert classify_trajectories(ds, lyap)["regime"].item() == Regime.CHAOTIC


@pytest.mark.parametrize(("duration", "expected"), [("0.4", "the record is 0.4 time units long"),
                                                    ("50", "the record is 50 time units long")])
def test_classify_of_a_one_sample_or_short_store_is_an_error(tmp_path, capsys, duration, expected):
    store = tmp_path / "short.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--duration", duration, "-o", str(store)]) == 0
    assert main(["classify", str(store)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


# 6. A missing data chunk is an error naming store and variable (was: NaN -> 'divergent', exit 0).
def test_a_store_with_a_missing_chunk_is_refused(tmp_path, capsys, fhn_store):
    store = _copy(fhn_store, tmp_path)
    chunk = next(p for p in (store / "v" / "c").rglob("*") if p.is_file())
    chunk.unlink()
    assert main(["classify", str(store), "--csv", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "variable 'v' is missing 1 of its" in err and str(store) in err
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(("key", "value", "message"), [
    ("spike_threshold", "abc", "attribute spike_threshold='abc' is not a finite number"),
    ("parameters", "{not json", "attribute 'parameters' is not a JSON object of numbers"),
])
def test_corrupt_attributes_are_named(tmp_path, capsys, fhn_store, key, value, message):
    store = _copy(fhn_store, tmp_path)
    _set_attr(store, key, value)
    assert main(["classify", str(store)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# 7. The training store must be the dataset's simulation.
def test_train_refuses_a_store_of_another_model(tmp_path, capsys):
    srk = tmp_path / "srk.zarr"
    assert main(["simulate", "srk", "--values", "-40", "--transient", "0", "--duration", "1", "-o", str(srk)]) == 0
    out = tmp_path / "out"
    assert main(["train", TINY_SURROGATE, "--dataset", "fhn", "--train-store", str(srk), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "it holds model 'srk', the dataset's model is 'fitzhugh_nagumo'" in err
    assert not out.exists()


def test_train_refuses_a_stale_default_store_whose_values_differ(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stale = tmp_path / "results" / "fhn" / "truth" / "train.zarr"
    assert main(["simulate", "fitzhugh_nagumo", "--values", "0.5", "--ic", "2", "--transient", "20",
                 "--duration", "200", "-o", str(stale)]) == 0
    assert main(["train", TINY_SURROGATE, "--dataset", "fhn"]) == 2
    err = capsys.readouterr().err
    assert "does not match dataset 'fhn'" in err and "I values [0.5], the dataset's are [0.5, 0.8]" in err
    assert _tree(tmp_path / "results" / "fhn") == ["truth", "truth/train.zarr"] + sorted(
        f"truth/train.zarr/{p.relative_to(stale)}" for p in stale.rglob("*"))


# 8 and 9. Bad values are caught before any work (the config side is in tests/config/test_config.py).
@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "-1"], "seed of the initial states must be in [0, 4294967295], got -1"),
    (["--seed", "4294967296"], "got 4294967296"),
    (["--param", "thn=0"], "parameter 'thn' = 0 must be > 0"),
    (["--dt", "1e-300"], "integration steps"),
    (["--ic", "1000000000000"], "the output would take"),
    (["--duration", "1e12"], "the output would take"),
    (["--values", "-40,-38,-40", "--replace-values"], "--values: -40 given more than once"),
    (["--sweep", "-40:-30:1", "--replace-values"], "--sweep NUM must be >= 2"),
    (["--sweep", "-48:-24:100000000000", "--replace-values"], "the output would take"),
])
def test_simulate_refuses_before_any_work(tmp_path, capsys, args, message):
    out = tmp_path / "new" / "folder" / "x.zarr"
    values = [] if "--replace-values" in args else ["--values", "-40"]
    argv = ["simulate", "srk", *values, "--duration", "1", *[a for a in args if a != "--replace-values"]]
    assert main([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _tree(tmp_path) == []  # not even the parent folders


def test_simulate_to_the_current_folder_is_refused_at_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "srk", "--values", "-40", "--duration", "1", "-o", "."]) == 2
    assert "not a folder itself" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "-1"], "--seed -1: config key surrogates.vae_map.seeds[0]: -1 is less than the minimum of 0"),
    (["--device", "tpu"], "--device tpu: config key surrogates.vae_map.device: 'tpu' does not match"),
    (["-o", "{file}"], "exists and is not a training output folder"),
    (["-o", "{file}/sub"], "is a file, not a folder"),
])
def test_train_refuses_before_simulating_or_training(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("keep")
    argv = [a.format(file=tmp_path / "file") for a in args]
    assert main(["train", TINY_SURROGATE, "--dataset", "fhn", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _tree(tmp_path) == ["file"] and (tmp_path / "file").read_text() == "keep"


def test_an_interrupt_prints_one_line(monkeypatch, capsys, tmp_path):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "simulate_to_store", interrupted)
    assert main(["simulate", "hh", "--values", "1", "--duration", "50", "-o", str(tmp_path / "x.zarr")]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["neurorecon simulate: interrupted; no output was left half-written"]
