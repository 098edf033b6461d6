"""Benchmark: training throughput of the vae_map surrogate (VAE and neural map) and sweep speed.

Training data: the observed voltage of ``srk`` at three bursting control values (simulated here,
or read from ``--store``), delay-embedded as in the default settings. Reported per device (CPU,
and CUDA where available) and CPU thread count:

- VAE training: windows per second (forward + backward + Adam step), default widths and batch;
- map training at the full rollout horizon: predicted steps per second (batch x horizon per
  optimiser step), default widths and batch;
- free-running sweep: map steps per second for a batched (param x ic) rollout, against the loop a
  user would otherwise write (one trajectory at a time), and the ratio.

Run:  python benchmarks/train.py [--store train.zarr] [--threads 1 2] [--seconds 10]
Prints a table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from neurorecon.io.stores import provenance, read_dataset
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.to_store import trajectories_dataset
from neurorecon.surrogates.free_run import free_run
from neurorecon.surrogates.training import generator, resolve_device, seed_everything
from neurorecon.surrogates.vae_map.embedding import EmbeddingSpec, Scaler, delay_windows, segments_from_store
from neurorecon.surrogates.vae_map.map_model import MapArchitecture, NeuralMap
from neurorecon.surrogates.vae_map.map_training import LatentSeries, sequence_losses
from neurorecon.surrogates.vae_map.settings import MapSettings, VaeSettings
from neurorecon.surrogates.vae_map.vae import Vae, VaeArchitecture


def training_windows(store: str | None) -> np.ndarray:
    """(n, D_e) scaled default-geometry windows of the observed variable of a training store."""
    if store:
        ds = read_dataset(store, kind="trajectories")
    else:
        model = get_model("srk")
        spec = SimulationSpec(control_values=[-40.0, -38.0, -36.0], n_ic=1, transient=200.0, duration=200.0)
        ds = trajectories_dataset(model, simulate(model, spec), "default", provenance(seed=0))
    series = segments_from_store(ds).series
    settings = VaeSettings()
    windows = delay_windows(Scaler.fit(series).transform(series), EmbeddingSpec(settings.embedding_dim, settings.delay),
                            settings.stride)
    return np.ascontiguousarray(windows.reshape(-1, settings.embedding_dim), dtype=np.float32)


def timed(step, seconds: float, sync) -> float:
    """Calls of ``step`` per second over about ``seconds`` (after two warm-up calls)."""
    step(), step()
    sync()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        calls += 1
    sync()
    return calls / (time.perf_counter() - start)


def bench_vae(windows: np.ndarray, device: torch.device, seconds: float, sync, latent_dim: int = 4) -> float:
    settings = VaeSettings()
    vae = Vae(VaeArchitecture(windows.shape[1], latent_dim, settings.hidden, settings.activation)).to(device)
    optimizer = torch.optim.Adam(vae.parameters(), lr=settings.lr)
    data = torch.as_tensor(windows, device=device)
    state = {"start": 0}

    def step():
        start = state["start"]
        batch = data[start : start + settings.batch_size]
        state["start"] = (start + settings.batch_size) % (data.shape[0] - settings.batch_size)
        loss = vae.losses(batch, settings.beta)["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return timed(step, seconds, sync) * settings.batch_size


def bench_map(device: torch.device, seconds: float, sync, latent_dim: int = 4) -> float:
    settings = MapSettings()
    net = NeuralMap(MapArchitecture(latent_dim, settings.hidden, settings.depth, settings.activation,
                                    settings.coupling)).to(device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=settings.lr)
    gen = generator(0, device)
    series = LatentSeries(torch.randn(12, 5000, latent_dim, device=device), torch.randn(12, device=device))

    def step():
        pieces, p = series.pieces(settings.batch_size, settings.horizon_max + 1, gen)
        rollout, one_step, mean_state = sequence_losses(net, pieces, p)
        optimizer.zero_grad(set_to_none=True)
        (rollout + settings.one_step_weight * one_step + settings.mean_weight * mean_state).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), settings.grad_clip)
        optimizer.step()

    return timed(step, seconds, sync) * settings.batch_size * settings.horizon_max


def bench_sweep(device: torch.device, sync, latent_dim: int = 4, n_traj: int = 82, n_steps: int = 2000):
    settings = MapSettings()
    net = NeuralMap(MapArchitecture(latent_dim, settings.hidden, settings.depth, settings.activation,
                                    settings.coupling)).to(device).eval()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.mul_(0.1)  # a tame map: the benchmark times steps, not dynamics
    z0 = torch.randn(n_traj, latent_dim, device=device)
    p = torch.linspace(-1, 1, n_traj, device=device)[:, None]
    sync()
    start = time.perf_counter()
    free_run(net, z0, p, n_steps)
    sync()
    batched = n_traj * n_steps / (time.perf_counter() - start)
    n_loop = 4  # the per-trajectory loop is timed on a few trajectories and scaled
    start = time.perf_counter()
    for i in range(n_loop):
        free_run(net, z0[i : i + 1], p[i : i + 1], n_steps)
    sync()
    loop = n_loop * n_steps / (time.perf_counter() - start)
    return batched, loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="training trajectory store (default: simulate srk briefly)")
    parser.add_argument("--threads", type=int, nargs="+", default=sorted({1, os.cpu_count() or 1}))
    parser.add_argument("--seconds", type=float, default=10.0, help="timing window per measurement")
    args = parser.parse_args()
    windows = training_windows(args.store)
    print(f"cpu cores: {os.cpu_count()}, cuda: {torch.cuda.is_available()}, torch {torch.__version__}, "
          f"{windows.shape[0]} training windows of {windows.shape[1]} samples")
    runs = [("cpu", threads) for threads in args.threads]
    if torch.cuda.is_available():
        runs.append(("cuda", torch.get_num_threads()))
    print(f"{'device':>8} {'threads':>7} {'VAE windows/s':>14} {'map steps/s':>12} "
          f"{'sweep steps/s':>14} {'loop steps/s':>13} {'ratio':>6}")
    for name, threads in runs:
        torch.set_num_threads(threads)
        device = resolve_device(name)
        seed_everything(0, device)
        sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        vae = bench_vae(windows, device, args.seconds, sync)
        net = bench_map(device, args.seconds, sync)
        batched, loop = bench_sweep(device, sync)
        print(f"{name:>8} {threads:>7} {vae:>14.0f} {net:>12.0f} {batched:>14.0f} {loop:>13.0f} "
              f"{batched / loop:>6.1f}")


if __name__ == "__main__":
    main()
