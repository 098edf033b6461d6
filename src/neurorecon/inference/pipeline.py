"""The workflow's inference stages as functions of paths (the Snakemake rules of
workflow/rules/inference.smk call these): train the network on spike-set chunks, evaluate it on the
held-out test chunks (predictions, metrics per regime, the twin check), the training-set-size curve,
and the figures.

Outputs of :func:`evaluate_network` in ``out_dir``: ``test_predictions.tsv`` (one row per usable test
example: ``example``, ``g_s``, ``g_u`` true, ``regime``, ``g_s_pred``, ``g_u_pred``, ``sigma_s``,
``sigma_u``, ``p_bursting``), ``metrics.tsv`` (:func:`~neurorecon.inference.evaluate.prediction_metrics`),
``twin_check.tsv`` (:func:`~neurorecon.inference.evaluate.twin_table`), ``twins.zarr`` (twins of the
predicted DICs of the first ``twin_models`` test examples, with their ``input_spike_times`` and
``input_regime``) and ``summary.json``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..dynamics.regimes import Regime
from ..io.outputs import write_json
from ..io.stores import read_dataset, write_dataset, write_table
from .data import read_spike_sets
from .evaluate import prediction_metrics, twin_summary, twin_table
from .features import padded_trains
from .predict import predict
from .settings import InferenceSettings
from .training import examples_from, load_trained, save_trained, train_network
from .twins import KIND as TWIN_KIND
from .twins import make_twins, twin_dataset

Progress = Callable[[str], None] | None


def train_from_stores(paths: Sequence[str | os.PathLike], settings: InferenceSettings, output: str | os.PathLike,
                      progress: Progress = None, size: int | None = None):
    """Train on the usable examples of the spike-set stores ``paths`` (the first ``size`` of them,
    or all) and write the checkpoint ``output``."""
    ds = read_spike_sets(paths)
    examples = examples_from(ds, settings.sampling.max_isis)
    if size is not None:
        examples = examples.subset(np.arange(min(size, len(examples))))
    if progress is not None:
        progress(f"{len(examples)} usable examples of {ds.sizes['example']}")
    trained = train_network(examples, settings.sampling, settings.network, settings.training, progress)
    return save_trained(output, trained), trained


def evaluate_network(network: str | os.PathLike, test_paths: Sequence[str | os.PathLike], settings: InferenceSettings,
                     out_dir: str | os.PathLike, progress: Progress = None, attrs: dict | None = None) -> dict:
    """Predict the test set, score it, run the twin check; write the outputs listed in the module
    docstring (``attrs``, e.g. provenance, added to the twin store); return the summary."""
    out = Path(out_dir)
    trained = load_trained(network)
    ds = read_spike_sets(test_paths)
    test = examples_from(ds, trained.sampling.max_isis)
    trains = padded_trains(ds["spike_times"].values[test.index])
    pred = predict(trained, trains)
    regime = ds["regime"].values[test.index]
    table = pd.DataFrame({"example": test.index, "g_s": test.target[:, 0], "g_u": test.target[:, 1], "regime": regime,
                          "g_s_pred": pred.g_s, "g_u_pred": pred.g_u, "sigma_s": pred.sigma_s, "sigma_u": pred.sigma_u,
                          "p_bursting": pred.p_bursting})
    metrics = prediction_metrics(test.target, test.bursting, pred)
    m = min(settings.twin_models, len(test))
    first = slice(0, m)
    if progress is not None:
        progress(f"{len(test)} usable test examples of {ds.sizes['example']}; twins of the first {m}")
    predicted = make_twins(trained.sampling, settings.twins, pred.g_s[first], pred.g_u[first], progress)
    true = make_twins(trained.sampling, replace(settings.twins, seed=settings.twins.seed + 1),
                      test.target[first, 0], test.target[first, 1], progress)
    check = twin_table(trains[:m], regime[:m], predicted, true, settings.twins.tau)
    sub = type(pred)(pred.g_s[first], pred.g_u[first], pred.sigma_s[first], pred.sigma_u[first], pred.p_bursting[first])
    store = twin_dataset([str(i) for i in test.index[:m]], sub, predicted, trained.sampling, settings.twins)
    width = trained.sampling.max_isis + 1
    inputs = np.full((m, width), np.nan)
    inputs[:, : min(width, ds.sizes["spike"])] = ds["spike_times"].values[test.index[:m], :width]
    store["input_spike_times"] = (("id", "spike"), inputs, {"units": "ms"})
    store["input_regime"] = ("id", regime[:m])
    store["input_g_s"] = ("id", test.target[:m, 0])
    store["input_g_u"] = ("id", test.target[:m, 1])
    store.attrs.update(attrs or {})
    summary = {"n_test_simulated": int(ds.sizes["example"]), "n_test_usable": len(test),
               "metrics": metrics.to_dict(orient="records"), "twins": twin_summary(check) if m else {},
               "n_train": trained.n_train}
    write_table(table, out / "test_predictions.tsv")
    write_table(metrics, out / "metrics.tsv")
    write_table(check, out / "twin_check.tsv")
    write_dataset(store, out / "twins.zarr")
    write_json(out / "summary.json", summary)
    return summary


def size_curve(train_paths: Sequence[str | os.PathLike], test_paths: Sequence[str | os.PathLike],
               settings: InferenceSettings, output: str | os.PathLike, progress: Progress = None) -> pd.DataFrame:
    """Test MAE of (g_s, g_u) of the network trained on the first N usable training examples, for
    every N of ``settings.sizes``; written as a table ``output`` (``n_train``, ``mae_g_s``, ``mae_g_u``)."""
    ds = read_spike_sets(train_paths)
    examples = examples_from(ds, settings.sampling.max_isis)
    test_ds = read_spike_sets(test_paths)
    test = examples_from(test_ds, settings.sampling.max_isis)
    trains = padded_trains(test_ds["spike_times"].values[test.index])
    rows = []
    for size in settings.sizes:
        trained = train_network(examples.subset(np.arange(min(size, len(examples)))), settings.sampling,
                                settings.network, settings.training, progress)
        pred = predict(trained, trains)
        err = np.abs(np.stack([pred.g_s, pred.g_u], axis=1) - test.target).mean(axis=0)
        rows.append({"n_train": trained.n_train, "mae_g_s": err[0], "mae_g_u": err[1]})
    curve = pd.DataFrame(rows, columns=["n_train", "mae_g_s", "mae_g_u"])
    write_table(curve, output)
    return curve


def write_figures(predictions: str | os.PathLike, twins: str | os.PathLike, test_paths: Sequence[str | os.PathLike],
                  out_dir: str | os.PathLike) -> list[Path]:
    """The four figures of item 7 from the evaluation outputs: ``dic_prediction_scatter.png``,
    ``dic_error_plane.png``, ``dic_twin_trains.png``, ``dic_test_regimes.png``."""
    from ..figures import inference as figures  # matplotlib: only for the figure job
    from ..figures.style import save

    out = Path(out_dir)
    table = pd.read_csv(predictions, sep="\t")
    true = table[["g_s", "g_u"]].to_numpy()
    predicted = table[["g_s_pred", "g_u_pred"]].to_numpy()
    store = read_dataset(twins, TWIN_KIND)
    test = read_spike_sets(test_paths)
    written = [save(figures.prediction_scatter_figure(true, predicted, table["regime"].to_numpy()),
                    out / "dic_prediction_scatter.png"),
               save(figures.error_plane_figure(true, predicted), out / "dic_error_plane.png")]
    bursting = np.flatnonzero(store["input_regime"].values == Regime.BURSTING)
    k = int(bursting[0]) if bursting.size else 0  # a bursting input shows the pattern best
    label = f"true g_s {float(store['input_g_s'][k]):.2f}, predicted {float(store['g_s'][k]):.2f}"
    written.append(save(figures.twin_trains_figure(store["input_spike_times"].values[k],
                                                   list(store["spike_times"].values[k]), int(store["input_regime"][k]),
                                                   list(store["regime"].values[k]), label), out / "dic_twin_trains.png"))
    written.append(save(figures.test_regime_map_figure(test["g_s"].values, test["regime"].values),
                        out / "dic_test_regimes.png"))
    return written
