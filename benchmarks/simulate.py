"""Benchmark: compiled ensemble kernels (adaptive dopri5, fixed-step RK4) vs a ``solve_ivp`` loop
and vs hand-written C.

For each model (srk and hh by default), 256 control values spanning the model's range are simulated
once with :func:`neurorecon.simulate.simulate` (both integrators at the model's defaults) and with
a Python loop of ``solve_ivp`` calls, the baseline a user would otherwise write: right-hand side in
plain Python (the model's own ``rhs`` before numba compiles it, ``rhs.py_func``). The loop is also
timed with the compiled ``rhs`` called from Python, a stronger baseline than most users write.
LSODA's tolerance is calibrated first, so both reach the same spike-time accuracy: on a few spiking
values, the default integrator's spike-time error against a tight reference (rtol 1e-10) is
measured, and the loosest LSODA rtol from a ladder whose error is no larger is used for the loop.

For srk and hh, the same methods written by hand in C (``reference_kernels.c``, built here with
the system C compiler, ``cc -O3 -march=native -fopenmp``) run on the same inputs; the benchmark
checks that they take the same steps and prints ns per trajectory-step and per right-hand-side
evaluation for numba and C, on 1 and 2 threads and for 1 to 256 trajectories.

Threads and time: the ensemble runs on all numba threads (the machine's cores) and the loop on one,
so the wall-time speed-up counts the second core for the ensemble only; the benchmark also prints
the ensemble's CPU time on one thread and the loop's CPU time (user + sys, one core each), which
on a shared machine is also the less load-dependent measure.

``--precision`` instead measures both solvers over a ladder of tolerances (half decades of rtol,
1e-3 ... 1e-10): spike-time error on the calibration values and cost on all values, then the
speed-up of each dopri5 tolerance against the loosest LSODA tolerance at least as accurate (and,
as a lower bound, against the next looser one, which is less accurate).

Run:  python benchmarks/simulate.py [--models srk hh] [--values 256] [--loop-values N] [--no-c] [--precision]
``--loop-values`` times the loop on N of the values, spread evenly over the range, and scales to all
values (reported).
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import math
import os
import shutil
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

import numba
import numpy as np

from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.models import get_model
from neurorecon.models.base import NeuronModel
from neurorecon.simulate import (
    SimulationSpec,
    dopri5,
    reference_trajectory,
    rk4,
    simulate,
)
from neurorecon.simulate.kernels import compiled

# Simulated time per trajectory (model units) and spiking control values used for calibration.
SETTINGS = {
    "srk": {"duration": 30.0, "calibration": (-38.0, -30.0)},
    "hh": {"duration": 200.0, "calibration": (10.0, 15.0)},
    "morris_lecar": {"duration": 1000.0, "calibration": (100.0, 130.0)},
    "hindmarsh_rose": {"duration": 400.0, "calibration": (2.0, 3.5)},
    "fitzhugh_nagumo": {"duration": 400.0, "calibration": (0.5, 0.9)},
}
RTOL_LADDER = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
C_MODELS = {"srk": "MODEL_SRK", "hh": "MODEL_HH"}
C_SOURCE = Path(__file__).with_name("reference_kernels.c")
TRAJECTORY_COUNTS = (1, 4, 16, 64, 256)


def spike_time_error(model, times: np.ndarray, trace: np.ndarray, reference: np.ndarray) -> float:
    """Largest spike-time difference between ``trace`` and the tight ``reference`` (model time)."""
    a = threshold_crossings(trace, times, model.spike_threshold)
    b = threshold_crossings(reference, times, model.spike_threshold)
    if a.size != b.size or a.size == 0:
        return float("inf")
    return float(np.max(np.abs(a - b)))


def calibrate(model, duration: float, values) -> dict[str, float]:
    """Spike-time errors of both integrators and the loosest LSODA rtol matching the default's."""
    parameters = model.parameters()
    errors = {}
    refs = []
    for integrator in ("rk4", "dopri5"):
        spec = SimulationSpec(control_values=list(values), transient=0.0, duration=duration,
                              integrator=integrator)
        result = simulate(model, spec)
        times, obs, y0 = result.time, model.observed_index, result.initial_states[0]
        if not refs:
            refs = [(p, reference_trajectory(model, y0, p, times, rtol=1e-10, atol=1e-12).y[obs])
                    for p in ({**parameters, model.control.name: value} for value in values)]
        errors[integrator] = max(spike_time_error(model, times, result.trajectories[i, 0, obs], ref)
                                 for i, (_, ref) in enumerate(refs))
    target = errors[model.integrator]
    for rtol in RTOL_LADDER:
        err = max(
            spike_time_error(model, times, reference_trajectory(model, y0, p, times, rtol=rtol,
                                                                atol=rtol * 1e-2).y[obs], ref)
            for p, ref in refs
        )
        if err <= target:
            break
    return {**errors, "lsoda_rtol": rtol, "lsoda": err}


