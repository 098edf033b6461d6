"""Classify a trajectory store: regimes, Lyapunov exponents, transitions, excitability, tables."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from .dynamics.excitability import Excitability, excitability_type
from .dynamics.regimes import Regime, check_record_length, classify_trajectories, lyapunov_for_store
from .dynamics.transitions import find_transitions

STORE_LYAPUNOV = ("lyap_max", "lyap_stderr", "lyap_converged")
"""Lyapunov variables a trajectory store may carry (a surrogate sweep estimates its own)."""

TABLE_COLUMNS = [
    "param", "ic", "regime", "regime_name", "firing_rate", "spikes_per_burst", "isi_cv", "lyap_max", "n_spikes",
]


def classify_store(
    ds: xr.Dataset, lyapunov: bool = True, progress: Callable[[str], None] | None = None
) -> xr.Dataset:
    """Regime store of a trajectory store.

    With ``lyapunov``, the largest Lyapunov exponent of every (param, ic) is taken from the store
    when it carries one (``lyap_max`` and its companions, as a surrogate sweep writes them) or, for
    a ground-truth store (one with ``final_state``), estimated from the model, so chaos can be
    recognised; otherwise ``lyap_max`` is NaN and no trajectory is called chaotic.
    """
    check_record_length(ds)  # before any Lyapunov estimate: a too-short record gets no regime
    lyap = None
    if lyapunov and "lyap_max" in ds:
        lyap = ds[[name for name in STORE_LYAPUNOV if name in ds]]
    elif lyapunov and "final_state" in ds:
        if progress:
            progress(f"estimating Lyapunov exponents of {ds.sizes['param'] * ds.sizes['ic']} trajectories")
        lyap = lyapunov_for_store(ds)
    if progress:
        progress("classifying regimes")
    return classify_trajectories(ds, lyap)


def excitability_of(regimes: xr.Dataset) -> Excitability | None:
    """Excitability type from the f–I curve, or None when the control is not an injected current.

    The rate at each control value is the highest over initial states: the onset is where
    sustained firing first exists from some initial state (where rest and spiking coexist, as in
    Hodgkin–Huxley between its saddle-node of cycles and its Hopf point, that is the lower edge).
    """
    if not regimes.attrs.get("control_is_current", False):
        return None
    rate = regimes["firing_rate"].transpose("param", "ic").values
    with warnings.catch_warnings():  # all-NaN rows (every IC divergent) give NaN: not firing
        warnings.simplefilter("ignore", RuntimeWarning)
        best = np.nanmax(rate, axis=1)
    return excitability_type(regimes["param"].values, best)


def regime_table(regimes: xr.Dataset) -> pd.DataFrame:
    """Tidy table, one row per (param, ic), columns :data:`TABLE_COLUMNS`."""
    frame = regimes[["regime", "firing_rate", "spikes_per_burst", "isi_cv", "lyap_max", "n_spikes"]].to_dataframe()
    frame = frame.reset_index()[[c for c in TABLE_COLUMNS if c != "regime_name"]]
    frame.insert(3, "regime_name", [Regime(int(code)).name.lower() for code in frame["regime"]])
    return frame


def summary_lines(regimes: xr.Dataset) -> list[str]:
    """Compact human-readable summary: regime counts, transitions, multistability, excitability."""
    name = regimes["param"].attrs.get("control", regimes.attrs.get("control", "p"))
    unit = regimes["param"].attrs.get("units", "")
    codes = regimes["regime"].values.ravel()
    counts = Counter(Regime(int(c)).name.lower() for c in codes)
    lines = [
        f"{regimes.sizes['param']} control values x {regimes.sizes['ic']} initial states: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    ]
    for transition in find_transitions(regimes["param"].values, regimes["regime"].transpose("param", "ic").values):
        lines.append("transition: " + transition.describe(name, unit))
    multistable = regimes["param"].values[regimes["multistable"].values]
    if multistable.size:
        lines.append(f"initial states disagree (multistability) at {name} = "
                     + ", ".join(f"{v:g}" for v in multistable))
    excitability = excitability_of(regimes)
    if excitability is not None:
        lines.append(f"excitability type {excitability.type}, onset {name} = {excitability.onset:g} "
                     f"({excitability.reason})")
    return lines
