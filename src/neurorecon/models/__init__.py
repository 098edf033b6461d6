"""Registry of ground-truth neuron models, keyed by name."""

from __future__ import annotations

from .base import ControlParameter, ModelError, NeuronModel
from .srk import MODEL as SRK

MODELS: dict[str, NeuronModel] = {model.name: model for model in (SRK,)}


def get_model(name: str) -> NeuronModel:
    """Return the registered model ``name``; raise :class:`ModelError` naming the choices."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}") from None


__all__ = ["MODELS", "ControlParameter", "ModelError", "NeuronModel", "get_model"]
