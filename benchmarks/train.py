"""Benchmark: training throughput of the vae_map and hybrid_ode surrogates and their sweep speed.

Training data: the observed voltage of ``srk`` at three bursting control values (simulated here,
or read from ``--store``), delay-embedded as in the default settings. Reported per device (CPU,
and CUDA where available) and CPU thread count:

- VAE training: windows per second (forward + backward + Adam step), default widths and batch;
- map training at the full rollout horizon: predicted steps per second (batch x horizon per
  optimiser step), default widths and batch;
- free-running sweep: map steps per second for a batched (param x ic) rollout, against the loop a
  user would otherwise write (one trajectory at a time), and the ratio.

hybrid_ode (hh, gates mode, K gate learned, default widths): RK4 steps per second of a batch of
128 segments forward + backward (the free-running part of a training step), and of a batched
no-gradient rollout of 82 trajectories (the sweep).

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
from neurorecon.surrogates.hybrid_ode.model import HybridArchitecture, HybridOde
from neurorecon.surrogates.hybrid_ode.settings import HybridOdeSettings
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


def bench_hybrid(device: torch.device, seconds: float, sync, batch: int = 128, n_traj: int = 82) -> tuple[float, float]:
    """(RK4 steps/s forward + backward at ``batch``, RK4 steps/s without gradients at ``n_traj``)."""
    settings = HybridOdeSettings(learned_gates=("n",))
    model = get_model("hh")
    arch = HybridArchitecture("gates", "hh", model.parameters(), settings.learned_gates, width=settings.width,
                              depth=settings.depth, v_offset=-15.0, v_scale=60.0, tau_init=3.0, tau_floor=0.07)
    net = HybridOde(arch).to(device)
    dt, steps = model.sample_dt / settings.substeps, 10

    def start(n: int) -> torch.Tensor:
        v = net.scaled(torch.linspace(-70.0, -55.0, n, device=device))
        return torch.cat([v[:, None], net.initial_hidden(v).detach()], dim=1)

    state, current = start(batch), torch.full((batch,), 10.0, device=device)

    def train_step():
        s = state
        for _ in range(steps):
            s = net.step(s, current, dt, settings.substeps)
        s[:, 0].square().mean().backward()

    trained = timed(train_step, seconds, sync) * steps * settings.substeps
    free = start(n_traj)
    with torch.no_grad():
        sweep = timed(lambda: net.step(free, current[:n_traj], dt, settings.substeps), seconds, sync) * settings.substeps
    return trained, sweep


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
    print(f"\nhybrid_ode (hh, K gate learned)\n{'device':>8} {'threads':>7} {'train RK4 steps/s':>18} "
          f"{'sweep RK4 steps/s':>18}")
    for name, threads in runs:
        torch.set_num_threads(threads)
        device = resolve_device(name)
        sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        trained, sweep = bench_hybrid(device, args.seconds, sync)
        print(f"{name:>8} {threads:>7} {trained:>18.0f} {sweep:>18.0f}")


if __name__ == "__main__":
    main()
