"""What every figure shares: regime colours and labels, unit printing, the seaborn theme, and
writing a figure to its output under the output-path policy.

Depends on nothing of the package above :mod:`neurorecon.dynamics` and :mod:`neurorecon.io`, so the
truth, comparison, summary and family figures all import it.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from ..dynamics.regimes import Regime
from ..io.outputs import check_output, file_output, write_atomically
from ..units import PRETTY_UNITS as UNIT_NAMES

REGIME_COLORS = {
    Regime.REST: "#bdbdbd",
    Regime.SUBTHRESHOLD_OSCILLATION: "#9ecae1",
    Regime.TONIC_SPIKING: "#3182bd",
    Regime.BURSTING: "#e6550d",
    Regime.CHAOTIC: "#756bb1",
    Regime.DIVERGENT: "#000000",
}
REGIME_LABELS = {regime: regime.name.lower().replace("_", " ") for regime in Regime}
# Rates in 1/ms or 1/s are shown in Hz.
HERTZ_PER_RATE_UNIT = {"ms": 1000.0, "s": 1.0}
# Unit strings as stored (ASCII) -> as printed on axes.
PRETTY_UNITS = UNIT_NAMES


def axis_label(text: str, unit: str) -> str:
    """``text [unit]``, or ``text`` alone for dimensionless quantities."""
    if not unit or unit == "1":
        return text
    return f"{text} [{PRETTY_UNITS.get(unit, unit)}]"


def apply_style() -> None:
    sns.set_theme(context="paper", style="ticks", font_scale=1.1)


def title(ds: xr.Dataset, what: str) -> str:
    model = ds.attrs.get("model", "")
    parameter_set = ds.attrs.get("parameter_set", "")
    suffix = f" ({parameter_set})" if parameter_set and parameter_set != "default" else ""
    return f"{model}{suffix}: {what}"


def save(fig: Figure, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) and close it."""
    path = check_output(path, file_output("figure"))
    suffix = path.suffix.lstrip(".").lower() or None
    try:
        return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=suffix))
    finally:
        plt.close(fig)
