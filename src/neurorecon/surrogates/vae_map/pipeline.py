"""All training stages of a ``vae_map`` surrogate in sequence, as the workflow runs them, for use
outside Snakemake (``neurorecon train``).

Writes the workflow's layout under ``out_dir``: ``vae/d<d>/`` for every latent dimension of the
scan, ``latent.json``, ``map/`` (the map's curve and candidate check), the complete surrogate
(``surrogate.pt`` + ``surrogate.json``) and the family's figures ``figures/latent_selection.png``
and ``figures/training_curves.png``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ...figures.style import save
from ..registry import SURROGATE_CHECKPOINT
from ..training import Progress, no_progress, read_curve
from .figures import latent_selection_figure, map_training_figure, read_curves
from .settings import VaeMapSettings
from .stages import MapOutputs, select_latent, train_map, train_vae


def train_surrogate(
    train_store_path: str | os.PathLike,
    settings: VaeMapSettings,
    seed: int,
    device: str = "auto",
    out_dir: str | os.PathLike = ".",
    progress: Progress = no_progress,
    log: Callable[[str], None] = print,
) -> MapOutputs:
    """Train the VAEs of the latent scan, choose d, train the map; return the map's outputs.

    Args:
        train_store_path: trajectory store of the training values (only the observed variable is read).
        settings: the family's complete settings (``vae``, ``latent``, ``map``).
        seed: seed of every stage.
        device: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ...
        out_dir: directory of the outputs (created).
        progress: called with every epoch record of every stage.
        log: called with one line per stage.

    Raises:
        ValueError: an empty latent scan (before anything is trained).
    """
    if not settings.latent.dims:
        raise ValueError("latent.dims: the latent scan is empty; give at least one latent dimension")
    out = Path(out_dir)
    curves = []
    for d in settings.latent.dims:
        log(f"training the VAE with latent dimension d = {d} (seed {seed})")
        outputs = train_vae(train_store_path, d, settings.vae, seed, device, out / "vae" / f"d{d}", progress)
        curves.append(outputs.curve)
    choice = select_latent(curves, settings.latent, out / "latent.json")
    log(f"chosen latent dimension d = {choice.latent_dim}; levels {choice.levels}")
    figure = latent_selection_figure(read_curves(curves), choice, f"seed {seed}")
    save(figure, out / "figures" / "latent_selection.png")
    log("training the neural map")
    vae = out / "vae" / f"d{choice.latent_dim}" / "vae"
    outputs = train_map(train_store_path, vae, settings.map, seed, device, out / "map", progress,
                        checkpoint=out / SURROGATE_CHECKPOINT)
    save(map_training_figure(read_curve(outputs.curve), f"seed {seed}"), out / "figures" / "training_curves.png")
    return outputs
