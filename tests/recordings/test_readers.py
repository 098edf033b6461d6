"""Reading NWB and ABF files into a Recording, and the recording store, both ways."""

import h5py
import numpy as np
import pytest
import xarray as xr
from pyabf.abfWriter import writeABF1

from neurorecon.io.stores import read_dataset, write_dataset
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.recording import Epoch, RecordingError, file_sha256
from neurorecon.recordings.resources import resolve_recording
from neurorecon.recordings.store import recording_dataset, recording_from_dataset

from .files import hh_recording, write_nwb


def test_nwb_with_two_channels_reads_the_voltage_one(hh_nwb, hh_steps):
    rec = read_recording(hh_nwb)
    assert [(c.name, c.unit) for c in rec.channels] == [("vc", "amperes"), ("cell", "volts")]
    assert rec.channel == "cell" and rec.file_format == "nwb" and rec.rate_hz == 10_000.0
    assert rec.recorded == "2024-05-06T07:08:09+00:00"
    assert rec.file_sha256 == file_sha256(hh_nwb) and rec.file_name == "hh_steps.nwb"
    np.testing.assert_allclose(rec.voltage_mV, hh_steps.voltage_mV, rtol=1e-6)
    np.testing.assert_allclose(rec.current_pA, hh_steps.current_pA, rtol=1e-6)
    # no epoch table in NWB: the steps come from the command waveform, starting at 0.2 s
    assert rec.epochs[3] == (Epoch(0.0, 0.2, 0.0), Epoch(0.2, 0.5, 60.0), Epoch(0.5, 0.6, 0.0))
    assert rec.epochs[1] == (Epoch(0.0, 0.6, 0.0),)  # the 0 pA sweep


def test_channel_option_picks_a_channel_and_refuses_a_current_one(hh_nwb):
    assert read_recording(hh_nwb, channel="cell").channel == "cell"
    with pytest.raises(RecordingError, match=r"hh_steps.nwb: channel 'vc' records amperes, not a voltage"):
        read_recording(hh_nwb, channel="vc")
    with pytest.raises(RecordingError, match=r"hh_steps.nwb: no channel 'x'; channels: 'vc' \(amperes\)"):
        read_recording(hh_nwb, channel="x")


def test_nwb_round_trip_gives_the_same_store(hh_nwb, tmp_path):
    first = read_recording(hh_nwb)
    again = read_recording(write_nwb(first, tmp_path / "again.nwb"))
    a, b = (recording_dataset(r).drop_attrs() for r in (first, again))
    xr.testing.assert_identical(a, b)
    assert recording_dataset(again).attrs["source_file"] == "again.nwb"


def test_store_round_trip_keeps_every_field(tmp_path):
    rec = read_recording(resolve_recording("17o05028_ic_steps.abf"))
    path = write_dataset(recording_dataset(rec, {"rule": "test"}), tmp_path / "rec.zarr")
    ds = read_dataset(path, kind="recording")
    assert ds["V"].attrs["units"] == "mV" and ds["I"].attrs["units"] == "pA" and ds["time"].attrs["units"] == "s"
    assert ds.sizes == {"sweep": 16, "time": 60_000, "epoch": 6} and ds.attrs["rule"] == "test"
    back = recording_from_dataset(ds)
    assert back.epochs == rec.epochs and back.channels == rec.channels and back.recorded == rec.recorded
    np.testing.assert_array_equal(back.voltage_mV, rec.voltage_mV)
    assert read_recording(path).file_sha256 == rec.file_sha256  # a store reads like its source


def test_abf_epoch_table_and_units():
    rec = read_recording(resolve_recording("171116sh_0018.abf"))
    assert rec.rate_hz == 20_000.0 and rec.n_sweeps == 17 and rec.voltage_mV.shape == (17, 60_000)
    assert rec.recorded.startswith("2017-11-16T14:08:10")
    assert [e.level_pA for e in rec.epochs[5]] == [0.0, 25.0, 0.0, -100.0, 25.0, 0.0]
    step_a = rec.epochs[5][1]
    assert step_a.start_s == pytest.approx(2937 / 20_000) and step_a.duration_s == pytest.approx(0.5)
    assert rec.voltage_mV[5, :900].mean() == pytest.approx(-62, abs=2)  # rest, in mV


def test_steps_at_other_times_and_rates_are_found(tmp_path):
    rec = hh_recording([40.0], start_s=0.05, step_s=0.15, total_s=0.3, rate_hz=25_000.0)
    back = read_recording(write_nwb(rec, tmp_path / "short.nwb", electrode="e1"))
    assert back.channel == "e1" and back.rate_hz == 25_000.0
    assert back.epochs[0][1] == Epoch(0.05, 0.2, 40.0)


def test_file_that_is_neither_abf_nor_nwb(tmp_path):
    path = tmp_path / "notes.abf"
    path.write_text("not a recording")
    with pytest.raises(RecordingError, match=r"notes.abf: not an ABF or NWB file"):
        read_recording(path)
    with pytest.raises(RecordingError, match=r"missing.nwb: cannot open"):
        read_recording(tmp_path / "missing.nwb")


def test_voltage_clamp_and_commandless_abf1_are_refused(tmp_path):
    sweeps = np.zeros((2, 1000), dtype=np.float32)
    writeABF1(sweeps, str(tmp_path / "vclamp.abf"), 10_000, units="pA")
    with pytest.raises(RecordingError, match=r"vclamp.abf: no channel records a voltage .*voltage-clamp"):
        read_recording(tmp_path / "vclamp.abf")
    writeABF1(sweeps - 65.0, str(tmp_path / "nocommand.abf"), 10_000, units="mV")
    with pytest.raises(RecordingError, match=r"nocommand.abf: channel 'IN 0' has no command current"):
        read_recording(tmp_path / "nocommand.abf")


def test_hdf5_file_that_is_not_nwb(tmp_path):
    with h5py.File(tmp_path / "plain.h5", "w") as handle:
        handle["x"] = np.arange(3)
    with pytest.raises(RecordingError, match=r"plain.h5: not a readable NWB file"):
        read_recording(tmp_path / "plain.h5")
