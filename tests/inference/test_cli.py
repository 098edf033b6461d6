"""``neurorecon infer-dics``: per-row errors naming the row while the other rows are processed;
file-level problems exit 2 naming the file with nothing written."""

import numpy as np
import pandas as pd
import pytest
import torch

from neurorecon.cli import main
from neurorecon.inference.network import IsiNetwork
from neurorecon.inference.settings import NetworkSettings, SamplingSettings
from neurorecon.inference.training import Standardiser, TrainedNetwork, save_trained
from neurorecon.io.stores import read_dataset

SAMPLING = SamplingSettings(transient=0.0, duration=400.0, max_isis=16)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    net = IsiNetwork(NetworkSettings(width=4, layers=1), SAMPLING.max_isis).eval()
    path = tmp_path_factory.mktemp("net") / "net.pt"
    save_trained(path, TrainedNetwork(net, SAMPLING, Standardiser.of(SAMPLING), [], 0))
    return path


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_bad_rows_are_named_and_the_others_processed(tmp_path, capsys, checkpoint):
    spikes = tmp_path / "spikes.csv"
    spikes.write_text('ID,spike_times\n'
                      'a,"[10, 30, 50, 70, 90]"\n'
                      'short,"[10, 20]"\n'
                      'backwards,"[10, 30, 20]"\n'
                      'broken,"[1, 2, 3]",extra\n'
                      'b,"[5, 7, 100, 102, 200]"\n')
    out = tmp_path / "out"
    assert main(["infer-dics", str(spikes), "--model", str(checkpoint), "-o", str(out), "--twins", "1"]) == 1
    err = capsys.readouterr().err
    assert "row at line 3 (ID 'short'): 2 spike(s); at least 3" in err
    assert "row at line 4 (ID 'backwards'): spike times do not increase" in err
    assert "row at line 5 (ID 'broken'): malformed CSV" in err and "Traceback" not in err
    table = pd.read_csv(out / "predictions.csv", keep_default_na=False)
    assert list(table["ID"]) == ["a", "short", "backwards", "broken", "b"]
    processed = table[table["error"] == ""]
    assert list(processed["ID"]) == ["a", "b"]
    assert np.all(np.isfinite(processed[["g_s", "g_u", "sigma_s", "sigma_u"]].astype(float).to_numpy()))
    assert np.all(processed[["sigma_s", "sigma_u"]].astype(float).to_numpy() > 0)
    store = read_dataset(out / "twins.zarr", "twin_population")
    assert list(store["id"].values) == ["a", "b"] and store.sizes["twin"] == 1
    np.testing.assert_allclose(store["g_s"].values, processed["g_s"].astype(float).to_numpy())


@pytest.mark.parametrize("case", ["missing", "binary", "no_id", "no_good_row"])
def test_file_problems_exit_2_and_write_nothing(tmp_path, capsys, checkpoint, case):
    spikes = tmp_path / "in.csv"
    if case == "binary":
        spikes.write_bytes(b"\x00\x01\x02PK\x03\x04")
    elif case == "no_id":
        spikes.write_text('cell,spike_times\nc,"[1, 2, 3]"\n')
    elif case == "no_good_row":
        spikes.write_text('ID,spike_times\nc,"[1, 2]"\n')
    out = tmp_path / "out"
    assert main(["infer-dics", str(spikes), "--model", str(checkpoint), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(spikes) in err and "Traceback" not in err
    assert not out.exists()


def test_a_missing_checkpoint_exits_2(tmp_path, capsys):
    spikes = tmp_path / "in.csv"
    spikes.write_text('ID,spike_times\nc,"[1, 2, 3]"\n')
    assert main(["infer-dics", str(spikes), "--model", str(tmp_path / "none.pt"), "-o", str(tmp_path / "o")]) == 2
    assert "none.json" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_a_user_folder_is_never_replaced(tmp_path, checkpoint):
    spikes = tmp_path / "in.csv"
    spikes.write_text('ID,spike_times\nc,"[1, 2, 3]"\n')
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["infer-dics", str(spikes), "--model", str(checkpoint), "-o", str(mine), "--overwrite"]) == 2
    assert _tree(mine) == ["notes.txt"]
