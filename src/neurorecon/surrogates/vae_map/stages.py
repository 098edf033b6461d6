"""Training stages of the ``vae_map`` family, as the workflow calls them.

Each stage takes paths, its settings dataclass, a seed, a device (``"auto"``: CUDA when available,
else CPU) and a progress callback, and writes its outputs atomically into ``out_dir``:

- :func:`train_vae`: ``vae.pt`` + ``vae.json`` (checkpoint), ``vae_curve.tsv``;
- :func:`select_latent`: the chosen latent dimension and a JSON of the rule's inputs;
- :func:`train_map`: ``surrogate.pt`` + ``surrogate.json`` (complete surrogate), ``map_curve.tsv``,
  ``rollout_check.json`` (free-running check at the training values).

Only the observed variable of the training store is used. The two training stages save their
training state every ``checkpoint_every`` epochs to ``<checkpoint>.resume.pt`` in ``out_dir`` and a
rerun of a killed stage resumes from it (:class:`~neurorecon.surrogates.training.ResumeFile`); the file is
removed once the outputs are written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...io.outputs import write_json
from ...io.stores import read_dataset
from ..base import STORE_ATTRS
from ..registry import SURROGATE_CHECKPOINT
from ..training import (
    RESUME_SUFFIX,
    CheckpointError,
    EpochRecord,
    Progress,
    ResumeFile,
    fingerprint,
    generator,
    load_checkpoint,
    no_progress,
    read_curve,
    resolve_device,
    save_checkpoint,
    seed_everything,
    write_curve,
)
from ..training_check import training_truth
from .embedding import EmbeddingSpec, Scaler, Segments, delay_windows, heldback_samples, segments_from_store
from .family import VaeMapInfo, VaeMapSurrogate
from .map_model import NeuralMap
from .map_training import LatentSeries, fit_map
from .rollout_check import TrainingValueCheck
from .selection import LatentChoice, choose_latent_dim
from .settings import LatentSelection, MapSettings, VaeSettings
from .vae import Vae, VaeArchitecture, encode_means, entry_errors, fit_vae

LOG = logging.getLogger(__name__)

VAE_CHECKPOINT = "vae"
N_ANCHORS = 256
"""Encoded training states kept in a surrogate as initial states."""


@dataclass(frozen=True)
class VaeOutputs:
    """Files written by :func:`train_vae`: checkpoint stem (``.pt``/``.json``) and curve table."""

    checkpoint: Path
    curve: Path


@dataclass(frozen=True)
class MapOutputs:
    """Files written by :func:`train_map` and the check report of the selected map."""

    checkpoint: Path
    curve: Path
    check: Path
    report: dict[str, Any]


def _training_segments(path: str | os.PathLike) -> tuple[Segments, dict[str, Any]]:
    ds = read_dataset(path, kind="trajectories")
    segments = segments_from_store(ds)
    attrs = {key: ds.attrs[key] for key in STORE_ATTRS if key in ds.attrs}
    attrs["observed_unit"] = ds[ds.attrs["observed"]].attrs.get("units", "")
    return segments, attrs


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(array, dtype=np.float32), device=device)


def _resume_file(out_dir: Path, checkpoint: str, settings: VaeSettings | MapSettings, identity: dict[str, Any]
                 ) -> ResumeFile:
    """The resume file of a stage writing ``checkpoint`` into ``out_dir``; its identity is
    ``identity`` plus the settings (all but ``checkpoint_every`` and the number of map
    ``candidates``, which do not change what one training run computes)."""
    kept = {key: value for key, value in settings.to_dict().items() if key not in ("checkpoint_every", "candidates")}
    return ResumeFile(out_dir / f"{checkpoint}{RESUME_SUFFIX}", {**identity, "settings": kept},
                      settings.checkpoint_every)


def train_vae(
    train_store_path: str | os.PathLike,
    latent_dim: int,
    settings: VaeSettings,
    seed: int,
    device: str = "auto",
    out_dir: str | os.PathLike = ".",
    progress: Progress = no_progress,
) -> VaeOutputs:
    """Train the VAE with latent dimension ``latent_dim`` on delay windows of the observed variable.

    The last ``settings.heldback_fraction`` of every segment gives the validation loss; the
    observed scaler is fitted on the rest.

    Raises:
        StoreError / EmbeddingError: unreadable store, no training values, windows longer than
            a segment.
    """
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
    dev = resolve_device(device)
    seed_everything(seed, dev)
    segments, store_attrs = _training_segments(train_store_path)
    fitted, heldback = segments.split(settings.heldback_fraction)
    scaler = Scaler.fit(fitted.series)
    spec = EmbeddingSpec(settings.embedding_dim, settings.delay)
    train = delay_windows(scaler.transform(fitted.series), spec, settings.stride).reshape(-1, spec.dim)
    if settings.max_vectors is not None and train.shape[0] > settings.max_vectors:
        keep = np.random.default_rng(seed).choice(train.shape[0], settings.max_vectors, replace=False)
        train = train[np.sort(keep)]
    val = delay_windows(scaler.transform(heldback.series), spec, settings.stride).reshape(-1, spec.dim)
    out_dir = Path(out_dir)
    resume = _resume_file(out_dir, VAE_CHECKPOINT, settings, {
        "stage": "vae", "latent_dim": latent_dim, "seed": seed, "device": str(dev), "data": fingerprint(train, val),
    })
    vae, records = fit_vae(_tensor(train, dev), _tensor(val, dev), latent_dim, settings, progress, resume)
    metadata = {
        "family": VaeMapSurrogate.family,
        "component": "vae",
        "vae_architecture": vae.architecture.to_dict(),
        "embedding": spec.to_dict(),
        "observed_scaler": scaler.to_dict(),
        "latent_dim": latent_dim,
        "training_values": np.unique(segments.control).tolist(),
        "store_attrs": store_attrs,
        "seed": seed,
        "settings": {"vae": settings.to_dict()},
        "n_train_windows": int(train.shape[0]),
    }
    save_checkpoint(out_dir / VAE_CHECKPOINT, {"vae": vae.state_dict()}, metadata)
    curve = write_curve(out_dir / "vae_curve.tsv", [_with_latent(record, latent_dim) for record in records])
    resume.remove()
    return VaeOutputs(out_dir / VAE_CHECKPOINT, curve)


def _with_latent(record: EpochRecord, latent_dim: int) -> EpochRecord:
    return replace(record, extra={"latent_dim": latent_dim, **record.extra})


def _with_candidate(record: EpochRecord, candidate: int) -> EpochRecord:
    return replace(record, extra={"candidate": candidate, **record.extra})


def _tagged(progress: Progress, candidate: int) -> Progress:
    """``progress`` called with records tagged by the map candidate they belong to."""
    return lambda record: progress(_with_candidate(record, candidate))


def candidate_seeds(seed: int, n: int) -> list[int]:
    """Seeds of ``n`` map candidates: ``seed`` itself first, then seeds derived from (seed, i)."""
    derived = [int(np.random.SeedSequence([seed, index]).generate_state(1)[0]) for index in range(1, n)]
    return [seed, *derived]


def ensemble_members(keys: Sequence[tuple[float, ...]], passed: Sequence[bool], size: int) -> list[int]:
    """Indices of the candidates an ensemble of ``size`` keeps: those that passed the
    training-value check, best-ranked (largest key) first, at most ``size``; the single best-ranked
    candidate where none passed."""
    order = sorted(range(len(keys)), key=lambda index: keys[index], reverse=True)
    kept = [index for index in order if passed[index]][:size]
    return kept or order[:1]


def select_latent(
    curve_files: Sequence[str | os.PathLike],
    settings: LatentSelection,
    out_json: str | os.PathLike | None = None,
) -> LatentChoice:
    """Choose the latent dimension from the VAE curves of a latent scan (see
    :mod:`neurorecon.surrogates.vae_map.selection`); write the rule's inputs to ``out_json`` if given.

    Raises:
        ValueError: no curve files, two curves of the same d, or a curve without a level.
    """
    if not curve_files:
        raise ValueError("latent selection needs at least one VAE training curve (the latent scan is empty)")
    curves: dict[int, list] = {}
    for path in curve_files:
        rows = read_curve(path)
        if not rows or "latent_dim" not in rows[0]:
            raise ValueError(f"{str(path)!r} is not a VAE training curve (no latent_dim column)")
        d = int(rows[0]["latent_dim"])
        if d in curves:
            raise ValueError(f"two VAE curves for latent dimension {d} (one is {str(path)!r})")
        curves[d] = rows
    choice = choose_latent_dim(curves, settings)
    if out_json is not None:
        data = choice.to_dict()
        data["curves"] = {str(d): str(path) for d, path in zip(curves, curve_files)}
        write_json(out_json, data)
    return choice


def _load_vae(path: str | os.PathLike, device: torch.device) -> tuple[Vae, dict[str, Any]]:
    states, metadata = load_checkpoint(path, device)
    if metadata.get("family") != VaeMapSurrogate.family or metadata.get("component") != "vae":
        raise CheckpointError(f"{str(path)!r} is not a vae_map VAE checkpoint")
    vae = Vae(VaeArchitecture.from_dict(metadata["vae_architecture"])).to(device)
    vae.load_state_dict(states["vae"])
    return vae.eval(), metadata


def _encode_segments(vae: Vae, segments: Segments, scaler: Scaler, spec: EmbeddingSpec, device) -> torch.Tensor:
    """(n_seg, n_win, d) encoder means of the consecutive windows of every segment."""
    windows = delay_windows(segments.series, spec)  # (n_seg, n_win, D_e) view
    return torch.stack([encode_means(vae, scaler.transform(_tensor(rows, device))) for rows in windows])


def readout_entry(vae: Vae, segments: Segments, scaler: Scaler, spec: EmbeddingSpec, vae_settings: VaeSettings,
                  readout: str, device: torch.device) -> int:
    """The window entry a surrogate reads out (``MapSettings.readout``): ``newest``, the last one;
    ``best``, the one with the smallest reconstruction error on the VAE's held-back windows."""
    if readout == "newest":
        return spec.dim - 1
    _, heldback = segments.split(vae_settings.heldback_fraction)
    windows = delay_windows(scaler.transform(heldback.series), spec, vae_settings.stride).reshape(-1, spec.dim)
    return int(torch.argmin(entry_errors(vae, _tensor(windows, device))))


