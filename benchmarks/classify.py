"""Benchmark: classify a ground-truth sweep of `srk` (41 values x 4 initial states by default).

Simulates the sweep once (not timed), then times the two parts of `neurorecon classify`:
regime classification from the voltage traces (with bifurcation data) and the Lyapunov
exponents from the model (adaptive Dormand–Prince, the default for `srk`, and fixed-step RK4 for
comparison), in wall and CPU time. No assertion on time; it prints what it measured.

Run:  python benchmarks/classify.py [--values 41] [--ic 4] [--duration 600]
"""

from __future__ import annotations

import argparse
import dataclasses
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
    rk4 = dataclasses.replace(model, integrator="rk4")
    small = ds.isel(param=slice(0, 2), time=slice(0, 4000))  # 40 s, the shortest record classified
    classify_trajectories(small, lyapunov_for_store(small, duration=2.0))  # compile outside timing
    lyapunov_for_store(small, model=rk4, duration=2.0)

    start, cpu = time.perf_counter(), time.process_time()
    lyap = lyapunov_for_store(ds)
    lyap_s, lyap_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    lyap_rk4 = lyapunov_for_store(ds, model=rk4)
    rk4_s, rk4_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    regimes = classify_trajectories(ds, lyap)
    classify_s = time.perf_counter() - start

    n = args.values * args.ic
    print(f"srk: {args.values} values x {args.ic} initial states x {ds.sizes['time']} samples, "
          f"{numba.get_num_threads()} numba threads")
    print(f"regime classification + bifurcation data: {classify_s:6.2f} s ({1e3 * classify_s / n:.1f} ms per trajectory)")
    print(f"Lyapunov exponents ({args.duration:g} s each) : {lyap_s:6.2f} s ({1e3 * lyap_s / n:.1f} ms per trajectory, "
          f"{lyap_cpu:.2f} s CPU; rtol {lyap.attrs['lyap_rtol']:g})")
    print(f"  the same with RK4 (dt = {model.dt:g} s)    : {rk4_s:6.2f} s ({rk4_cpu:.2f} s CPU); largest difference "
          f"{np.nanmax(np.abs(lyap['lyap_max'].values - lyap_rk4['lyap_max'].values)):.2g} / s")
    print(f"total                                     : {classify_s + lyap_s:6.2f} s")
    codes, counts = np.unique(regimes["regime"].values, return_counts=True)
    print("regime counts:", dict(zip(codes.tolist(), counts.tolist(), strict=True)))


if __name__ == "__main__":
    main()
