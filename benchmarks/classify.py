"""Benchmark: classify a ground-truth sweep of `srk` (41 values x 4 initial states by default).

Simulates the sweep once (not timed), then times the two parts of `neurorecon classify`:
regime classification from the voltage traces (with bifurcation data) and the Lyapunov
exponents from the model. No assertion on time; it prints what it measured.

Run:  python benchmarks/classify.py [--values 41] [--ic 4] [--duration 600]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from neurorecon.dynamics.regimes import classify_trajectories, lyapunov_for_store
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.to_store import trajectories_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=41)
    parser.add_argument("--ic", type=int, default=4)
    parser.add_argument("--duration", type=float, default=600.0, help="recorded seconds per trajectory")
    args = parser.parse_args()

    model = get_model("srk")
    low, high = model.control.range
    spec = SimulationSpec(control_values=np.linspace(low, high, args.values), n_ic=args.ic,
                          transient=200.0, duration=args.duration)
    ds = trajectories_dataset(model, simulate(model, spec), "default")
    small = ds.isel(param=slice(0, 2), time=slice(0, 1000))
    classify_trajectories(small, lyapunov_for_store(small, duration=1.0))  # compile outside timing

    start = time.perf_counter()
    lyap = lyapunov_for_store(ds)
    lyap_s = time.perf_counter() - start
    start = time.perf_counter()
    regimes = classify_trajectories(ds, lyap)
    classify_s = time.perf_counter() - start

    n = args.values * args.ic
    print(f"srk: {args.values} values x {args.ic} initial states x {ds.sizes['time']} samples, "
          f"{numba.get_num_threads()} numba threads")
    print(f"regime classification + bifurcation data: {classify_s:6.2f} s ({1e3 * classify_s / n:.1f} ms per trajectory)")
    print(f"Lyapunov exponents ({args.duration:g} s each) : {lyap_s:6.2f} s ({1e3 * lyap_s / n:.1f} ms per trajectory)")
    print(f"total                                     : {classify_s + lyap_s:6.2f} s")
    codes, counts = np.unique(regimes["regime"].values, return_counts=True)
    print("regime counts:", dict(zip(codes.tolist(), counts.tolist(), strict=True)))


if __name__ == "__main__":
    main()