def ensemble_inputs(model, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y0, params) of one trajectory per control value from the seed-0 initial state."""
    params = np.repeat(model.parameter_vector(model.parameters())[None, :], values.size, axis=0)
    params[:, model.parameter_names.index(model.control.name)] = values
    return np.repeat(model.initial_states(1, 0), values.size, axis=0), params


class CKernels:
    """The hand-written C kernels of one model, compiled into a temporary shared library."""

    def __init__(self, model_name: str, workdir: Path):
        compiler = shutil.which(os.environ.get("CC", "cc"))
        if compiler is None:
            raise RuntimeError("no C compiler (cc) found")
        library = workdir / f"{model_name}.so"
        subprocess.run([compiler, "-O3", "-march=native", "-fopenmp", "-fPIC", "-shared",
                        f"-D{C_MODELS[model_name]}", str(C_SOURCE), "-o", str(library), "-lm"], check=True)
        self.lib = ctypes.CDLL(str(library))

    @staticmethod
    def _ptr(array: np.ndarray):
        return array.ctypes.data_as(ctypes.c_void_p)

    def dopri5(self, model, y0, params, threads: int, duration: float):
        """Integrate from t = 0; return (samples (n, n_state, n_samples), counts (n, 3), seconds)."""
        n_samples = round(duration / model.sample_dt)
        y, status = y0.copy(), np.zeros(y0.shape[0], dtype=np.int8)
        out = np.empty((y0.shape[0], y0.shape[1], n_samples))
        counts = np.zeros((y0.shape[0], 3), dtype=np.int64)
        self.lib.set_threads(threads)
        start = time.perf_counter()
        self.lib.dopri5_ensemble(
            ctypes.c_int64(y.shape[0]), self._ptr(y), self._ptr(params), ctypes.c_int64(params.shape[1]),
            self._ptr(status), ctypes.c_double(model.rtol), ctypes.c_double(model.atol),
            ctypes.c_double(model.sample_dt), ctypes.c_int64(n_samples), ctypes.c_double(model.divergence_bound),
            self._ptr(out), self._ptr(counts))
        return out, counts, time.perf_counter() - start

    def rk4(self, model, y0, params, threads: int, duration: float) -> float:
        """Integrate from t = 0 with the fixed step; return seconds."""
        steps_per_sample = round(model.sample_dt / model.dt)
        n_samples = round(duration / model.sample_dt)
        y, status = y0.copy(), np.zeros(y0.shape[0], dtype=np.int8)
        out = np.empty((y0.shape[0], y0.shape[1], n_samples))
        self.lib.set_threads(threads)
        start = time.perf_counter()
        self.lib.rk4_ensemble(
            ctypes.c_int64(y.shape[0]), self._ptr(y), self._ptr(params), ctypes.c_int64(params.shape[1]),
            self._ptr(status), ctypes.c_double(model.dt), ctypes.c_int64(steps_per_sample),
            ctypes.c_int64(n_samples), ctypes.c_double(model.divergence_bound), self._ptr(out))
        return time.perf_counter() - start


def numba_dopri5(model, y0, params, threads: int, duration: float):
    """The package's dopri5 kernel called directly; same return as :meth:`CKernels.dopri5`."""
    n, n_state = y0.shape
    n_samples = round(duration / model.sample_dt)
    kernel = compiled(dopri5.kernel, model.rhs)
    y, status = y0.copy(), np.zeros(n, dtype=np.int8)
    clock, dense = np.zeros((n, dopri5.N_CLOCK)), np.zeros((n, dopri5.N_DENSE, n_state))
    counts = np.zeros((n, dopri5.N_COUNTS), dtype=np.int64)
    out = np.empty((n, n_state, n_samples))
    numba.set_num_threads(threads)
    start = time.perf_counter()
    kernel(y, clock, dense, counts, params, status, model.rtol, model.atol, model.sample_dt, 0, n_samples,
           model.divergence_bound, out)
    return out, counts, time.perf_counter() - start


