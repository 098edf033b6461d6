"""Registry of ground-truth neuron models, keyed by name."""

from __future__ import annotations

from ..numba_cache import ensure_cache_dir

ensure_cache_dir()  # before the model modules compile their cache=True right-hand sides

from .base import ControlParameter, ModelError, NeuronModel
from .fitzhugh_nagumo import MODEL as FITZHUGH_NAGUMO
from .hh import MODEL as HH
from .hindmarsh_rose import MODEL as HINDMARSH_ROSE
from .morris_lecar import MODEL as MORRIS_LECAR
from .srk import MODEL as SRK
from .stg import MODEL as STG

MODELS: dict[str, NeuronModel] = {
    model.name: model for model in (SRK, HH, MORRIS_LECAR, HINDMARSH_ROSE, FITZHUGH_NAGUMO, STG)
}


def get_model(name: str) -> NeuronModel:
    """Return the registered model ``name``; raise :class:`ModelError` naming the choices."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}") from None


__all__ = ["MODELS", "ControlParameter", "ModelError", "NeuronModel", "get_model"]
