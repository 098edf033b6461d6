"""Benchmark: a surrogate sweep of the held-out grid against simulating the same grid with the truth.

The sweep of the default study's size: 41 control values x 8 initial states x 20 000 map steps,
run on the CPU with :func:`neurorecon.surrogates.sweep.sweep` (batched free run over all
trajectories, then decoding to the observed variable). The surrogate is a trained checkpoint
(``--checkpoint``) or, by default, an untrained ``vae_map`` surrogate of the default architecture
(VAE: 50-sample windows, hidden widths 256, 256, latent dimension 4 as the default study selects;
map: width 128, depth 3, the default control coupling) built on a short ``srk`` simulation at the
default training values: its scalers, latent standardisation, step scale and initial states come
from those data as in training, and its weights are shrunk tenfold so that trajectories stay tame
(the cost of a step does not depend on the weights).

The baseline is the ground truth: :func:`neurorecon.simulate.simulate` (the numba RK4 ensemble
kernel, compiled before timing) over the same control values and initial states, recording the
same number of samples at the model's sampling interval, without a transient.

Run:  python benchmarks/sweep.py [--checkpoint PATH] [--values 41] [--ic 8] [--steps 20000] [--threads 1 2]
Prints, per thread count, the wall times, map steps (samples) per second, how many surrogate
trajectories stayed bounded, and the truth-to-surrogate time ratio; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import time

import numba
import numpy as np
import torch

from neurorecon.io.stores import provenance
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.to_store import trajectories_dataset
from neurorecon.surrogates.base import STORE_ATTRS, Surrogate
from neurorecon.surrogates.registry import load_surrogate
from neurorecon.surrogates.sweep import sweep
from neurorecon.surrogates.vae_map.embedding import EmbeddingSpec, Scaler, delay_windows, segments_from_store
from neurorecon.surrogates.vae_map.family import VaeMapInfo, VaeMapSurrogate
from neurorecon.surrogates.vae_map.map_model import MapArchitecture, NeuralMap
from neurorecon.surrogates.vae_map.settings import MapSettings, VaeSettings
from neurorecon.surrogates.vae_map.vae import Vae, VaeArchitecture, encode_means

MODEL = "srk"
TRAIN_VALUES = (-40.0, -38.0, -36.0)  # the default study's training values of srk (mV)
HELDOUT = (-48.0, -24.0)  # its held-out range (mV)
LATENT_DIM = 4
N_ANCHORS = 256


def untrained_surrogate(seed: int = 0) -> VaeMapSurrogate:
    """A default-architecture ``vae_map`` surrogate with random weights, fitted scalers and
    standardisation from 60 s of ``srk`` at the training values (see the module docstring)."""
    torch.manual_seed(seed)
    model = get_model(MODEL)
    spec = SimulationSpec(control_values=list(TRAIN_VALUES), n_ic=1, transient=200.0, duration=60.0)
    ds = trajectories_dataset(model, simulate(model, spec), "default", provenance(seed=seed))
    store_attrs = {key: ds.attrs[key] for key in STORE_ATTRS if key in ds.attrs}
    store_attrs["observed_unit"] = ds[ds.attrs["observed"]].attrs.get("units", "")
    series = segments_from_store(ds).series
    vae_settings, map_settings = VaeSettings(), MapSettings()
    embedding = EmbeddingSpec(vae_settings.embedding_dim, vae_settings.delay)
    scaler = Scaler.fit(series)
    vae = Vae(VaeArchitecture(embedding.dim, LATENT_DIM, vae_settings.hidden, vae_settings.activation)).eval()
    windows = torch.as_tensor(np.ascontiguousarray(delay_windows(scaler.transform(series), embedding)),
                              dtype=torch.float32)  # (n_seg, n_win, D_e)
    with torch.no_grad():
        means = encode_means(vae, windows.reshape(-1, embedding.dim)).reshape(*windows.shape[:2], LATENT_DIM)
    latent_mean, latent_std = means.reshape(-1, LATENT_DIM).mean(0), means.reshape(-1, LATENT_DIM).std(0)
    z = (means - latent_mean) / latent_std
    net = NeuralMap(MapArchitecture(LATENT_DIM, map_settings.hidden, map_settings.depth, map_settings.activation,
                                    map_settings.coupling)).eval()
    with torch.no_grad():
        for parameter in net.f.parameters():
            parameter.mul_(0.1)
        net.step_scale.copy_(z.diff(dim=1).reshape(-1, LATENT_DIM).std(0).clamp_min(1e-6))
    anchors = z.reshape(-1, LATENT_DIM)[torch.randperm(z.shape[0] * z.shape[1])[:N_ANCHORS]]
    info = VaeMapInfo(list(TRAIN_VALUES), store_attrs, ic_noise=map_settings.ic_noise, bound=map_settings.bound,
                      seed=seed)
    return VaeMapSurrogate(vae, net, embedding, scaler, Scaler.fit(np.asarray(TRAIN_VALUES)), latent_mean,
                           latent_std, anchors, info)


def time_surrogate(surrogate: Surrogate, values: np.ndarray, n_ic: int, n_steps: int) -> tuple[float, int]:
    """Wall time (s) of the sweep (after a short warm-up) and the number of bounded trajectories."""
    sweep(surrogate, values[:2], n_ic=1, n_steps=10, transient_steps=0, seed=0)
    start = time.perf_counter()
    ds = sweep(surrogate, values, n_ic=n_ic, n_steps=n_steps, transient_steps=0, seed=0)
    return time.perf_counter() - start, int((ds["status"].values == 0).sum())


def time_truth(values: np.ndarray, n_ic: int, n_samples: int) -> float:
    """Wall time (s) of the ground-truth simulation of ``n_samples`` samples per trajectory (compiled first)."""
    model = get_model(MODEL)
    simulate(model, SimulationSpec(control_values=values[:2], n_ic=1, transient=0.0, duration=model.sample_dt))
    spec = SimulationSpec(control_values=values, n_ic=n_ic, transient=0.0, duration=n_samples * model.sample_dt)
    start = time.perf_counter()
    simulate(model, spec)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="trained surrogate checkpoint (default: an untrained srk surrogate)")
    parser.add_argument("--values", type=int, default=41, help="control values over the held-out range")
    parser.add_argument("--ic", type=int, default=8, help="initial states per control value")
    parser.add_argument("--steps", type=int, default=20_000, help="map steps (recorded samples) per trajectory")
    parser.add_argument("--threads", type=int, nargs="+", default=[2], help="CPU thread counts (torch and numba)")
    args = parser.parse_args()
    surrogate = load_surrogate(args.checkpoint, "cpu") if args.checkpoint else untrained_surrogate()
    low, high = HELDOUT
    values = np.linspace(low, high, args.values)
    n_traj = args.values * args.ic
    map_steps = n_traj * args.steps
    model = get_model(MODEL)
    rk4_per_sample = round(model.sample_dt / model.dt)
    print(f"cpu cores: {os.cpu_count()}, torch {torch.__version__}, surrogate: "
          f"{args.checkpoint or 'untrained vae_map, default architecture'} (latent dimension {surrogate.latent_dim})")
    print(f"grid: {args.values} values of {MODEL} in [{low:g}, {high:g}] {model.control.unit} x {args.ic} initial "
          f"states x {args.steps} samples = {map_steps:.3g} map steps; truth: RK4 dt={model.dt:g} "
          f"{model.time_unit}, {rk4_per_sample} steps per sample ({map_steps * rk4_per_sample:.3g} RK4 steps)")
    print(f"{'threads':>7} {'sweep [s]':>10} {'map steps/s':>12} {'bounded':>8} {'truth [s]':>10} "
          f"{'samples/s':>10} {'truth/sweep':>12}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        surrogate_s, bounded = time_surrogate(surrogate, values, args.ic, args.steps)
        truth_s = time_truth(values, args.ic, args.steps)
        print(f"{threads:>7} {surrogate_s:>10.2f} {map_steps / surrogate_s:>12.3g} {f'{bounded}/{n_traj}':>8} "
              f"{truth_s:>10.2f} {map_steps / truth_s:>10.3g} {truth_s / surrogate_s:>12.3g}")
    print("truth/sweep > 1: the surrogate sweep is faster than simulating the truth; < 1: slower.")


if __name__ == "__main__":
    main()
