"""Measurement of spike-time inference of DICs (issue 17's must-holds) on spike-set chunks written
by the workflow's ``dic_data_chunk`` rule or :func:`neurorecon.inference.data.write_chunk`:

1. every architecture in ``--architectures`` trained on the first ``--compare-size`` training
   examples (the choice: the lowest validation loss, never the test set), then the chosen one on
   the whole training set;
2. the chosen one: test MAE of g_s and g_u per regime, spiking/bursting accuracy (class head and
   the DIC sign of the predicted g_s), calibration of the predicted sigma;
3. the training-set-size curve: the chosen architecture trained on the first N examples;
4. the twin check on the first ``--twin-models`` test models: twins of the predicted DICs and of the
   true DICs simulated, firing-pattern class reproduced, van Rossum distances to the input;
5. inference latency, batched and one train at a time;
6. the figures (figures/inference.py).

Writes ``--out``: ``summary.json``, ``metrics.tsv``, ``size_curve.tsv``, ``twins.tsv``,
``architectures.tsv``, ``network.pt``/``.json`` (the chosen network) and ``figures/*.png``; prints
the numbers. Heavy: run with NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 on a shared machine.

Run:  python benchmarks/dic_inference.py --data results/inference_measure --out results/inference_measure/eval
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from neurorecon.figures import inference as figures
from neurorecon.figures.style import save
from neurorecon.inference.data import read_spike_sets, sampling_of
from neurorecon.inference.evaluate import prediction_metrics, twin_summary, twin_table
from neurorecon.inference.features import padded_trains
from neurorecon.inference.predict import predict
from neurorecon.inference.settings import NetworkSettings, TrainingSettings, TwinSettings
from neurorecon.inference.training import examples_from, save_trained, train_network
from neurorecon.inference.twins import make_twins
from neurorecon.io.outputs import write_json
from neurorecon.io.stores import write_table


def _log(message: str) -> None:
    print(message, flush=True)


def _test_mae(trained, test, trains) -> dict:
    pred = predict(trained, trains)
    err = np.abs(np.stack([pred.g_s, pred.g_u], axis=1) - test.target).mean(axis=0)
    return {"mae_g_s": float(err[0]), "mae_g_u": float(err[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with train-*.zarr and test-*.zarr spike sets")
    parser.add_argument("--out", required=True)
    parser.add_argument("--architectures", nargs="+", default=["gru", "transformer"])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000],
                        help="extra training-set sizes of the curve (the comparison size and the whole set are in it)")
    parser.add_argument("--epochs", type=int, default=15, help="epochs of every training run")
    parser.add_argument("--compare-size", type=int, default=5000)
    parser.add_argument("--only-full", action="store_true",
                        help="no comparison, size curve or figures: the first architecture on the whole set, then "
                             "the test metrics, latency and (unless --twin-models 0) the twin check")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--twin-models", type=int, default=500)
    parser.add_argument("--twins", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    data = Path(args.data)
    key = lambda p: int(p.name.split("-")[1].split(".")[0])  # noqa: E731
    train_ds = read_spike_sets(sorted(data.glob("train-*.zarr"), key=key))
    test_ds = read_spike_sets(sorted(data.glob("test-*.zarr"), key=key))
    sampling = sampling_of(train_ds)
    train = examples_from(train_ds, sampling.max_isis)
    test = examples_from(test_ds, sampling.max_isis)
    test_trains = padded_trains(test_ds["spike_times"].values[test.index])
    summary: dict = {"sampling": sampling.to_dict(),
                     "n_train_simulated": int(train_ds.sizes["example"]), "n_train_usable": len(train),
                     "n_test_simulated": int(test_ds.sizes["example"]), "n_test_usable": len(test),
                     "test_regime_counts": {str(k): int(v) for k, v in
                                            zip(*np.unique(test_ds["regime"].values, return_counts=True), strict=True)}}
    _log(f"train {len(train)} usable of {train_ds.sizes['example']}; test {len(test)} usable of {test_ds.sizes['example']}")
    training = TrainingSettings(epochs=args.epochs, device="auto", threads=args.threads)

    rows, trained_by = [], {}
    subset = train.subset(np.arange(min(args.compare_size, len(train))))
    for arch in [] if args.only_full else args.architectures:
        net = NetworkSettings(architecture=arch, width=args.width, layers=2, heads=4)
        start = time.perf_counter()
        trained = train_network(subset, sampling, net, training, progress=_log)
        seconds = time.perf_counter() - start
        best = min(trained.curve, key=lambda r: r["val_loss"])
        rows.append({"architecture": arch, "n_train": trained.n_train,
                     "parameters": sum(p.numel() for p in trained.network.parameters()),
                     "train_seconds": seconds, "best_epoch": best["epoch"], "val_loss": best["val_loss"],
                     "val_mae_g_s": best["val_mae_g_s"], "val_mae_g_u": best["val_mae_g_u"],
                     **{f"test_{k}": v for k, v in _test_mae(trained, test, test_trains).items()}})
        trained_by[arch] = trained
        _log(str(rows[-1]))
    out.mkdir(parents=True, exist_ok=True)
    if args.only_full:
        chosen, curve, sizes = args.architectures[0], [], []
        net = NetworkSettings(architecture=chosen, width=args.width, layers=2, heads=4)
    else:
        architectures = pd.DataFrame(rows)
        chosen = str(architectures.sort_values("val_loss")["architecture"].iloc[0])
        write_table(architectures, out / "architectures.tsv")
        summary["architectures"] = rows
        net = trained_by[chosen].network.settings
        curve = [{"n_train": trained_by[chosen].n_train, **_test_mae(trained_by[chosen], test, test_trains)}]
        sizes = [s for s in args.sizes if s < len(subset)]
    summary["chosen_architecture"] = chosen
    summary["epochs"] = args.epochs
    for size in sizes:
        small = train_network(train.subset(np.arange(size)), sampling, net, training)
        curve.append({"n_train": small.n_train, **_test_mae(small, test, test_trains)})
        _log(f"size {size}: {curve[-1]}")
    start = time.perf_counter()
    trained = train_network(train, sampling, net, training, progress=_log)
    summary["full_train_seconds"] = time.perf_counter() - start
    curve.append({"n_train": trained.n_train, **_test_mae(trained, test, test_trains)})
    save_trained(out / "network", trained)
    curve = pd.DataFrame(curve).sort_values("n_train")
    write_table(curve, out / "size_curve.tsv")
    summary["size_curve"] = curve.to_dict(orient="records")
    _log(curve.to_string())

    pred = predict(trained, test_trains)
    metrics = prediction_metrics(test.target, test.bursting, pred)
    write_table(metrics, out / "metrics.tsv")
    summary["test_metrics"] = metrics.to_dict(orient="records")
    _log(metrics.to_string())

    times = {}
    start = time.perf_counter()
    predict(trained, test_trains)
    times["batch_ms_per_train"] = 1000 * (time.perf_counter() - start) / len(test_trains)
    start = time.perf_counter()
    for train_ in test_trains[:200]:
        predict(trained, [train_])
    times["single_ms_per_train"] = 1000 * (time.perf_counter() - start) / min(200, len(test_trains))
    summary["latency"] = times
    _log(f"latency: {times}")

    m = min(args.twin_models, len(test))
    if m == 0:
        write_json(out / "summary.json", summary)
        return
    twin_settings = TwinSettings(n_twins=args.twins)
    start = time.perf_counter()
    predicted = make_twins(sampling, twin_settings, pred.g_s[:m], pred.g_u[:m])
    true = make_twins(sampling, replace(twin_settings, seed=twin_settings.seed + 1), test.target[:m, 0], test.target[:m, 1])
    summary["twin_seconds"] = time.perf_counter() - start
    regime = test_ds["regime"].values[test.index]
    table = twin_table(test_trains[:m], regime[:m], predicted, true, twin_settings.tau)
    write_table(table, out / "twins.tsv")
    summary["twins"] = twin_summary(table)
    _log(f"twins: {summary['twins']}")

    if args.only_full:
        write_json(out / "summary.json", summary)
        return
    fig_dir = out / "figures"
    save(figures.prediction_scatter_figure(test.target, np.stack([pred.g_s, pred.g_u], 1), regime),
         fig_dir / "dic_prediction_scatter.png")
    save(figures.error_plane_figure(test.target, np.stack([pred.g_s, pred.g_u], 1)), fig_dir / "dic_error_plane.png")
    example = int(np.flatnonzero(test.bursting[:m])[0]) if test.bursting[:m].any() else 0
    save(figures.twin_trains_figure(test_trains[example], list(predicted.spike_times[example]), int(regime[example]),
                                    list(predicted.regime[example]),
                                    f"true g_s {test.target[example, 0]:.2f}, predicted {pred.g_s[example]:.2f}"),
         fig_dir / "dic_twin_trains.png")
    save(figures.test_regime_map_figure(test_ds["g_s"].values, test_ds["regime"].values), fig_dir / "dic_test_regimes.png")
    save(figures.size_curve_figure(curve), fig_dir / "dic_size_curve.png")
    write_json(out / "summary.json", summary)
    _log(json.dumps({k: summary[k] for k in ("chosen_architecture", "twins", "latency")}, indent=1))


if __name__ == "__main__":
    main()
