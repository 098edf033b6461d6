"""Snakemake adapter: run a trained surrogate freely over the held-out grid into a trajectory store,
with its own Lyapunov exponents and its forecast horizons from held-out truth states."""

import sys
from pathlib import Path

from neurorecon.io.stores import provenance, read_dataset, write_dataset
from neurorecon.surrogates import SweepSettings, load_surrogate, sweep
from neurorecon.evaluation.forecast import with_forecast_horizons
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
limit_threads(snakemake.threads)  # noqa: F821
settings = SweepSettings.from_dict(snakemake.params.settings, where="sweep")  # noqa: F821
seed = int(snakemake.wildcards.seed)  # noqa: F821
surrogate = load_surrogate(Path(snakemake.input.checkpoint).parent, snakemake.params.device)  # noqa: F821
print(f"sweeping {len(snakemake.params.values)} values x {settings.n_ic} states x {settings.n_steps} steps "  # noqa: F821
      f"({surrogate.family})")
ds = sweep(
    surrogate,
    control_values=snakemake.params.values,  # noqa: F821
    n_ic=settings.n_ic,
    n_steps=settings.n_steps,
    transient_steps=settings.transient_steps,
    seed=seed,
    lyapunov_steps=settings.lyapunov_steps,
)
if settings.forecast_starts:
    heldout = read_dataset(snakemake.input.heldout, kind="trajectories")  # noqa: F821
    steps = min(settings.forecast_steps, heldout.sizes["time"] - settings.forecast_history)
    if steps < settings.forecast_steps:
        print(f"warning: the held-out truth has {heldout.sizes['time']} samples; forecasting {steps} steps "
              f"instead of sweep.forecast_steps = {settings.forecast_steps}")
    print(f"forecasting {steps} steps from {settings.forecast_starts} held-out truth states per trajectory")
    ds = with_forecast_horizons(ds, surrogate, heldout, settings.forecast_starts, steps, settings.forecast_history,
                                seed)
ds.attrs.update(provenance(seed=seed, rule=snakemake.rule, wildcards=dict(snakemake.wildcards)))  # noqa: F821
diverged = int((ds["status"].values != 0).sum())
if diverged:
    print(f"warning: {diverged} of {ds['status'].size} surrogate trajectories diverged; "
          "they are classified divergent")
write_dataset(ds, snakemake.output[0])  # noqa: F821
print(f"wrote {snakemake.output[0]}")  # noqa: F821
