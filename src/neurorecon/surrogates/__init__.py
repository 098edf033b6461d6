"""Surrogates of a neuron's dynamics trained on one observed variable: a common interface
(:mod:`.base`), a registry of families (:mod:`.registry`), and the ``vae_map`` family (delay
embedding -> VAE -> parameter-conditioned neural map, :mod:`.vae_map`) with its training stages
(:mod:`.stages`) and the family-independent sweep (:mod:`.sweep`).
"""

from .base import ObservedRollout, Surrogate
from .registry import FAMILIES, SURROGATE_CHECKPOINT, get_family, load_surrogate
from .selection import LatentChoice, choose_latent_dim
from .settings import LatentSelection, MapSettings, RolloutCheckSettings, SweepSettings, VaeMapSettings, VaeSettings
from .stages import MapOutputs, VaeOutputs, select_latent, train_map, train_vae
from .sweep import sweep
from .vae_map import VaeMapSurrogate

__all__ = [
    "FAMILIES",
    "LatentChoice",
    "LatentSelection",
    "MapOutputs",
    "MapSettings",
    "ObservedRollout",
    "RolloutCheckSettings",
    "SURROGATE_CHECKPOINT",
    "Surrogate",
    "SweepSettings",
    "VaeMapSettings",
    "VaeMapSurrogate",
    "VaeOutputs",
    "VaeSettings",
    "choose_latent_dim",
    "get_family",
    "load_surrogate",
    "select_latent",
    "sweep",
    "train_map",
    "train_vae",
]
