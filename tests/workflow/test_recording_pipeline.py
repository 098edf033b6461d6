"""A recording dataset through the workflow: import, train on some sweeps, predict every sweep under
its own command current, compare step for step with the baselines, tabulate."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from neurorecon.io.stores import read_dataset

from ..recordings.files import hh_recording, write_nwb
from .conftest import SNAKEMAKE, run_snakemake

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")

AMPLITUDES = [-20.0, 40.0, 80.0, 120.0, 150.0]


def test_tiny_recording_study_runs_end_to_end(tmp_path):
    source = write_nwb(hh_recording(AMPLITUDES, start_s=0.05, step_s=0.15, total_s=0.25, rate_hz=10_000.0),
                       tmp_path / "cell.nwb")
    config = {
        "datasets": {"cell": {"kind": "recording", "source": str(source), "train": {"values": [-20.0, 80.0, 150.0]}}},
        "surrogates": {"ode": {"kind": "hybrid_ode", "datasets": ["cell"], "seeds": [0],
                               "settings": {"mode": "latent", "width": 8, "depth": 1, "warmup": 0.5,
                                            "segments": [0.6], "iterations": 3, "batch": 16, "candidates": 1}}},
    }
    configfile = tmp_path / "study.yaml"
    configfile.write_text(yaml.safe_dump(config))
    run = run_snakemake(tmp_path, "--configfile", str(configfile))
    assert run.returncode == 0, run.stderr[-4000:]

    recording = read_dataset(tmp_path / "results/cell/recording/recording.zarr", kind="recording")
    train = read_dataset(tmp_path / "results/cell/recording/train.zarr", kind="recording")
    assert recording.attrs["sampling_rate_hz"] == 5000.0 and recording.sizes["sweep"] == 5
    assert train.sizes["sweep"] == 3
    run_dir = tmp_path / "results/cell/ode/seed0"
    predicted = read_dataset(run_dir / "predicted.zarr", kind="recording")
    assert predicted["V"].shape == recording["V"].shape and predicted.attrs["predicted_by"] == "hybrid_ode"
    np.testing.assert_array_equal(predicted["I"].values, recording["I"].values)

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train_pA"] == [-20.0, 80.0, 150.0]
    assert metrics["heldout_pA"] == pytest.approx([40.0, 120.0], abs=1.0)
    assert metrics["interpolation_error"] is not None and metrics["rheobase_recorded"] == pytest.approx(40.0, abs=1.0)
    steps = pd.read_csv(run_dir / "steps.tsv", sep="\t")
    assert len(steps) == 5 and steps["training"].sum() == 3
    for figure in ("fi_curve", "heldout_sweeps", "training_curves", "kinetics"):
        assert (run_dir / "figures" / f"{figure}.png").stat().st_size > 10_000
    table = pd.read_csv(tmp_path / "results/recordings.tsv", sep="\t")
    assert table[["dataset", "surrogate", "n_seeds"]].values.tolist() == [["cell", "ode", 1]]
    assert table.loc[0, "interpolation_error"] == pytest.approx(metrics["interpolation_error"])
