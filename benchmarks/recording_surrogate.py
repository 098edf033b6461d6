"""Benchmark: a hybrid_ode surrogate trained on some sweeps of a recording, scored on the others.

What the workflow's recording rules do for one (recording, seed), outside Snakemake, with the
settings given on the command line: resample to ``--rate`` Hz, train on the sweeps of the training
amplitudes, predict every sweep under its own command current, compare step for step with the
recording and the two model-free baselines (:mod:`neurorecon.evaluation.recording`). Prints the
training and prediction times, the steps' recorded and predicted spike counts and the metrics; writes
the surrogate, ``steps.tsv`` and ``metrics.json`` into ``--out``. No assertion on anything.

Run:  python benchmarks/recording_surrogate.py 171116sh_0018.abf 25,125,200,300 --out /tmp/cell \\
          --settings '{"mode": "latent", "warmup": 0.5, "segments": [0.55]}'
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from neurorecon.evaluation.recording import compare_recording
from neurorecon.io.outputs import write_json
from neurorecon.io.stores import write_dataset, write_table
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.resources import resolve_recording
from neurorecon.recordings.split import resample, select_sweeps, split_sweeps
from neurorecon.recordings.store import recording_dataset
from neurorecon.surrogates.hybrid_ode.family import HybridOdeSurrogate
from neurorecon.surrogates.hybrid_ode.settings import HybridOdeSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording", help="ABF/NWB file or the name of a shipped recording")
    parser.add_argument("train", help="training amplitudes, pA, comma-separated")
    parser.add_argument("--out", type=Path, required=True, help="a new folder for the run's outputs")
    parser.add_argument("--settings", default='{"mode": "latent"}', help="hybrid_ode settings as JSON")
    parser.add_argument("--rate", type=float, default=5000.0, help="sampling rate surrogates run at, Hz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    train_pA = [float(a) for a in args.train.split(",")]
    recording = resample(read_recording(resolve_recording(args.recording)), args.rate)
    split = split_sweeps(recording, train_pA)
    store = args.out / "train.zarr"
    write_dataset(recording_dataset(select_sweeps(recording, split.train)), store)
    settings = HybridOdeSettings.from_dict(json.loads(args.settings), where="settings")
    start = time.perf_counter()
    surrogate = HybridOdeSurrogate.train(store, settings, args.seed, "auto", args.out, print)
    trained = time.perf_counter()
    predicted = surrogate.predict_sweeps(recording.voltage_mV, recording.current_pA)
    done = time.perf_counter()
    print(f"training {trained - start:.0f} s, predicting {recording.n_sweeps} sweeps {done - trained:.0f} s")
    comparison = compare_recording(recording, replace(recording, voltage_mV=predicted), train_pA)
    steps = comparison.steps
    print(steps[["sweep", "amplitude_pA", "training", "n_spikes", "n_spikes_predicted", "regime",
                 "regime_predicted"]].to_string(index=False))
    for key, value in comparison.metrics.items():
        print(f"{key}: {value}")
    write_table(steps, args.out / "steps.tsv")
    write_json(args.out / "metrics.json", comparison.metrics)


if __name__ == "__main__":
    main()
