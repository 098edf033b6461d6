"""``neurorecon infer-dics SPIKES.csv --model CHECKPOINT -o OUT``: spike times -> predicted DICs ->
twin populations.

Writes into the folder OUT: ``predictions.csv`` (one row per data row of the input: ``ID``,
``line``, ``g_s``, ``g_u``, ``sigma_s``, ``sigma_u`` (units of g_L), ``p_bursting``,
``twin_class`` (majority class of the twins: bursting, tonic_spiking or none) and ``error``, empty
for a row that was processed) and ``twins.zarr`` (the twin-population store of
:mod:`neurorecon.inference.twins`, the processed rows only), each atomically. A refused row is named
on stderr with its line and ID; the other rows are processed and the command exits with status 1.
A missing or unreadable file, one that is not a spike-time CSV, a missing or foreign checkpoint, or a
file without any usable row exits with status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import numpy as np
import pandas as pd

from ..io.outputs import check_output, folder_output
from ..io.stores import provenance, write_dataset, write_table
from .spike_csv import SpikeFileError, read_spike_csv

PREDICTION_COLUMNS = ("ID", "line", "g_s", "g_u", "sigma_s", "sigma_u", "p_bursting", "twin_class", "error")
OUTPUT = folder_output("infer-dics output folder", ("predictions.csv", "twins.zarr"))
CLASS_NAMES = {1: "bursting", 0: "tonic_spiking", -1: "none"}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_infer_dics(args: argparse.Namespace) -> int:
    out = check_output(args.output, OUTPUT, inputs=[args.spikes, args.model], overwrite=args.overwrite)
    if args.twins < 1:
        raise SpikeFileError(f"--twins must be >= 1, got {args.twins}")
    rows = read_spike_csv(args.spikes)
    good = [row for row in rows if row.error is None]
    for row in rows:
        if row.error is not None:
            _log(f"{args.spikes}: row at line {row.line} (ID {row.id!r}): {row.error}; skipped")
    if not good:
        raise SpikeFileError(f"{args.spikes}: no usable row ({len(rows)} data row(s)); nothing written")
    # torch is imported only once the input is known to be usable
    from ..surrogates.training import resolve_device
    from .predict import predict
    from .settings import TwinSettings
    from .training import load_trained
    from .twins import majority_class, make_twins, twin_dataset

    trained = load_trained(args.model)
    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        raise SpikeFileError(f"--device: {exc}") from None
    prediction = predict(trained, [row.times for row in good], device=device)
    settings = replace(TwinSettings(), n_twins=args.twins, seed=args.seed)
    _log(f"predicted {len(good)} train(s); simulating {len(good) * args.twins} twins")
    twins = make_twins(trained.sampling, settings, prediction.g_s, prediction.g_u, progress=_log)
    majority = majority_class(twins.regime)
    table = []
    processed = {row.line: i for i, row in enumerate(good)}
    for row in rows:
        i = processed.get(row.line)
        if i is None:
            table.append({"ID": row.id, "line": row.line, "error": row.error})
            continue
        table.append({"ID": row.id, "line": row.line, "g_s": prediction.g_s[i], "g_u": prediction.g_u[i],
                      "sigma_s": prediction.sigma_s[i], "sigma_u": prediction.sigma_u[i],
                      "p_bursting": prediction.p_bursting[i], "twin_class": CLASS_NAMES[int(majority[i])],
                      "error": ""})
    ds = twin_dataset([row.id for row in good], prediction, twins, trained.sampling, settings)
    ds.attrs.update(provenance(seed=args.seed, rule="cli:infer-dics"))
    ds["line"] = ("id", np.array([row.line for row in good], dtype=np.int64))
    write_table(pd.DataFrame(table, columns=list(PREDICTION_COLUMNS)), out / "predictions.csv")
    write_dataset(ds, out / "twins.zarr")
    _log(f"wrote {out / 'predictions.csv'} and {out / 'twins.zarr'}")
    return 1 if len(good) < len(rows) else 0


def add_infer_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``infer-dics`` to the ``neurorecon`` sub-parsers ``sub``."""
    p = sub.add_parser("infer-dics", help="spike times (Spike2Pop CSV) -> predicted DICs and twin populations")
    p.add_argument("spikes", help="CSV with columns ID and spike times in ms as a list")
    p.add_argument("--model", required=True, help="trained network checkpoint (.pt/.json, from the workflow's "
                                                  "train_dic_network rule or benchmarks/dic_inference.py)")
    p.add_argument("-o", "--output", required=True, help="output folder (new, empty or an earlier infer-dics output)")
    p.add_argument("--twins", type=int, default=4, help="twins per spike train (default 4)")
    p.add_argument("--seed", type=int, default=1, help="seed of the twins (default 1)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default auto)")
    p.add_argument("--overwrite", action="store_true", help="replace a file of another kind at the output path")
    p.set_defaults(func=cmd_infer_dics)
