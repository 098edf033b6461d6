"""Benchmark: read each shipped recording and extract its step features and summary.

Times `read_recording` + `step_features` + `summarise` per file (the work of `neurorecon recording
features` without writing the CSV): the first run (the first file's includes importing the reader)
and the best of a few repeats; prints the model-free baseline errors (median held-out spike-count
error per step) of each file. No assertion on time; it prints what it measured.

Run:  python benchmarks/recordings.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

from neurorecon.recordings.baselines import baseline_report
from neurorecon.recordings.features import step_features
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.resources import SHIPPED, resolve_recording
from neurorecon.recordings.summary import summarise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for name in SHIPPED:
        path = resolve_recording(name)
        start = time.perf_counter()
        summarise(step_features(read_recording(path)))  # first run: the first file also imports its reader
        first = time.perf_counter() - start
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            recording = read_recording(path)
            steps = step_features(recording)
            summary = summarise(steps)
            best = min(best, time.perf_counter() - start)
        report = baseline_report(summary.fi.amplitude_pA, summary.fi.n_spikes)
        print(f"{name}: {recording.n_sweeps} sweeps x {recording.time_s.size} samples, {len(steps)} steps: "
              f"read + features {first:.3f} s first run, {best:.3f} s best of {args.repeats}")
        print(f"  baselines, spikes per step: interpolation from 4 spread amplitudes "
              f"{report.spread.interpolation:.2f} (extrapolation {report.spread.extrapolation:.2f}); "
              f"lower half -> upper half: extrapolation {report.upper.extrapolation:.2f} "
              f"(interpolation {report.upper.interpolation:.2f})")


if __name__ == "__main__":
    main()
