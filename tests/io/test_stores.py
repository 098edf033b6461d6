"""Trajectory stores: layout, provenance, atomic writes, merging, clear errors."""

import json
import os

import numpy as np
import pytest

from neurorecon.io.stores import StoreError, provenance, read_dataset, write_dataset
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.to_store import merge_trajectories, trajectories_dataset

PROVENANCE_KEYS = {"neurorecon_version", "git_sha", "config_hash", "rule", "wildcards", "created_utc", "seed"}


def _dataset(values, seed=1):
    model = get_model("fitzhugh_nagumo")
    result = simulate(model, SimulationSpec(control_values=values, n_ic=2, seed=seed, transient=1, duration=5))
    return trajectories_dataset(model, result, "default", provenance(seed=seed, rule="test"))


def test_layout_units_and_provenance(tmp_path):
    path = write_dataset(_dataset([0.2, 0.4]), tmp_path / "t.zarr")
    ds = read_dataset(path, kind="trajectories")
    assert ds["v"].dims == ("param", "ic", "time")
    assert ds["v"].shape == (2, 2, round(5 / get_model("fitzhugh_nagumo").sample_dt))
    assert ds["param"].attrs["control"] == "I"
    assert ds["time"].attrs["units"] == "1"
    assert "units" in ds["param"].attrs and "long_name" in ds["param"].attrs
    assert set(ds.attrs) >= PROVENANCE_KEYS
    assert json.loads(ds.attrs["parameters"])["a"] == pytest.approx(0.7)
    assert ds.attrs["observed"] == "v"
    assert list(ds["state"].values) == ["v", "w"]


def test_write_replaces_existing_store_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "t.zarr"
    write_dataset(_dataset([0.2]), path)
    write_dataset(_dataset([0.2, 0.3]), path)
    assert read_dataset(path).sizes["param"] == 2
    assert sorted(os.listdir(tmp_path)) == ["t.zarr"]


def test_a_write_never_removes_its_temporary_before_the_rename(tmp_path, monkeypatch):
    """Once the temporary store exists, a kill at any moment leaves it or the final store behind.

    zarr's mode "w" creates the directory, removes it and creates it again; the CI kill test once
    landed in that gap and found neither.
    """
    import shutil

    removed = []
    real_rmtree = shutil.rmtree
    monkeypatch.setattr(shutil, "rmtree", lambda path, *a, **k: (removed.append(str(path)), real_rmtree(path, *a, **k)))
    write_dataset(_dataset([0.2]), tmp_path / "t.zarr")
    assert [path for path in removed if ".tmp-" in path] == []
    assert sorted(os.listdir(tmp_path)) == ["t.zarr"]


def test_failed_write_leaves_nothing_behind(tmp_path):
    ds = _dataset([0.2])
    ds.attrs["unserialisable"] = object()
    with pytest.raises(Exception):
        write_dataset(ds, tmp_path / "t.zarr")
    assert os.listdir(tmp_path) == []


def test_merge_of_chunks_equals_one_run():
    whole = _dataset([0.2, 0.4, 0.6])
    merged = merge_trajectories([_dataset([0.4, 0.6]), _dataset([0.2])])
    np.testing.assert_array_equal(merged["v"].values, whole["v"].values)
    np.testing.assert_array_equal(merged["param"].values, [0.2, 0.4, 0.6])


def test_merge_refuses_chunks_with_different_settings():
    with pytest.raises(StoreError, match="seed"):
        merge_trajectories([_dataset([0.2], seed=1), _dataset([0.4], seed=2)])


def test_reading_a_missing_or_foreign_store_names_it(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        read_dataset(tmp_path / "missing.zarr")
    (tmp_path / "junk.zarr").mkdir()
    (tmp_path / "junk.zarr" / "file.txt").write_text("x")
    with pytest.raises(StoreError, match="junk.zarr"):
        read_dataset(tmp_path / "junk.zarr")
    path = write_dataset(_dataset([0.2]), tmp_path / "t.zarr")
    with pytest.raises(StoreError, match="not a regimes store"):
        read_dataset(path, kind="regimes")


def test_unwritable_output_is_refused_before_writing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot write output"):
        write_dataset(_dataset([0.2]), blocker / "t.zarr")
