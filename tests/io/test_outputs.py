"""The output-path policy: reruns replace their own outputs, nothing else is replaced or removed."""

import os

import numpy as np
import pytest
import xarray as xr

from neurorecon.io.outputs import (
    OutputError,
    check_output,
    file_output,
    folder_output,
    remove_stale_temporaries,
    store_output,
    table_output,
    write_atomically,
    write_bytes,
)
from neurorecon.io.stores import StoreError, write_dataset, write_table


def _store(kind: str) -> xr.Dataset:
    return xr.Dataset({"x": ("i", np.arange(3.0))}, attrs={"kind": kind})


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_store_of_the_same_kind_is_replaced(tmp_path):
    path = tmp_path / "a.zarr"
    write_dataset(_store("regimes"), path)
    write_dataset(_store("regimes").assign(x=("i", np.ones(3))), path)
    assert xr.open_zarr(path, consolidated=False)["x"].values.tolist() == [1.0, 1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["a.zarr"]  # no temporaries left


def test_a_user_folder_is_never_replaced_not_even_with_overwrite(tmp_path):
    folder = tmp_path / "mydata"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    for overwrite in (False, True):
        with pytest.raises(StoreError, match="existing folder that is not a neurorecon output"):
            write_dataset(_store("trajectories"), folder, overwrite=overwrite)
    assert (folder / "notes.txt").read_text() == "precious"


def test_a_store_of_another_kind_or_a_file_needs_overwrite(tmp_path):
    store = tmp_path / "traj.zarr"
    write_dataset(_store("trajectories"), store)
    with pytest.raises(StoreError, match="holds a trajectories store, not a regimes store"):
        write_dataset(_store("regimes"), store)
    write_dataset(_store("regimes"), store, overwrite=True)
    assert xr.open_zarr(store, consolidated=False).attrs["kind"] == "regimes"

    plain = tmp_path / "file.zarr"
    plain.write_text("user data")
    with pytest.raises(StoreError, match="exists and is not a regimes store"):
        write_dataset(_store("regimes"), plain)
    assert plain.read_text() == "user data"
    write_dataset(_store("regimes"), plain, overwrite=True)
    assert plain.is_dir()


def test_an_output_that_is_an_input_is_refused(tmp_path):
    source = tmp_path / "in.zarr"
    write_dataset(_store("trajectories"), source)
    for target in (source, source / "inside.zarr", tmp_path):
        with pytest.raises(OutputError, match="overlaps"):
            check_output(target, store_output("trajectories"), inputs=[source], overwrite=True)


def test_tables_follow_the_same_rules(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    path = tmp_path / "t.csv"
    write_table(frame, path)
    write_table(frame, path)  # an identical rerun replaces its own table
    assert path.read_text().splitlines()[0] == "a,b"
    other = tmp_path / "other.csv"
    other.write_text("name,score\nx,1\n")
    with pytest.raises(StoreError, match="not a table written by neurorecon"):
        write_table(frame, other)
    assert other.read_text() == "name,score\nx,1\n"
    write_table(frame, other, overwrite=True)
    assert other.read_text().startswith("a,b")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(StoreError, match="existing folder"):
        write_table(frame, folder, overwrite=True)


def test_csv_suffix_in_capitals_is_comma_separated(tmp_path):
    import pandas as pd

    path = write_table(pd.DataFrame({"a": [1], "b": [2]}), tmp_path / "x.CSV")
    assert path.read_text().splitlines() == ["a,b", "1,2"]


@pytest.mark.parametrize("name", ["x*.zarr", "x[yz].zarr", "x?.zarr", ".zarr"])
def test_stale_cleanup_matches_its_own_temporaries_literally(tmp_path, name):
    # Temporaries of other outputs, and user files that a glob made of the name would match.
    bystanders = [".xy.zarr.tmp-0123abcd", ".xa.zarr.old-89abcdef", ".xy.zarr.tmp-anything", "xyz.zarr"]
    for other in bystanders:
        (tmp_path / other).mkdir()
    own = [f".{name}.tmp-0123abcd", f".{name}.old-fedcba98"]
    for stale in own:
        (tmp_path / stale).mkdir()
    (tmp_path / f".{name}.tmp-notmine!").mkdir()  # not of the naming scheme: kept
    write_dataset(_store("trajectories"), tmp_path / name)
    left = {p.name for p in tmp_path.iterdir()}
    assert set(bystanders) <= left
    assert not (set(own) & left)
    assert f".{name}.tmp-notmine!" in left and name in left


def test_remove_stale_temporaries_without_a_folder_does_nothing(tmp_path):
    remove_stale_temporaries(tmp_path / "missing" / "x.zarr")
    assert not (tmp_path / "missing").exists()


def test_a_failed_write_leaves_nothing_not_even_parent_folders(tmp_path):
    target = tmp_path / "new" / "deeper" / "out.json"
    check_output(target, file_output("JSON file"))
    assert not (tmp_path / "new").exists()  # the check creates nothing

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_atomically(target, fail)
    assert _tree(tmp_path) == ["new", "new/deeper"]


def test_an_output_below_a_file_or_named_as_a_folder_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output(blocker / "out.zarr", store_output("trajectories"))
    with pytest.raises(OutputError, match="not a folder itself"):
        check_output(".", store_output("trajectories"))


def test_table_recognised_by_its_header_only(tmp_path):
    kind = table_output(["param", "ic"])
    tsv = tmp_path / "a.tsv"
    tsv.write_text("param\tic\n1\t0\n")
    assert kind.recognise(tsv)
    tsv.write_text("param\tic\tother\n")
    assert not kind.recognise(tsv)


def test_folder_output_accepts_empty_or_earlier_run_folders_only(tmp_path):
    kind = folder_output("training output folder", markers=("latent.json",))
    empty = tmp_path / "empty"
    empty.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / "latent.json").write_text("{}")
    user = tmp_path / "user"
    user.mkdir()
    (user / "thesis.tex").write_text("x")
    assert kind.recognise(empty) and kind.recognise(run) and not kind.recognise(user)


def test_write_bytes_refuses_a_folder_at_a_file_output(tmp_path):
    (tmp_path / "x.json").mkdir()
    with pytest.raises(OutputError, match="existing folder"):
        write_bytes(tmp_path / "x.json", b"{}")
    assert os.listdir(tmp_path / "x.json") == []
