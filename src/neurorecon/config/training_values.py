"""The training-values study: how many training values are enough.

A study may list simulated datasets under ``training_values``, each with ``counts`` and a
``span``. For every count n the study gains a *design* dataset ``<base>_n<n>``: the base dataset
with its training values replaced by n evenly spaced values over the span (both ends included),
everything else (model, parameters, protocol, held-out grid, simulation) unchanged. Every surrogate
entry that trains on the base trains on each design too, so the designs are ordinary datasets of
the benchmark: one row per (design, surrogate), scored on the design's unseen values.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..evaluation.training_values import Design, design_name, design_values
from ..models import ModelError, get_model
from .errors import ConfigError


def designs(config: Mapping[str, Any]) -> dict[str, list[Design]]:
    """Base dataset -> its designs, fewest training values first, of a validated config (empty
    without a ``training_values`` block)."""
    study = config.get("training_values") or {}
    return {
        base: [Design(base, count, design_name(base, count), design_values(tuple(entry["span"]), count))
               for count in sorted(entry["counts"])]
        for base, entry in study.items()
    }


def expand_training_values(config: dict[str, Any]) -> None:
    """Add every design dataset of ``config["training_values"]`` to ``config["datasets"]`` and to the
    ``datasets`` of every surrogate entry that trains on its base (right after the base), in place.

    Expanding an already expanded config changes nothing. The design datasets are then checked like
    any dataset (training values inside the model's range, ...).

    Raises:
        ConfigError: a base that is not a simulated dataset of the config, a span whose ends are not
            in increasing order or lie outside the model's control range, or a design name already
            taken by another dataset.
    """
    datasets = config["datasets"]
    for base, entry in (config.get("training_values") or {}).items():
        where = f"training_values.{base}"
        if base not in datasets:
            raise ConfigError(f"config key {where}: unknown dataset {base!r}; datasets: {', '.join(sorted(datasets))}")
        if "kind" in datasets[base]:
            raise ConfigError(f"config key {where}: dataset {base!r} is of kind {datasets[base]['kind']!r}; the "
                              "training-values study varies the training values of simulated datasets only")
        low, high = entry["span"]
        if not low < high:
            raise ConfigError(f"config key {where}.span: the first end ({low}) must be below the second ({high})")
        try:
            control = get_model(datasets[base]["model"]).control
        except ModelError:
            continue  # the dataset's own check names its model key
        for index, end in enumerate((low, high)):
            if not control.contains(end):
                raise ConfigError(f"config key {where}.span[{index}]: {end} is outside the allowed range "
                                  f"[{control.range[0]}, {control.range[1]}] of {control.name} [{control.unit}]")
    for base, base_designs in designs(config).items():
        for design in base_designs:
            derived = copy.deepcopy(datasets[base])
            derived["train"]["values"] = list(design.values)
            taken = datasets.get(design.dataset)
            if taken is not None and taken != derived:
                raise ConfigError(f"config key training_values.{base}.counts: the design with {design.count} values "
                                  f"is named {design.dataset!r}, which is already a dataset of this config; "
                                  "rename that dataset")
            datasets[design.dataset] = derived
        names = [design.dataset for design in base_designs]
        for surrogate in (config.get("surrogates") or {}).values():
            trained = surrogate["datasets"]
            if base in trained:
                at = trained.index(base) + 1
                surrogate["datasets"] = trained[:at] + [n for n in names if n not in trained] + trained[at:]
