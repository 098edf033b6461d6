"""Registry of surrogate families by name, and loading any trained surrogate from its checkpoint.

A family is registered by one :class:`FamilyEntry`: in :data:`FAMILIES` for the families shipped
here, or as an entry point of group ``neurorecon.families`` (its value ``module:ENTRY`` names a
:class:`FamilyEntry`) for a family in another package. Entries name their classes as
``module:attribute`` strings and import them only when asked, so the config validator reads a
family's settings class without loading the family (and torch) itself.

A checkpoint records its family (metadata key ``family``); :func:`load_surrogate` dispatches on it.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from .base import CheckpointError, Surrogate

SURROGATE_CHECKPOINT = "surrogate"
"""Checkpoint stem of a trained surrogate inside its run folder (``surrogate.pt`` + ``.json``)."""

ENTRY_POINT_GROUP = "neurorecon.families"
"""Entry-point group through which other packages register families."""


def _load(reference: str):
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class FamilyEntry:
    """One surrogate family.

    Attributes:
        name: the config's ``kind`` and the checkpoints' ``family``.
        surrogate: ``module:Class`` of its :class:`~neurorecon.surrogates.base.Surrogate`.
        settings: ``module:Class`` of its settings (``from_dict(mapping, where)``, ``to_dict()``,
            ``problems_with_data(n_samples)``); the module must not import torch.
        figures: the family's own figures, paths relative to the run folder.
        recordings: the family trains on a recording store and predicts recorded sweeps under their
            command current (:meth:`~neurorecon.surrogates.base.Surrogate.predict_sweeps`).
        recordings_note: why not, for a family that does not.
    """

    name: str
    surrogate: str
    settings: str
    figures: tuple[str, ...] = ()
    recordings: bool = False
    recordings_note: str = "it has no waveform-driven prediction"

    @property
    def surrogate_type(self) -> type[Surrogate]:
        return _load(self.surrogate)

    @property
    def settings_type(self) -> type:
        return _load(self.settings)


FAMILIES: dict[str, FamilyEntry] = {
    "vae_map": FamilyEntry(
        "vae_map", "neurorecon.surrogates.vae_map.family:VaeMapSurrogate",
        "neurorecon.surrogates.vae_map.settings:VaeMapSettings",
        ("figures/latent_selection.png", "figures/training_curves.png"),
        recordings_note="its map runs at a constant control from a delay embedding, so it has no state to carry "
                        "across a sweep's changes of current",
    ),
    "hybrid_ode": FamilyEntry(
        "hybrid_ode", "neurorecon.surrogates.hybrid_ode.family:HybridOdeSurrogate",
        "neurorecon.surrogates.hybrid_ode.settings:HybridOdeSettings",
        ("figures/training_curves.png", "figures/kinetics.png"), recordings=True,
    ),
    "reservoir": FamilyEntry(
        "reservoir", "neurorecon.surrogates.reservoir.family:ReservoirSurrogate",
        "neurorecon.surrogates.reservoir.settings:ReservoirSettings",
        ("figures/training_fit.png",),
        recordings_note="its readout is trained at constant control values only",
    ),
}
"""The families shipped with neurorecon, by name."""


def families() -> dict[str, FamilyEntry]:
    """Every registered family: :data:`FAMILIES` and those of installed ``neurorecon.families``
    entry points (read anew on every call, so a plug-in installed at run time is seen)."""
    found = dict(FAMILIES)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        entry = point.load()
        if not isinstance(entry, FamilyEntry) or entry.name != point.name:
            raise ValueError(f"entry point {point.name!r} ({point.value}) is not a FamilyEntry named {point.name!r}")
        found.setdefault(entry.name, entry)
    return found


def get_family(name: str) -> FamilyEntry:
    """The family registered as ``name``.

    Raises:
        ValueError: unknown family, naming the known ones.
    """
    known = families()
    try:
        return known[name]
    except KeyError:
        raise ValueError(f"unknown surrogate family {name!r}; known: {', '.join(sorted(known))}") from None


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint path: ``path`` itself, or ``path/surrogate`` when ``path`` is a folder."""
    path = Path(path)
    return path / SURROGATE_CHECKPOINT if path.is_dir() else path


def checkpoint_family(path: str | os.PathLike) -> str:
    """The family recorded in the metadata (``.json``) of the checkpoint at ``path``.

    Raises:
        CheckpointError: missing or unreadable metadata, or no family recorded.
    """
    path = resolve_checkpoint(path)
    meta = (path.with_suffix("") if path.suffix in (".pt", ".json") else path).with_suffix(".json")
    if not meta.exists():
        raise CheckpointError(f"checkpoint {str(meta)!r} does not exist")
    try:
        family = json.loads(meta.read_text()).get("family")
    except (OSError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"checkpoint {str(meta)!r} is unreadable: {exc}") from None
    if not isinstance(family, str):
        raise CheckpointError(f"checkpoint {str(meta)!r} records no surrogate family")
    return family


def load_surrogate(path: str | os.PathLike, device: str = "auto") -> Surrogate:
    """Load a trained surrogate of any family from a checkpoint (stem, ``.pt``/``.json`` file, or
    the folder holding ``surrogate.pt``/``surrogate.json``), ready on ``device``.

    Raises:
        CheckpointError: missing or unreadable checkpoint, or an unknown family (the family's
            ``load`` raises its own, e.g. for an incompatible format version).
    """
    path = resolve_checkpoint(path)
    family = checkpoint_family(path)
    try:
        entry = get_family(family)
    except ValueError:
        raise CheckpointError(f"checkpoint {str(path)!r} has unknown surrogate family {family!r}") from None
    return entry.surrogate_type.load(path, device)