def numba_rk4(model, y0, params, threads: int, duration: float) -> float:
    """The package's RK4 kernel called directly; return seconds."""
    n_samples = round(duration / model.sample_dt)
    kernel = compiled(rk4.kernel, model.rhs)
    y, status = y0.copy(), np.zeros(y0.shape[0], dtype=np.int8)
    out = np.empty((y0.shape[0], y0.shape[1], n_samples))
    numba.set_num_threads(threads)
    start = time.perf_counter()
    kernel(y, params, status, model.dt, round(model.sample_dt / model.dt), n_samples, model.divergence_bound, out)
    return time.perf_counter() - start


def best_of(repeats: int, run):
    """The run with the shortest time (last element of its result tuple, or the float itself)."""
    results = [run() for _ in range(repeats)]
    return min(results, key=lambda r: r[-1] if isinstance(r, tuple) else r)


def compare_with_c(model, values: np.ndarray, duration: float, workdir: Path) -> None:
    """Print ns per trajectory-step and per rhs evaluation, numba vs C, for 1 and 2 threads."""
    c = CKernels(model.name, workdir)
    max_threads = min(2, numba.config.NUMBA_NUM_THREADS)
    y0, params = ensemble_inputs(model, values)
    rk4_steps = round(duration / model.dt) * values.size
    print(f"-- numba vs hand-written C (best of 3), {values.size} trajectories:")
    for threads in range(1, max_threads + 1):
        numba_out, numba_counts, numba_s = best_of(3, partial(numba_dopri5, model, y0, params, threads, duration))
        c_out, c_counts, c_s = best_of(3, partial(c.dopri5, model, y0, params, threads, duration))
        steps, evaluations = numba_counts[:, 0].sum(), numba_counts[:, 2].sum()
        same = "same steps" if np.array_equal(numba_counts[:, :2], c_counts[:, :2]) else (
            f"steps differ (C {c_counts[:, 0].sum()})")
        deviation = np.nanmax(np.abs(numba_out - c_out))
        print(f"   dopri5, {threads} thread(s): numba {1e9 * numba_s / steps:6.1f} ns/step "
              f"{1e9 * numba_s / evaluations:5.1f} ns/rhs; C {1e9 * c_s / steps:6.1f} ns/step "
              f"{1e9 * c_s / evaluations:5.1f} ns/rhs; numba/C {numba_s / c_s:.2f} "
              f"({steps} steps, {evaluations} rhs, {same}, samples differ by <= {deviation:.1e})")
        numba_s = best_of(3, partial(numba_rk4, model, y0, params, threads, duration))
        c_s = best_of(3, partial(c.rk4, model, y0, params, threads, duration))
        print(f"   rk4,    {threads} thread(s): numba {1e9 * numba_s / rk4_steps:6.1f} ns/step "
              f"{1e9 * numba_s / (4 * rk4_steps):5.1f} ns/rhs; C {1e9 * c_s / rk4_steps:6.1f} ns/step "
              f"{1e9 * c_s / (4 * rk4_steps):5.1f} ns/rhs; numba/C {numba_s / c_s:.2f}")
    print("-- scaling, dopri5 ns per trajectory-step (wall time / all steps), numba | C:")
    for n in TRAJECTORY_COUNTS:
        cells = []
        for threads in range(1, max_threads + 1):
            _, counts, numba_s = best_of(3, partial(numba_dopri5, model, y0[:n], params[:n], threads, duration))
            _, _, c_s = best_of(3, partial(c.dopri5, model, y0[:n], params[:n], threads, duration))
            steps = counts[:, 0].sum()
            cells.append(f"{threads} thread(s) {1e9 * numba_s / steps:6.1f} | {1e9 * c_s / steps:6.1f}")
        print(f"   {n:4d} trajectories: " + ",  ".join(cells))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def loop_subset(values: np.ndarray, loop_values: int) -> np.ndarray:
    """``loop_values`` of ``values`` spread evenly over the range, both ends included: the loop's
    cost per value depends on the regime (a resting trajectory takes a few large steps), so a subset
    from one end of the range (rest, for srk and hh) would make the loop look cheaper than it is."""
    return values[np.unique(np.linspace(0, values.size - 1, loop_values).round().astype(int))]


