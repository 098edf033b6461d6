"""Does a longer record make g_u learnable? The same number of training models simulated with a
short (default 300 + 700 ms) and a long record, the same network trained on each, test MAE of
(g_s, g_u) on test models simulated like their training set (separate seed). Writes nothing; prints
a table. Heavy: NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1.

Run:  python benchmarks/dic_record_length.py [--n 1500] [--long 1000 3000] [--epochs 15]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from neurorecon.inference.data import generate_chunk
from neurorecon.inference.features import padded_trains
from neurorecon.inference.predict import predict
from neurorecon.inference.settings import NetworkSettings, SamplingSettings, TrainingSettings
from neurorecon.inference.training import examples_from, train_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500, help="training models per record length")
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--long", type=float, nargs=2, default=[1000.0, 3000.0], metavar=("TRANSIENT", "DURATION"))
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--architecture", default="transformer")
    args = parser.parse_args()
    torch.set_num_threads(1)
    short = SamplingSettings()
    long = replace(short, transient=args.long[0], duration=args.long[1])
    for sampling in (short, long):
        start = time.perf_counter()
        train_ds = generate_chunk(sampling, args.n, seed=2017, chunk=0)
        test_ds = generate_chunk(sampling, args.n_test, seed=3017, chunk=0)
        simulated = time.perf_counter() - start
        train, test = examples_from(train_ds, sampling.max_isis), examples_from(test_ds, sampling.max_isis)
        trained = train_network(train, sampling, NetworkSettings(architecture=args.architecture),
                                TrainingSettings(epochs=args.epochs, device="auto"))
        pred = predict(trained, padded_trains(test_ds["spike_times"].values[test.index]))
        err = np.abs(np.stack([pred.g_s, pred.g_u], 1) - test.target).mean(axis=0)
        base = np.abs(test.target - train.target.mean(axis=0)).mean(axis=0)
        print(f"record {sampling.transient:g} + {sampling.duration:g} ms: {len(train)} train / {len(test)} test usable, "
              f"median ISIs {np.median(test.mask.sum(1)):.0f}; test MAE g_s {err[0]:.3f} g_u {err[1]:.3f} "
              f"(predicting the mean: {base[0]:.3f}, {base[1]:.3f}); simulation {simulated:.0f} s", flush=True)


if __name__ == "__main__":
    main()
