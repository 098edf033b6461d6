"""Spike-time inference through the workflow (the opt-in `inference` block): data chunks, training,
evaluation with the twin check, the size curve and the figures, on a tiny problem."""

import json

import pandas as pd
import pytest
import yaml

from neurorecon.io.stores import read_dataset

from .conftest import SNAKEMAKE, check_plan, output_of, run_snakemake

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")

STUDY = {
    "datasets": {"fhn": {"model": "fitzhugh_nagumo", "train": {"values": [0.5]},
                         "heldout": {"start": 0.0, "stop": 1.0, "num": 3}}},
    "surrogates": {},
    "inference": {
        "sampling": {"transient": 100.0, "duration": 400.0, "max_isis": 16},
        "network": {"width": 8, "layers": 1, "heads": 2},
        "training": {"epochs": 1, "batch_size": 4, "device": "cpu"},
        "twins": {"n_twins": 1, "draws": 50},
        "train_chunks": 2, "test_chunks": 1, "chunk_size": 5, "sizes": [4], "twin_models": 2,
    },
}
TARGETS = ["results/inference/network.pt", "results/inference/evaluation/summary.json",
           "results/inference/size_curve.tsv"] + [
    f"results/inference/figures/{name}.png"
    for name in ("dic_prediction_scatter", "dic_error_plane", "dic_twin_trains", "dic_test_regimes")]


def test_tiny_inference_stage(tmp_path):
    configfile = tmp_path / "study.yaml"
    configfile.write_text(yaml.safe_dump(STUDY))
    run = run_snakemake(tmp_path, *TARGETS, "--configfile", str(configfile))
    assert run.returncode == 0, output_of(run)[-4000:]
    out = tmp_path / "results" / "inference"
    assert sorted(p.name for p in (out / "data").iterdir()) == ["test-0.zarr", "train-0.zarr", "train-1.zarr"]
    train = read_dataset(out / "data" / "train-1.zarr", "spike_set")
    assert train.sizes["example"] == 5 and train.attrs["rule"] == "dic_data_chunk"
    summary = json.loads((out / "evaluation" / "summary.json").read_text())
    assert summary["n_test_simulated"] == 5 and summary["twins"]["n_models"] == 2
    assert len(pd.read_csv(out / "size_curve.tsv", sep="\t")) == 1
    assert all((tmp_path / target).stat().st_size > 1000 for target in TARGETS if target.endswith(".png"))
    for log in ("train_dic_network.log", "evaluate_dic_network.log", "dic_size_curve.log", "plot_dic_inference.log"):
        assert (tmp_path / "logs" / "inference" / log).exists()
    again = run_snakemake(tmp_path, "-n", *TARGETS, "--configfile", str(configfile))
    assert again.returncode == 0 and check_plan(output_of(again)) == [], output_of(again)[-3000:]
