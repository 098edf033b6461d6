"""A test-only surrogate family, registered from the test suite, that shows what a new family needs:
this one module (its Surrogate and settings) and one registry entry (here an entry point), no rule
file (it trains in one job) and no torch.

The ``toy`` family fits the firing rate of the training traces as a straight line in the control
value and runs freely as a pulse train with that rate: rest (flat at the trace's low level) where
the line is at or below zero, pulses crossing the spike threshold elsewhere, and a divergent
trajectory (NaN from the divergence on, status 1) above ``diverge_above``.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from neurorecon.dynamics.regimes import classify
from neurorecon.io.outputs import write_bytes, write_json
from neurorecon.io.stores import read_dataset
from neurorecon.surrogates.base import ObservedRollout, Surrogate
from neurorecon.surrogates.registry import FamilyEntry
from neurorecon.surrogates.settings import Settings

FIGURE = "figures/toy_rate.png"
STORE_KEYS = ("model", "observed", "spike_threshold", "time_unit", "sample_dt", "control", "control_unit",
              "control_is_current", "parameter_set", "parameters")


@dataclass(frozen=True)
class ToySettings(Settings):
    """Settings of the toy family.

    Attributes:
        diverge_above: control value above which every trajectory diverges half-way (None: never).
        pulse_width: width of a pulse, in samples.
    """

    diverge_above: float | None = None
    pulse_width: int = 3

    _checks: ClassVar = {"pulse_width": (lambda v: v >= 1, "must be >= 1")}


class ToySurrogate(Surrogate):
    """Rate line (``slope``, ``offset``, rate per time unit) and the pulse levels of the training data."""

    family: ClassVar[str] = "toy"
    settings_type: ClassVar[type] = ToySettings

    def __init__(self, slope: float, offset: float, low: float, high: float, values: np.ndarray,
                 attrs: dict[str, Any], settings: ToySettings) -> None:
        self.slope, self.offset, self.low, self.high = slope, offset, low, high
        self.values = np.asarray(values, dtype=np.float64)
        self.attrs = attrs
        self.settings = settings

    @property
    def store_attrs(self) -> dict[str, Any]:
        return dict(self.attrs)

    @property
    def training_values(self) -> np.ndarray:
        return self.values

    def rollout(self, control_values, n_ic, n_steps, transient_steps, seed, lyapunov_steps=0) -> ObservedRollout:
        control = np.asarray(control_values, dtype=np.float64)
        rng = np.random.default_rng(seed)
        phase = rng.random(n_ic)
        dt = float(self.attrs["sample_dt"])
        time = (transient_steps + 1 + np.arange(n_steps)) * dt
        rate = np.maximum(self.slope * control + self.offset, 0.0)
        observed = np.full((control.size, n_ic, n_steps), self.low, dtype=np.float32)
        status = np.zeros((control.size, n_ic), dtype=np.int8)
        width = self.settings.pulse_width * dt
        for i, r in enumerate(rate):
            if r > 0:
                cycle = (time[None, :] * r + phase[:, None]) % 1.0
                observed[i][cycle * (1.0 / r) < width] = self.high
            if self.settings.diverge_above is not None and control[i] > self.settings.diverge_above:
                observed[i, :, n_steps // 2:] = np.nan
                status[i] = 1
        return ObservedRollout(observed, status)

    def save(self, path: str | os.PathLike) -> None:
        stem = Path(path).with_suffix("") if Path(path).suffix in (".pt", ".json") else Path(path)
        buffer = io.BytesIO()
        np.save(buffer, np.array([self.slope, self.offset, self.low, self.high]))
        write_bytes(stem.with_suffix(".pt"), buffer.getvalue())
        write_json(stem.with_suffix(".json"), {"family": self.family, "values": self.values.tolist(),
                                               "store_attrs": self.attrs, "settings": self.settings.to_dict()})

    @classmethod
    def load(cls, path: str | os.PathLike, device: str = "auto") -> ToySurrogate:
        stem = Path(path).with_suffix("") if Path(path).suffix in (".pt", ".json") else Path(path)
        slope, offset, low, high = np.load(io.BytesIO(stem.with_suffix(".pt").read_bytes()))
        meta = json.loads(stem.with_suffix(".json").read_text())
        return cls(float(slope), float(offset), float(low), float(high), np.asarray(meta["values"]),
                   meta["store_attrs"], ToySettings.from_dict(meta["settings"]))

    @classmethod
    def train(cls, train_store: Path, settings: ToySettings, seed: int, device: str, out_dir: Path,
              progress: Callable[[str], None]) -> ToySurrogate:
        ds = read_dataset(train_store, kind="trajectories")
        observed = ds[ds.attrs["observed"]].transpose("param", "ic", "time")
        rates = classify(observed.values, ds["time"].values, float(ds.attrs["spike_threshold"]))["firing_rate"]
        values = ds["param"].values.astype(np.float64)
        mean_rate = np.nanmean(rates, axis=1)
        slope, offset = np.polyfit(values, mean_rate, 1) if values.size > 1 else (0.0, float(mean_rate[0]))
        x = observed.values
        attrs = {key: ds.attrs[key] for key in STORE_KEYS if key in ds.attrs}
        surrogate = cls(float(slope), float(offset), float(np.nanmin(x)), float(np.nanmax(x)), values, attrs, settings)
        progress(f"toy: rate = {slope:.4g} x control + {offset:.4g}")
        surrogate.save(out_dir / "surrogate")
        _rate_figure(values, mean_rate, slope, offset, out_dir / FIGURE)
        return surrogate


def _rate_figure(values, rates, slope, offset, path: Path) -> None:
    import matplotlib.pyplot as plt

    from neurorecon.figures.style import save

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(values, rates, "o")
    ax.plot(values, slope * values + offset, "-")
    save(fig, path)


ENTRY = FamilyEntry("toy", f"{__name__}:ToySurrogate", f"{__name__}:ToySettings", (FIGURE,))
"""The toy family's registry entry (registered through the entry point the tests install)."""
