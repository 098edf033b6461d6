"""Bifurcation-diagram data: post-transient ISIs and spike peaks per (param, ic), ragged-safe.

Each trajectory has its own number of events, so events are stored in NaN-padded arrays of shape
(n_param, n_ic, k_max) that keep the *last* ``k_max`` events of each trace (the ones furthest from
the transient). A spike peak is the maximum of the observed variable between a spike's threshold
crossing and the re-arming of the detector (see :mod:`neurorecon.dynamics.spikes`), i.e. one local
maximum above threshold per spike.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .spikes import DEFAULT_HYSTERESIS, SpikeTrains, detect_spikes, peak_to_peak

DEFAULT_K_MAX = 200
"""Default number of events kept per trajectory."""


def last_events(values: np.ndarray, counts: np.ndarray, k_max: int) -> np.ndarray:
    """Keep the last ``k_max`` valid entries of every row of a NaN-padded array.

    Args:
        values: (n, k) rows whose first ``counts[i]`` entries are valid.
        counts: (n,) number of valid entries per row.
        k_max: number of entries kept.

    Returns:
        (n, k_max) float64; row ``i`` holds its last ``min(counts[i], k_max)`` entries in order,
        then NaN.
    """
    n, k = values.shape
    counts = np.minimum(np.asarray(counts, dtype=np.int64), k)
    kept = np.minimum(counts, k_max)
    column = np.arange(k_max)
    source = (counts - kept)[:, None] + column[None, :]
    valid = column[None, :] < kept[:, None]
    out = np.full((n, k_max), np.nan)
    if k:
        taken = np.take_along_axis(values, np.minimum(source, k - 1), axis=1)
        out[valid] = taken[valid]
    return out


def events_from_trains(trains: SpikeTrains, k_max: int = DEFAULT_K_MAX) -> tuple[np.ndarray, np.ndarray]:
    """Last ``k_max`` ISIs and spike peaks of a batch of spike trains.

    Returns:
        ``(isi, peak)``, each (n_trace, k_max) float64 NaN-padded: ISIs in the time unit of the
        trains, peaks in the observed unit.
    """
    isi = last_events(trains.isis(), np.maximum(trains.counts - 1, 0), k_max)
    peak = last_events(trains.peaks, trains.counts, k_max)
    return isi, peak


def bifurcation_data(
    observed: np.ndarray,
    time: np.ndarray,
    spike_threshold: float,
    k_max: int = DEFAULT_K_MAX,
    transient: float = 0.0,
    hysteresis: float = DEFAULT_HYSTERESIS,
) -> tuple[np.ndarray, np.ndarray]:
    """Post-transient ISIs and spike peaks of every (param, ic) trajectory.

    Args:
        observed: (n_param, n_ic, n_time) samples of the observed variable.
        time: (n_time,) sample times.
        spike_threshold: spike threshold in the observed unit.
        k_max: number of events kept per trajectory (the last ones).
        transient: time discarded from the start of the traces, in the unit of ``time``.
        hysteresis: detector hysteresis as a fraction of each trace's post-transient
            peak-to-peak range (as in :func:`neurorecon.dynamics.regimes.classify`).

    Returns:
        ``(isi, peak)``: (n_param, n_ic, k_max) float64 arrays, NaN-padded.
    """
    observed = np.asarray(observed)
    n_param, n_ic, _ = observed.shape
    time = np.asarray(time, dtype=np.float64)
    start = int(np.searchsorted(time, time[0] + transient))
    traces = observed[..., start:].reshape(n_param * n_ic, -1)
    trains = detect_spikes(traces, time[start:], spike_threshold, hysteresis * peak_to_peak(traces))
    isi, peak = events_from_trains(trains, k_max)
    return isi.reshape(n_param, n_ic, k_max), peak.reshape(n_param, n_ic, k_max)


def bifurcation_dataset(
    isi: np.ndarray,
    peak: np.ndarray,
    param: xr.DataArray,
    ic: xr.DataArray,
    time_unit: str,
    observed_unit: str,
) -> xr.Dataset:
    """Wrap bifurcation arrays in a Dataset with dims (param, ic, isi_index) / (param, ic, peak_index).

    Args:
        isi, peak: (n_param, n_ic, k) arrays from :func:`bifurcation_data`.
        param, ic: coordinate arrays (their attrs are kept).
        time_unit: unit of the ISIs; observed_unit: unit of the peaks.
    """
    return xr.Dataset(
        {
            "isi": (("param", "ic", "isi_index"), isi, {
                "units": time_unit,
                "long_name": "post-transient inter-spike intervals (last events, NaN-padded)",
            }),
            "peak": (("param", "ic", "peak_index"), peak, {
                "units": observed_unit,
                "long_name": "post-transient spike peaks of the observed variable (last events, NaN-padded)",
            }),
        },
        coords={"param": param, "ic": ic},
    )
