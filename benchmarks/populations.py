"""Benchmark: the data-generation rate of degenerate STG populations (issue 17), in models simulated
per second, on 1 and 2 threads.

A "model" is one twin (a maximal-conductance set drawn by compensation at a prescribed (g_s, g_u))
simulated with the dataset kernel (:func:`neurorecon.simulate.population.simulate_population`, the
model's default integrator, dopri5) over ``--transient`` + ``--duration`` ms. The twins of
``--values`` values of g_s in [``--low``, ``--high``] (g_u fixed) are drawn once per thread count;
drawing them (compensation) and simulating them are timed separately, after a small warm-up run that
compiles the kernel. The population settings are those of ``stg_dic`` in config/paper.yaml. No
assertion on time; it prints what it measured.

With ``--inference N`` it measures instead the generation of spike-time inference training data
(:mod:`neurorecon.inference.data`): N models with random (g_s, g_u) drawn by compensation and
simulated with the settings of the ``inference`` block of config/paper.yaml (300 + 700 ms by default),
spikes and regimes extracted, per thread count.

Run:  python benchmarks/populations.py [--values 8] [--twins 8] [--transient 1000] [--duration 2000]
      python benchmarks/populations.py --inference 512 [--transient 300] [--duration 700]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec
from neurorecon.simulate.population import DicPopulation, simulate_population, twin_conductances

POPULATION = DicPopulation(
    control="slow", fixed={"ultraslow": 5.0}, free=("gCaS", "gH"),
    ranges={"gNa": (2000.0, 6000.0), "gKd": (70.0, 140.0), "gCaT": (3.0, 7.0), "gKCa": (140.0, 180.0),
            "gA": (50.0, 200.0), "gL": (0.007, 0.014)},
    draws=1000,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=8, help="g_s values (units of g_L)")
    parser.add_argument("--twins", type=int, default=8, help="twins per value")
    parser.add_argument("--low", type=float, default=-4.0)
    parser.add_argument("--high", type=float, default=4.0)
    parser.add_argument("--transient", type=float, default=1000.0, help="ms")
    parser.add_argument("--duration", type=float, default=2000.0, help="recorded ms")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--inference", type=int, default=0, metavar="N",
                        help="measure N inference training models instead (see the module docstring)")
    args = parser.parse_args()
    if args.inference:
        inference_rate(args)
        return

    model = get_model("stg")
    values = np.linspace(args.low, args.high, args.values)
    parameters = model.parameters("spiking")
    warm = SimulationSpec([values[0]], n_ic=1, parameter_set="spiking", transient=0.0, duration=10.0)
    simulate_population(model, warm, POPULATION, seed=0)  # compile outside timing

    n_models = args.values * args.twins
    print(f"stg populations: {args.values} values of g_s in [{args.low:g}, {args.high:g}] x {args.twins} twins "
          f"= {n_models} models, {args.transient:g} + {args.duration:g} ms each, "
          f"{model.integrator} (rtol {model.rtol:g}); numba threads available {numba.config.NUMBA_NUM_THREADS}")
    start = time.perf_counter()
    twin_conductances(model, POPULATION, values, args.twins, 0, parameters)
    drawing = time.perf_counter() - start
    print(f"compensation: {args.values * POPULATION.draws} sets drawn in {drawing:.2f} s "
          f"({args.values * POPULATION.draws / drawing:,.0f} sets/s)")
    for threads in args.threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        spec = SimulationSpec(values, n_ic=args.twins, parameter_set="spiking",
                              transient=args.transient, duration=args.duration)
        start = time.perf_counter()
        result, _ = simulate_population(model, spec, POPULATION, seed=0)
        wall = time.perf_counter() - start
        diverged = int(np.count_nonzero(result.status))
        print(f"{numba.get_num_threads()} thread(s): {n_models} models in {wall:.1f} s = "
              f"{n_models / wall:.2f} models/s ({(args.transient + args.duration) * n_models / wall / 1000:.1f} "
              f"simulated s per s; drawing included; {diverged} diverged)")


def inference_rate(args: argparse.Namespace) -> None:
    """Models per second of inference training data (draw, simulate, spikes, regimes)."""
    from dataclasses import replace

    from neurorecon.inference.data import draw_sets, simulate_sets
    from neurorecon.inference.settings import SamplingSettings

    transient = 300.0 if args.transient == 1000.0 else args.transient  # the inference block's defaults
    duration = 700.0 if args.duration == 2000.0 else args.duration
    sampling = replace(SamplingSettings(), transient=transient, duration=duration)
    model = get_model(sampling.model)
    warm = draw_sets(model, sampling, 2, np.random.default_rng(0))
    simulate_sets(model, replace(sampling, transient=0.0, duration=10.0), warm.conductances, 0)  # compile
    print(f"inference data: {args.inference} stg models, (g_s, g_u) uniform in {sampling.g_s} x {sampling.g_u}, "
          f"{transient:g} + {duration:g} ms each; numba threads available {numba.config.NUMBA_NUM_THREADS}")
    for threads in args.threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        start = time.perf_counter()
        draw = draw_sets(model, sampling, args.inference, np.random.default_rng(1))
        drawing = time.perf_counter() - start
        sim = simulate_sets(model, sampling, draw.conductances, 1)
        wall = time.perf_counter() - start
        print(f"{numba.get_num_threads()} thread(s): {args.inference} models in {wall:.1f} s = "
              f"{args.inference / wall:.1f} models/s (drawing {drawing:.2f} s; regimes "
              f"{np.bincount(sim.regime, minlength=6).tolist()})")


if __name__ == "__main__":
    main()
