"""`neurorecon recording info / import / features`: output, other layouts, refusals."""

import os

import numpy as np
import pandas as pd
import pytest
from pyabf.abfWriter import writeABF1

from neurorecon.cli import main
from neurorecon.io.stores import read_dataset


def test_info_lists_channels_rate_and_epochs_and_writes_the_store(tmp_path, capsys):
    out = tmp_path / "rec.zarr"
    assert main(["recording", "info", "171116sh_0018.abf", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "171116sh_0018.abf: ABF, recorded 2017-11-16T14:08:10" in text
    assert "channel 'IN 0' [mV] (response)" in text
    assert "17 sweeps of 3 s at 20000 Hz" in text
    assert "sweep 6: 0-0.1469 s: 0  0.1469-0.6469 s: 50*  0.6469-1.147 s: 0  1.147-1.647 s: -100*" in text
    ds = read_dataset(out, kind="recording")
    assert ds.sizes["sweep"] == 17 and ds.attrs["source_file"] == "171116sh_0018.abf"
    assert ds.attrs["rule"] == "cli:recording info" and ds.attrs["channel"] == "IN 0"


def test_import_writes_the_chosen_sweeps(tmp_path):
    out = tmp_path / "two.zarr"
    assert main(["recording", "import", "171116sh_0019.abf", "--sweep", "2", "--sweep", "17", "-o", str(out)]) == 0
    ds = read_dataset(out, kind="recording")
    assert ds["sweep"].values.tolist() == [2, 17]
    assert ds["epoch_level"].sel(sweep=17, epoch=1).item() == 1600.0


def test_features_of_an_nwb_file_with_two_channels_and_one_step_per_sweep(hh_nwb, tmp_path, capsys):
    out = tmp_path / "hh.csv"
    assert main(["recording", "features", str(hh_nwb), "--csv", str(out)]) == 0
    rows = pd.read_csv(out)
    assert rows["sweep"].tolist() == [0, 2, 3, 4, 5, 6, 7] and (rows["epoch"] == 1).all()
    np.testing.assert_allclose(rows["start_s"], 0.2)
    assert rows["regime_name"].tolist()[0] == "rest" and rows["n_spikes"].iloc[-1] > 20
    assert "hh_steps.nwb [cell]: 7 step epochs" in capsys.readouterr().out


@pytest.fixture
def bad_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "table.csv").write_text("a,b\n1,2\n")
    writeABF1(np.zeros((2, 1000), dtype=np.float32), str(folder / "vclamp.abf"), 10_000, units="pA")
    return folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["features", "{in}/table.csv"], "table.csv: not an ABF or NWB file"),
        (["features", "{in}/vclamp.abf"], "vclamp.abf: no channel records a voltage"),
        (["features", "171116sh_0018.abf", "--sweep", "17"],
         "171116sh_0018.abf: sweep 17 is out of range; the file has 17"),
        (["import", "171116sh_0018.abf", "--sweep", "-1"], "171116sh_0018.abf: sweep -1 is out of range"),
        (["info", "171116sh_0018.abf", "--channel", "IN 1"], "171116sh_0018.abf: no channel 'IN 1'"),
        (["features", "{in}/missing.nwb"], "missing.nwb: cannot open"),
    ],
)
def test_bad_input_exits_2_naming_the_file_and_writes_nothing(bad_files, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    out.mkdir()
    args = [a.replace("{in}", str(bad_files)) for a in args]
    target = ["--csv", str(out / "f.csv")] if args[0] == "features" else ["-o", str(out / "r.zarr")]
    assert main(["recording", *args, *target]) == 2
    assert f"neurorecon recording: error: {message}" in capsys.readouterr().err
    assert os.listdir(out) == []


def test_outputs_follow_the_output_path_policy(tmp_path, capsys):
    table = tmp_path / "f.csv"
    table.write_text("not,our,table\n")
    args = ["recording", "features", "171116sh_0018.abf", "--csv", str(table)]
    assert main(args) == 2  # another file at the output path is refused ...
    assert "f.csv" in capsys.readouterr().err and table.read_text() == "not,our,table\n"
    assert main([*args, "--overwrite"]) == 0  # ... unless --overwrite
    assert main(args) == 0  # a rerun replaces its own table
    source = tmp_path / "hh.abf"
    writeABF1(np.zeros((1, 100), dtype=np.float32), str(source), 10_000, units="mV")
    assert main(["recording", "import", str(source), "-o", str(source)]) == 2  # the output is the input
    assert source.stat().st_size > 0
