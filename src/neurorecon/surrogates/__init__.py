"""Surrogates of a neuron's dynamics trained on one observed variable: the contract every family
fulfils (:mod:`.base`), the registry of families (:mod:`.registry`), the settings they share
(:mod:`.settings`), the family-independent training check (:mod:`.training_check`), training runs
(:mod:`.run`) and sweeps (:mod:`.sweep`). Families live in subpackages (``vae_map``: delay embedding
-> VAE -> parameter-conditioned neural map).

Importing this package imports no family and no torch.
"""

from .base import ObservedRollout, Surrogate
from .registry import FAMILIES, SURROGATE_CHECKPOINT, FamilyEntry, families, get_family, load_surrogate
from .settings import CheckSettings, Settings, SweepSettings

__all__ = [
    "FAMILIES",
    "SURROGATE_CHECKPOINT",
    "CheckSettings",
    "FamilyEntry",
    "ObservedRollout",
    "Settings",
    "Surrogate",
    "SweepSettings",
    "families",
    "get_family",
    "load_surrogate",
]
