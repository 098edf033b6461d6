"""The regime map of a degenerate-population store against the DIC prediction (Drion et al.,
eNeuro 2015): at threshold, a negative slow DIC predicts bursting, a positive one tonic spiking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .regimes import Regime


def predicted_regime(slow: np.ndarray) -> np.ndarray:
    """Regime codes the slow DIC predicts: bursting where g_s < 0, tonic spiking where g_s > 0,
    -1 (no prediction) at g_s = 0; shape of ``slow``."""
    slow = np.asarray(slow, dtype=np.float64)
    return np.where(slow < 0, int(Regime.BURSTING), np.where(slow > 0, int(Regime.TONIC_SPIKING), -1))


def dic_regime_table(slow: np.ndarray, regime: np.ndarray) -> pd.DataFrame:
    """Per control value, how the twins' simulated regimes match the DIC prediction.

    Args:
        slow: (n_param,) slow DIC of each value (the population's control, units of g_L).
        regime: (n_param, n_twins) regime codes of the twins (:class:`Regime`).

    Returns:
        One row per value: ``g_s``, ``n_twins``, ``fraction_bursting``, ``fraction_tonic``,
        ``fraction_other`` (rest, subthreshold, chaotic, divergent), ``predicted`` (regime name, or
        "none" at g_s = 0) and ``agreement`` (fraction of twins in the predicted regime; NaN at 0).
    """
    regime = np.asarray(regime)
    bursting = (regime == Regime.BURSTING).mean(axis=1)
    tonic = (regime == Regime.TONIC_SPIKING).mean(axis=1)
    predicted = predicted_regime(slow)
    agreement = np.where(predicted >= 0, (regime == predicted[:, None]).mean(axis=1), np.nan)
    return pd.DataFrame({
        "g_s": np.asarray(slow, dtype=np.float64),
        "n_twins": regime.shape[1],
        "fraction_bursting": bursting,
        "fraction_tonic": tonic,
        "fraction_other": 1.0 - bursting - tonic,
        "predicted": [Regime(code).name.lower() if code >= 0 else "none" for code in predicted],
        "agreement": agreement,
    })


def dic_regime_table_of(regimes: xr.Dataset) -> pd.DataFrame:
    """:func:`dic_regime_table` of the regime store of a population whose control is g_s
    (:mod:`neurorecon.simulate.population`; ``regime`` (param, ic), the ``ic`` axis holding twins).

    Raises:
        ValueError: the store's control is not the slow DIC g_s.
    """
    control = regimes["param"].attrs.get("control", regimes.attrs.get("control"))
    if control != "g_s":
        raise ValueError(f"the regime map needs a population store whose control is g_s; this one's is {control!r}")
    return dic_regime_table(regimes["param"].values, regimes["regime"].transpose("param", "ic").values)
