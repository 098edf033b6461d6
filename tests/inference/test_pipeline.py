"""The workflow's inference stages end to end on tiny chunks: train, evaluate (twin check), size
curve, figures."""

import json

import pandas as pd

from neurorecon.inference.data import write_chunk
from neurorecon.inference.pipeline import evaluate_network, size_curve, train_from_stores, write_figures
from neurorecon.inference.settings import InferenceSettings
from neurorecon.io.stores import read_dataset

SETTINGS = InferenceSettings.from_dict({
    "sampling": {"transient": 100.0, "duration": 400.0, "max_isis": 16},
    "network": {"width": 4, "layers": 1}, "training": {"epochs": 1, "batch_size": 4, "device": "cpu"},
    "twins": {"n_twins": 1, "draws": 50}, "train_chunks": 1, "test_chunks": 1, "chunk_size": 6,
    "sizes": [3], "twin_models": 2,
}, where="inference")


def test_train_evaluate_curve_and_figures(tmp_path):
    train = write_chunk(SETTINGS.sampling, 6, SETTINGS.seed, 0, tmp_path / "train-0.zarr")
    test = write_chunk(SETTINGS.sampling, 4, SETTINGS.test_seed, 0, tmp_path / "test-0.zarr")
    train_from_stores([train], SETTINGS, tmp_path / "network.pt")
    summary = evaluate_network(tmp_path / "network.pt", [test], SETTINGS, tmp_path / "eval", attrs={"rule": "test"})
    assert json.loads((tmp_path / "eval" / "summary.json").read_text())["n_test_simulated"] == 4
    assert summary["twins"]["n_models"] == 2
    store = read_dataset(tmp_path / "eval" / "twins.zarr", "twin_population")
    assert store.sizes["id"] == 2 and store.attrs["rule"] == "test"
    predictions = pd.read_csv(tmp_path / "eval" / "test_predictions.tsv", sep="\t")
    assert len(predictions) == summary["n_test_usable"]
    curve = size_curve([train], [test], SETTINGS, tmp_path / "curve.tsv")
    assert list(curve.columns) == ["n_train", "mae_g_s", "mae_g_u"] and len(curve) == 1
    paths = write_figures(tmp_path / "eval" / "test_predictions.tsv", tmp_path / "eval" / "twins.zarr", [test],
                          tmp_path / "figures")
    assert sorted(p.name for p in paths) == ["dic_error_plane.png", "dic_prediction_scatter.png",
                                             "dic_test_regimes.png", "dic_twin_trains.png"]