def _standardise(means: torch.Tensor, heldback_fraction: float) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(mean, std) over the fitted part of every segment of encoder means (n_seg, n_win, d), and
    the number of fitted windows per segment."""
    cut = means.shape[1] - heldback_samples(means.shape[1], heldback_fraction)
    fitted = means[:, :cut].reshape(-1, means.shape[-1])
    return fitted.mean(dim=0), fitted.std(dim=0).clamp_min(1e-6), cut


def _pick_states(z: torch.Tensor, rows: np.ndarray, n: int, n_time: int, rng: np.random.Generator) -> torch.Tensor:
    """``n`` states of z (n_seg, n_win, d) from random segments among ``rows`` at random times < n_time."""
    seg = torch.as_tensor(rng.choice(rows, n))
    time = torch.as_tensor(rng.integers(0, n_time, n))
    return z[seg, time]


def _check_starts(series: LatentSeries, control: np.ndarray, n_ic: int, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """Encoded training states at random times, ``n_ic`` per training value (rows ordered by value)."""
    rng = np.random.default_rng(seed + 1)
    values = np.unique(control)
    n_time = series.z.shape[1]
    starts = [_pick_states(series.z, np.flatnonzero(control == value), n_ic, n_time, rng) for value in values]
    return torch.cat(starts), np.repeat(values, n_ic)


def train_map(
    train_store_path: str | os.PathLike,
    vae_checkpoint: str | os.PathLike,
    settings: MapSettings,
    seed: int,
    device: str = "auto",
    out_dir: str | os.PathLike = ".",
    progress: Progress = no_progress,
    checkpoint: str | os.PathLike | None = None,
) -> MapOutputs:
    """Train the neural map on the recovered states of the training data; write the surrogate
    (at ``checkpoint``; None: ``out_dir / "surrogate"``) and the map's curve and check into ``out_dir``.

    Up to ``settings.candidates`` maps are trained one after another (seeds
    :func:`candidate_seeds`), until ``settings.ensemble`` of them pass the free-running check at
    the training values (:mod:`neurorecon.surrogates.vae_map.rollout_check`); within a candidate
    checkpoints are ranked by that check, and the surrogate keeps :func:`ensemble_members` (one
    map: the best-ranked checkpoint of all candidates). No held-out data are read.
    ``map_curve.tsv`` holds the epochs of every candidate (column ``candidate``), and
    ``rollout_check.json`` the check of the first kept map, the members, and a summary per candidate.

    Raises:
        CheckpointError: the VAE checkpoint is missing, of an incompatible format, or not a VAE.
        ValueError: the store's training values differ from those the VAE was trained on.
    """
    dev = resolve_device(device)
    seed_everything(seed, dev)
    vae, vae_meta = _load_vae(vae_checkpoint, dev)
    segments, store_attrs = _training_segments(train_store_path)
    values = np.unique(segments.control)
    if not np.array_equal(values, np.asarray(vae_meta["training_values"], dtype=np.float64)):
        raise ValueError(
            f"training store values {values.tolist()} differ from the VAE's {vae_meta['training_values']}"
        )
    scaler = Scaler.from_dict(vae_meta["observed_scaler"])
    spec = EmbeddingSpec.from_dict(vae_meta["embedding"])
    means = _encode_segments(vae, segments, scaler, spec, dev)
    latent_mean, latent_std, cut = _standardise(means, settings.heldback_fraction)
    control_scaler = Scaler.fit(values)
    series = LatentSeries((means - latent_mean) / latent_std, _tensor(control_scaler.transform(segments.control), dev))
    anchors = _pick_states(series.z, np.arange(series.z.shape[0]), N_ANCHORS, cut, np.random.default_rng(seed))
    info = VaeMapInfo(
        training_values=values.tolist(),
        store_attrs=store_attrs,
        ic_noise=settings.ic_noise,
        bound=settings.bound,
        seed=seed,
        settings={"vae": vae_meta["settings"]["vae"], "map": settings.to_dict()},
        readout_entry=readout_entry(vae, segments, scaler, spec, VaeSettings.from_dict(vae_meta["settings"]["vae"]),
                                    settings.readout, dev),
    )

    def surrogate(net: NeuralMap, members: tuple[NeuralMap, ...] = ()) -> VaeMapSurrogate:
        return VaeMapSurrogate(vae, net, spec, scaler, control_scaler, latent_mean, latent_std, anchors, info,
                               members)

    sample_dt = float(store_attrs.get("sample_dt", segments.sample_dt))
    check = TrainingValueCheck(
        training_truth(segments.series, segments.control, sample_dt, float(store_attrs["spike_threshold"])),
        *_check_starts(series, segments.control, settings.check.n_ic, seed), sample_dt,
        float(store_attrs["spike_threshold"]), settings.check,
    )
    out_dir = Path(out_dir)
    identity = {"stage": "map", "seed": seed, "device": str(dev), "store_attrs": store_attrs,
                "data": fingerprint(segments.series, segments.control, series.z, *vae.state_dict().values())}
    seeds = candidate_seeds(seed, settings.candidates)
    fits, resumes = [], []
    for index, candidate_seed in enumerate(seeds):
        seed_everything(candidate_seed, dev)
        resume = _resume_file(out_dir, f"{SURROGATE_CHECKPOINT}.c{index}", settings,
                              {**identity, "candidate": index, "candidate_seed": candidate_seed})
        fit = fit_map(series, settings, generator(candidate_seed, dev), _tagged(progress, index),
                      lambda net: check.judge(surrogate(net)), resume)
        fits.append(fit)
        resumes.append(resume)
        if sum(candidate.report.get("passed", False) for candidate in fits) >= settings.ensemble:
            break
    members = ensemble_members([candidate.key for candidate in fits],
                               [candidate.report.get("passed", False) for candidate in fits], settings.ensemble)
    chosen = members[0]
    fit = fits[chosen]
    info = replace(info, selected_candidate=chosen, candidate_seed=seeds[chosen], selected_epoch=fit.selected_epoch,
                   ensemble_candidates=members if settings.ensemble > 1 else None)
    if settings.ensemble > 1:
        LOG.info("ensemble: %d of %d members passed the training-value check (candidates %s, best-ranked first)",
                 sum(fits[index].report.get("passed", False) for index in members), settings.ensemble, members)
    checkpoint = out_dir / SURROGATE_CHECKPOINT if checkpoint is None else Path(checkpoint)
    surrogate(fit.net, tuple(fits[index].net for index in members[1:])).save(checkpoint)
    curve = write_curve(out_dir / "map_curve.tsv", [_with_candidate(record, index) for index, candidate in
                                                    enumerate(fits) for record in candidate.records])
    report = fit.report.get("report", {})
    check_json = write_json(out_dir / "rollout_check.json", {
        "selected_candidate": chosen,
        "selected_epoch": fit.selected_epoch,
        "ensemble": {"size": settings.ensemble, "members": members},
        "training_truth": check.truth.to_dict(),
        "settings": settings.check.to_dict(),
        "selected": report,
        "candidates": [{"candidate": index, "seed": seeds[index],
                        "selected_epoch": candidate.selected_epoch, "epochs_trained": len(candidate.records),
                        **{k: v for k, v in candidate.report.items() if k != "report"}}
                       for index, candidate in enumerate(fits)],
        "epochs": [{"candidate": index, "epoch": epoch, **{k: v for k, v in summary.items() if k != "report"}}
                   for index, candidate in enumerate(fits) for epoch, summary in candidate.judged],
    })
    for resume in resumes:
        resume.remove()
    return MapOutputs(checkpoint, curve, check_json, report)
