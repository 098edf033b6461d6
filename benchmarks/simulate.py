"""Benchmark: compiled ensemble RK4 kernel vs a loop of ``solve_ivp`` (LSODA) calls.

For each model (srk and hh by default), 256 control values spanning the model's range are simulated
once with :func:`neurorecon.simulate.simulate` and with a Python loop of ``solve_ivp`` calls, the
baseline a user would otherwise write: right-hand side in plain Python (the model's own ``rhs``
before numba compiles it, ``rhs.py_func``). The loop is also timed with the compiled ``rhs`` called
from Python, a stronger baseline than most users write. LSODA's tolerance is calibrated first, so
both reach the same spike-time accuracy: on a few spiking values, the kernel's spike-time error against a tight
reference (rtol 1e-11) is measured, and the loosest LSODA rtol from a ladder whose error is no
larger is used for the timed loop.

Run:  python benchmarks/simulate.py [--models srk hh] [--values 256] [--loop-values N]
``--loop-values`` times the loop on the first N values only and scales to all values (reported).
Prints wall times, the speed-up ratio and the kernel's cost per trajectory-step in ns.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numba
import numpy as np

from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.models import get_model
from neurorecon.models.base import NeuronModel
from neurorecon.simulate import SimulationSpec, reference_trajectory, simulate

# Simulated time per trajectory (model units) and spiking control values used for calibration.
SETTINGS = {
    "srk": {"duration": 30.0, "calibration": (-38.0, -30.0)},
    "hh": {"duration": 200.0, "calibration": (10.0, 15.0)},
    "morris_lecar": {"duration": 1000.0, "calibration": (100.0, 130.0)},
    "hindmarsh_rose": {"duration": 400.0, "calibration": (2.0, 3.5)},
    "fitzhugh_nagumo": {"duration": 400.0, "calibration": (0.5, 0.9)},
}
RTOL_LADDER = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)


def spike_time_error(model, times: np.ndarray, trace: np.ndarray, reference: np.ndarray) -> float:
    """Largest spike-time difference between ``trace`` and the tight ``reference`` (model time)."""
    a = threshold_crossings(trace, times, model.spike_threshold)
    b = threshold_crossings(reference, times, model.spike_threshold)
    if a.size != b.size or a.size == 0:
        return float("inf")
    return float(np.max(np.abs(a - b)))


def calibrate_rtol(model, duration: float, values) -> tuple[float, float, float]:
    """Return (kernel error, LSODA rtol, LSODA error) with LSODA error <= kernel error."""
    parameters = model.parameters()
    spec = SimulationSpec(control_values=list(values), n_ic=1, seed=0, transient=0.0, duration=duration)
    result = simulate(model, spec)
    times = result.time
    obs = model.observed_index
    y0 = result.initial_states[0]
    kernel_err, refs = 0.0, []
    for i, value in enumerate(values):
        params = {**parameters, model.control.name: value}
        ref = reference_trajectory(model, y0, params, times, rtol=1e-11, atol=1e-12).y[obs]
        refs.append((params, ref))
        kernel_err = max(kernel_err, spike_time_error(model, times, result.trajectories[i, 0, obs], ref))
    for rtol in RTOL_LADDER:
        err = max(
            spike_time_error(model, times, reference_trajectory(model, y0, p, times, rtol=rtol,
                                                                atol=rtol * 1e-2).y[obs], ref)
            for p, ref in refs
        )
        if err <= kernel_err:
            return kernel_err, rtol, err
    return kernel_err, RTOL_LADDER[-1], err


def bench_model(name: str, n_values: int, loop_values: int) -> None:
    model = get_model(name)
    duration = SETTINGS[name]["duration"]
    low, high = model.control.range
    values = np.linspace(low, high, n_values)
    kernel_err, rtol, lsoda_err = calibrate_rtol(model, duration, SETTINGS[name]["calibration"])

    spec = SimulationSpec(control_values=values, n_ic=1, seed=0, transient=0.0, duration=duration)
    simulate(model, SimulationSpec(control_values=values[:2], n_ic=1, transient=0.0,
                                   duration=model.sample_dt))  # compile outside the timing
    start = time.perf_counter()
    result = simulate(model, spec)
    kernel_s = time.perf_counter() - start
    steps = round(duration / result.dt)

    def time_loop(loop_model: NeuronModel) -> float:
        y0 = result.initial_states[0]
        start = time.perf_counter()
        for value in values[:loop_values]:
            reference_trajectory(loop_model, y0, {**loop_model.parameters(), model.control.name: value},
                                 result.time, rtol=rtol, atol=rtol * 1e-2)
        return (time.perf_counter() - start) * n_values / loop_values

    python_loop_s = time_loop(dataclasses.replace(model, rhs=model.rhs.py_func))
    compiled_loop_s = time_loop(model)

    threads = numba.get_num_threads()
    ns_per_step = kernel_s / (n_values * steps) * 1e9
    print(f"\n== {name}: {n_values} control values in [{low:g}, {high:g}] {model.control.unit}, "
          f"{duration:g} {model.time_unit} each, dt={result.dt:g} ({steps} RK4 steps)")
    print(f"spike-time error vs LSODA rtol 1e-11: kernel {kernel_err:.3g}, LSODA rtol={rtol:g} "
          f"{lsoda_err:.3g} ({model.time_unit})")
    scaled = "" if loop_values == n_values else f" (timed on {loop_values} values, scaled)"
    print(f"ensemble kernel : {kernel_s:8.3f} s on {threads} threads, "
          f"{ns_per_step:.1f} ns per trajectory-step ({ns_per_step * threads:.1f} ns per step per thread)")
    print(f"solve_ivp loop, Python rhs   : {python_loop_s:8.3f} s{scaled}, "
          f"speed-up {python_loop_s / kernel_s:.1f}x")
    print(f"solve_ivp loop, compiled rhs : {compiled_loop_s:8.3f} s{scaled}, "
          f"speed-up {compiled_loop_s / kernel_s:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["srk", "hh"], choices=sorted(SETTINGS))
    parser.add_argument("--values", type=int, default=256, help="control values per model")
    parser.add_argument("--loop-values", type=int, default=None,
                        help="time the solve_ivp loop on this many values and scale (default: all)")
    args = parser.parse_args()
    loop_values = min(args.values, args.loop_values or args.values)
    print(f"cpu cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}")
    for name in args.models:
        bench_model(name, args.values, loop_values)


if __name__ == "__main__":
    main()