def _cpu_and_wall(run):
    """(CPU seconds of the whole process, wall seconds) of ``run()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def bench_model(name: str, n_values: int, loop_values: int, workdir: Path | None) -> None:
    model = get_model(name)
    duration = SETTINGS[name]["duration"]
    low, high = model.control.range
    values = np.linspace(low, high, n_values)
    calibration = calibrate(model, duration, SETTINGS[name]["calibration"])
    rtol = calibration["lsoda_rtol"]

    timed = {}
    for integrator in ("rk4", "dopri5"):
        spec = SimulationSpec(control_values=values, transient=0.0, duration=duration, integrator=integrator)
        simulate(model, dataclasses.replace(spec, control_values=values[:2], duration=model.sample_dt))
        cpu, start = time.process_time(), time.perf_counter()
        result = simulate(model, spec)
        timed[integrator] = (time.perf_counter() - start, result, time.process_time() - cpu)
    # the default integrator on one thread: CPU time against the loop's, one core each
    numba.set_num_threads(1)
    one_thread_cpu, _ = _cpu_and_wall(partial(simulate, model, dataclasses.replace(spec, integrator=model.integrator)))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    def time_loop(loop_model: NeuronModel) -> tuple[float, float]:
        """(wall, CPU) seconds of the loop, scaled to all values."""
        y0 = result.initial_states[0]
        subset = loop_subset(values, loop_values)
        cpu, start = time.process_time(), time.perf_counter()
        for value in subset:
            reference_trajectory(loop_model, y0, {**loop_model.parameters(), model.control.name: value},
                                 result.time, rtol=rtol, atol=rtol * 1e-2)
        scale = n_values / subset.size
        return (time.perf_counter() - start) * scale, (time.process_time() - cpu) * scale

    python_loop_s, python_loop_cpu = time_loop(dataclasses.replace(model, rhs=model.rhs.py_func))
    compiled_loop_s, compiled_loop_cpu = time_loop(model)

    threads = numba.get_num_threads()
    print(f"\n== {name}: {n_values} control values in [{low:g}, {high:g}] {model.control.unit}, "
          f"{duration:g} {model.time_unit} each; default integrator {model.integrator}")
    print(f"spike-time error vs LSODA rtol 1e-10 ({model.time_unit}): rk4 (dt={model.dt:g}) "
          f"{calibration['rk4']:.3g}, dopri5 (rtol={model.rtol:g}, atol={model.atol:g}) "
          f"{calibration['dopri5']:.3g}; LSODA rtol={rtol:g} {calibration['lsoda']:.3g}")
    for integrator, (seconds, res, cpu) in timed.items():
        steps, evaluations = res.steps.sum(), res.rhs_evaluations.sum()
        print(f"{integrator:6s} ensemble: {seconds:7.3f} s on {threads} threads ({cpu:.3f} s CPU), "
              f"{steps / n_values:8.0f} steps per trajectory, {1e9 * seconds / steps:6.1f} ns per "
              f"trajectory-step, {1e9 * seconds / evaluations:5.1f} ns per rhs evaluation")
    print(f"{model.integrator:6s} ensemble on 1 thread: {one_thread_cpu:.3f} s CPU")
    default_s = timed[model.integrator][0]
    scaled = "" if loop_values == n_values else f" (timed on {loop_values} values spread over the range, scaled)"
    for label, loop_s, loop_cpu in (("Python rhs  ", python_loop_s, python_loop_cpu),
                                    ("compiled rhs", compiled_loop_s, compiled_loop_cpu)):
        print(f"solve_ivp loop, {label}: {loop_s:8.3f} s ({loop_cpu:.3f} s CPU){scaled}; {model.integrator} "
              f"speed-up {loop_s / default_s:.1f}x wall ({threads} threads against the loop's one), "
              f"{loop_cpu / one_thread_cpu:.1f}x CPU (one core each)")
    if workdir is not None and name in C_MODELS:
        compare_with_c(model, values, duration, workdir)


PRECISION_RTOLS = tuple(10.0 ** -k for k in np.arange(3.0, 10.01, 0.5))  # half decades, 1e-3 ... 1e-10


def work_precision(name: str, n_values: int, loop_values: int) -> None:
    """Cost against spike-time error of dopri5 and of the solve_ivp (LSODA) loop, each over a ladder
    of tolerances, and the speed-up at equal accuracy.

    The error of a tolerance is the largest spike-time error against LSODA rtol 1e-10 on the
    calibration values; a cost is CPU time (user + sys of the process, all threads: robust to a
    shared machine's load, unlike wall time) for all ``n_values`` control values, dopri5 through
    :func:`simulate` on one numba thread and on two (wall time too), the loop timed on
    ``loop_values`` values with the plain-Python right-hand side and scaled. For each dopri5
    tolerance the loop's cost is that of the loosest LSODA tolerance whose error is no larger, so the
    loop is never charged for less accuracy than it delivers by more than one ladder step (half a
    decade of rtol). atol: dopri5 keeps the model's atol/rtol ratio, LSODA uses rtol / 100 (as in
    the calibration of the main benchmark).
    """
    model = get_model(name)
    duration = SETTINGS[name]["duration"]
    low, high = model.control.range
    values = np.linspace(low, high, n_values)
    calibration_values = SETTINGS[name]["calibration"]
    spec = SimulationSpec(control_values=list(calibration_values), transient=0.0, duration=duration)
    first = simulate(model, dataclasses.replace(spec, duration=model.sample_dt))
    times = np.arange(1, round(duration / model.sample_dt) + 1) * model.sample_dt
    y0, obs = first.initial_states[0], model.observed_index
    parameters = [{**model.parameters(), model.control.name: value} for value in calibration_values]
    refs = [reference_trajectory(model, y0, p, times, rtol=1e-10, atol=1e-12).y[obs] for p in parameters]
    python_model = dataclasses.replace(model, rhs=model.rhs.py_func)
    atol_ratio = model.atol / model.rtol
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    print(f"\n== {name}: work-precision, {n_values} control values of {duration:g} {model.time_unit}; "
          f"spike-time error on {calibration_values} ({model.time_unit}); CPU s = user + sys; "
          f"model default rtol {model.rtol:g}")

    dopri5_rows = []
    for rtol in PRECISION_RTOLS:
        tolerances = {"rtol": rtol, "atol": rtol * atol_ratio}
        calib = simulate(model, dataclasses.replace(spec, **tolerances))
        error = max(spike_time_error(model, times, calib.trajectories[i, 0, obs], ref) for i, ref in enumerate(refs))
        full = SimulationSpec(control_values=values, transient=0.0, duration=duration, **tolerances)
        costs = {}
        for n_threads in (1, threads):
            numba.set_num_threads(n_threads)
            costs[n_threads] = min((_cpu_and_wall(partial(simulate, model, full)) for _ in range(2)),
                                   key=lambda c: c[0])
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        dopri5_rows.append((rtol, error, costs[1][0], costs[threads][1]))
        print(f"   dopri5 rtol {rtol:7.1e}: error {error:9.3g} ({calib.steps.mean():6.0f} steps per "
              f"calibration trajectory), {costs[1][0]:7.3f} s CPU on 1 thread, "
              f"{costs[threads][1]:7.3f} s wall on {threads} ({costs[threads][0]:.3f} s CPU)")

    lsoda_rows = []
    for rtol in PRECISION_RTOLS:
        error = max(spike_time_error(model, times, reference_trajectory(model, y0, p, times, rtol=rtol,
                                                                        atol=rtol * 1e-2).y[obs], ref)
                    for p, ref in zip(parameters, refs, strict=True))

        def loop(rtol=rtol):
            for value in loop_subset(values, loop_values):
                reference_trajectory(python_model, y0, {**model.parameters(), model.control.name: value},
                                     times, rtol=rtol, atol=rtol * 1e-2)
        cpu, wall = _cpu_and_wall(loop)
        scale = n_values / loop_values
        lsoda_rows.append((rtol, error, cpu * scale, wall * scale))
        print(f"   LSODA  rtol {rtol:7.1e}: error {error:9.3g}, {cpu * scale:8.2f} s CPU, "
              f"{wall * scale:8.2f} s wall (Python rhs, {loop_values} values timed, scaled)")
        if error <= min(row[1] for row in dopri5_rows) / 10:
            break  # tighter than every dopri5 tolerance needs

    print(f"   speed-up at equal accuracy (loop on one core against dopri5 on 1 thread, CPU; "
          f"and wall, dopri5 on {threads} threads):")
    for rtol, error, cpu1, wall2 in dopri5_rows:
        matching = [row for row in lsoda_rows if row[1] <= error]
        if not math.isfinite(error) or not matching:
            print(f"   dopri5 rtol {rtol:7.1e} (error {error:.3g}): no LSODA tolerance on the ladder as accurate")
            continue
        lsoda_rtol, lsoda_error, lsoda_cpu, lsoda_wall = max(matching, key=lambda row: row[0])
        looser = [row for row in lsoda_rows if row[0] > lsoda_rtol]
        bracket = ""
        if looser:  # the next looser LSODA tolerance, less accurate than dopri5: the ratio's lower bound
            next_rtol, next_error, next_cpu, _ = min(looser, key=lambda row: row[0])
            bracket = f"; against LSODA rtol {next_rtol:7.1e} (error {next_error:.3g}) {next_cpu / cpu1:6.1f}x CPU"
        default = "  <- model default" if math.isclose(rtol, model.rtol) else ""
        print(f"   dopri5 rtol {rtol:7.1e} (error {error:.3g}) vs LSODA rtol {lsoda_rtol:7.1e} "
              f"(error {lsoda_error:.3g}): {lsoda_cpu / cpu1:6.1f}x CPU, {lsoda_wall / wall2:6.1f}x wall"
              f"{bracket}{default}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["srk", "hh"], choices=sorted(SETTINGS))
    parser.add_argument("--values", type=int, default=256, help="control values per model")
    parser.add_argument("--loop-values", type=int, default=None,
                        help="time the solve_ivp loop on this many values, spread over the range, and scale (default: all)")
    parser.add_argument("--no-c", action="store_true", help="skip the comparison with hand-written C")
    parser.add_argument("--precision", action="store_true",
                        help="instead: cost against spike-time error over a ladder of tolerances, both solvers")
    args = parser.parse_args()
    loop_values = min(args.values, args.loop_values or args.values)
    print(f"cpu cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.precision:
        for name in args.models:
            work_precision(name, args.values, loop_values)
        return
    with tempfile.TemporaryDirectory(prefix="neurorecon-bench-") as workdir:
        for name in args.models:
            bench_model(name, args.values, loop_values, None if args.no_c else Path(workdir))


if __name__ == "__main__":
    main()
