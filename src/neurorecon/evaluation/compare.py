"""Metrics between ground truth and a surrogate on the same control grid.

Everything here compares arrays laid out like the stores: regimes (param, ic), traces
(param, ic, time), bifurcation ISIs (param, ic, k). Per control value the answer is one number or
flag; :func:`compare_stores` gathers them into a tidy table and a per-dataset summary.

Metrics (README, "Outputs", says how to read them):

- regime agreement: the dominant regime over initial states is the same;
- transitions: each transition of the truth's dominant regime is matched with the nearest
  surrogate transition of the same kind (before -> after); error = surrogate - truth location;
- firing rate: relative error of the median rate over initial states; spikes per burst: absolute
  error of the medians;
- ISI distance: 1-Wasserstein distance between the log10-ISI distributions (pooled over ICs);
- D_H: Hellinger distance between the smoothed, normalised power spectra of the observed variable
  (mean over ICs), as used for dynamical-systems reconstruction (Mikhaeil et al., NeurIPS 2022);
- D_stsp: Kullback–Leibler divergence between the 2-D delay-embedding histograms
  (x(t), x(t + delay)) of truth and surrogate, on a grid spanning the truth's range (Koppe et al.,
  PLoS Comput. Biol. 2019 use the same binned state-space measure);
- Lyapunov sign agreement: the sign class (negative / zero / positive, with a dead zone of
  ``lyap_rel_tol`` times the truth's typical firing rate) of the median exponent agrees.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.ndimage import gaussian_filter1d
from scipy.signal import welch
from scipy.stats import wasserstein_distance

from ..analysis import excitability_of
from ..dynamics.regimes import Regime
from ..dynamics.transitions import dominant_regime, find_transitions


@dataclass(frozen=True)
class CompareSettings:
    """Settings of the comparison.

    Attributes:
        spectrum_smoothing: Gaussian smoothing of power spectra, in frequency bins.
        spectrum_segment: Welch segment length in samples (capped by the series length).
        stsp_bins: bins per axis of the delay-embedding histogram for D_stsp.
        stsp_delay: delay in samples of the 2-D embedding for D_stsp.
        stsp_pseudocount: probability mass added to every bin (both histograms) before the KL.
        lyap_rel_tol: dead zone of the Lyapunov sign, as a fraction of the truth's median firing rate.
        match_window: largest distance (control units) at which a surrogate transition can match a
            truth transition; None: the whole grid.
    """

    spectrum_smoothing: float = 2.0
    spectrum_segment: int = 8192
    stsp_bins: int = 30
    stsp_delay: int = 5
    stsp_pseudocount: float = 1e-6
    lyap_rel_tol: float = 0.02
    match_window: float | None = None


def _median_over_ic(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # all-NaN rows stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=1)


def regime_agreement(truth: np.ndarray, surrogate: np.ndarray) -> np.ndarray:
    """(n_param,) bool: dominant regimes agree; inputs (n_param, n_ic) codes (n_ic may differ)."""
    return dominant_regime(truth) == dominant_regime(surrogate)


def regime_confusion(truth: np.ndarray, surrogate: np.ndarray) -> np.ndarray:
    """Counts of (truth, surrogate) dominant-regime pairs over control values.

    Args:
        truth, surrogate: (n_param, n_ic) regime codes (n_ic may differ); the dominant regime over
            initial states is compared, as in :func:`regime_agreement`.

    Returns:
        (n_regime, n_regime) int64 counts, rows the truth's regime and columns the surrogate's, in
        :class:`Regime` code order; the trace is ``regime_agreement(truth, surrogate).sum()``.
    """
    counts = np.zeros((len(Regime), len(Regime)), dtype=np.int64)
    np.add.at(counts, (dominant_regime(truth), dominant_regime(surrogate)), 1)
    return counts


def seen_mask(param: np.ndarray, train_values: Sequence[float]) -> np.ndarray:
    """(n_param,) bool: the control value is (numerically) one of the training values."""
    return np.array([bool(np.any(np.isclose(p, train_values))) for p in np.asarray(param, dtype=np.float64)],
                    dtype=bool)


def transition_errors(
    param: np.ndarray, truth: np.ndarray, surrogate: np.ndarray, window: float | None = None
) -> list[dict[str, object]]:
    """Match every truth transition with the nearest surrogate transition of the same kind.

    Returns:
        One dict per truth transition: ``kind`` ("rest->bursting"), ``truth`` and ``surrogate``
        locations (midpoints between neighbours, control units; surrogate NaN when unmatched) and
        ``error`` = surrogate - truth (NaN when unmatched).
    """
    found = find_transitions(param, surrogate)
    rows = []
    for t in find_transitions(param, truth):
        same = [s for s in found if s.before == t.before and s.after == t.after]
        best = min(same, key=lambda s: abs(s.location - t.location), default=None)
        if best is not None and window is not None and abs(best.location - t.location) > window:
            best = None
        location = math.nan if best is None else best.location
        rows.append({
            "kind": f"{t.before.name.lower()}->{t.after.name.lower()}",
            "truth": t.location,
            "surrogate": location,
            "error": location - t.location,
        })
    return rows


def relative_error(truth: np.ndarray, surrogate: np.ndarray) -> np.ndarray:
    """(n_param,) |median_s - median_t| / median_t over ICs; NaN where the truth median is not > 0."""
    t, s = _median_over_ic(truth), _median_over_ic(surrogate)
    with np.errstate(all="ignore"):
        return np.where(t > 0, np.abs(s - t) / t, np.nan)


def absolute_error(truth: np.ndarray, surrogate: np.ndarray) -> np.ndarray:
    """(n_param,) |median_s - median_t| over ICs (NaN where either is NaN)."""
    return np.abs(_median_over_ic(surrogate) - _median_over_ic(truth))


def isi_distance(truth_isi: np.ndarray, surrogate_isi: np.ndarray) -> np.ndarray:
    """(n_param,) 1-Wasserstein distance between pooled log10-ISI distributions (decades).

    Inputs (n_param, n_ic, k) NaN-padded ISIs. NaN where either side has no ISI; where neither has,
    0 (both silent: identical).
    """
    out = np.full(truth_isi.shape[0], np.nan)
    for i in range(truth_isi.shape[0]):
        a = truth_isi[i][np.isfinite(truth_isi[i]) & (truth_isi[i] > 0)]
        b = surrogate_isi[i][np.isfinite(surrogate_isi[i]) & (surrogate_isi[i] > 0)]
        if a.size and b.size:
            out[i] = wasserstein_distance(np.log10(a), np.log10(b))
        elif not a.size and not b.size:
            out[i] = 0.0
    return out


def _spectrum(x: np.ndarray, segment: int, smoothing: float) -> np.ndarray | None:
    """Mean normalised, smoothed Welch spectrum over the finite rows of x (n_ic, n_time)."""
    rows = [row for row in x if np.all(np.isfinite(row))]
    if not rows:
        return None
    spectra = []
    for row in rows:
        _, power = welch(row - row.mean(), nperseg=min(segment, row.size))
        spectra.append(power)
    mean = gaussian_filter1d(np.mean(spectra, axis=0), smoothing) if smoothing > 0 else np.mean(spectra, axis=0)
    total = mean.sum()
    return mean / total if total > 0 else None


def spectrum_hellinger(truth: np.ndarray, surrogate: np.ndarray, settings: CompareSettings = CompareSettings()) -> np.ndarray:
    """(n_param,) Hellinger distance D_H in [0, 1] between power spectra of the observed variable.

    Inputs (n_param, n_ic, n_time) on the same sampling interval (lengths may differ: both use
    Welch segments of the shorter length). NaN where a side has no finite trace or no power
    (a flat trace at rest).
    """
    segment = min(settings.spectrum_segment, truth.shape[-1], surrogate.shape[-1])
    out = np.full(truth.shape[0], np.nan)
    for i in range(truth.shape[0]):
        p = _spectrum(truth[i], segment, settings.spectrum_smoothing)
        q = _spectrum(surrogate[i], segment, settings.spectrum_smoothing)
        if p is not None and q is not None:
            out[i] = math.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(p * q)))))
    return out


def state_space_divergence(truth: np.ndarray, surrogate: np.ndarray, settings: CompareSettings = CompareSettings()) -> np.ndarray:
    """(n_param,) KL divergence D_stsp(truth || surrogate) of 2-D delay-embedding histograms (nats).

    The grid spans the truth's range at each control value (padded by 10 %); surrogate points
    outside it fall into the edge bins. NaN where a side has no finite trace.
    """
    d = settings.stsp_delay
    out = np.full(truth.shape[0], np.nan)
    for i in range(truth.shape[0]):
        t_rows = [r for r in truth[i] if np.all(np.isfinite(r))]
        s_rows = [r for r in surrogate[i] if np.all(np.isfinite(r))]
        if not t_rows or not s_rows:
            continue
        low = min(r.min() for r in t_rows)
        high = max(r.max() for r in t_rows)
        pad = 0.1 * (high - low) if high > low else 1.0
        edges = np.linspace(low - pad, high + pad, settings.stsp_bins + 1)
        p = _delay_histogram(t_rows, d, edges)
        q = _delay_histogram(s_rows, d, edges)
        p = (p + settings.stsp_pseudocount) / (1 + settings.stsp_pseudocount * p.size)
        q = (q + settings.stsp_pseudocount) / (1 + settings.stsp_pseudocount * q.size)
        out[i] = float(np.sum(p * np.log(p / q)))
    return out


def _delay_histogram(rows: Sequence[np.ndarray], delay: int, edges: np.ndarray) -> np.ndarray:
    """Normalised 2-D histogram of (x(t), x(t + delay)) pooled over rows; clipped into the grid."""
    inner = (edges[0] + 1e-12 * abs(edges[0]), edges[-1] - 1e-12 * abs(edges[-1]))
    a = np.concatenate([np.clip(r[:-delay], *inner) for r in rows])
    b = np.concatenate([np.clip(r[delay:], *inner) for r in rows])
    hist, _, _ = np.histogram2d(a, b, bins=[edges, edges])
    return hist / hist.sum()


def forecast_horizon(truth: np.ndarray, prediction: np.ndarray, sample_dt: float, threshold: float = 0.5) -> np.ndarray:
    """Time until a forecast leaves the truth, per series.

    The horizon is the time of the first sample where |prediction - truth| exceeds ``threshold``
    times the standard deviation of that truth series (the whole window if it never does; 0 for a
    non-finite first sample).

    Args:
        truth, prediction: (n_series, n_time) observed variable from the same initial state, the
            first sample being the first forecast step.
        sample_dt: sampling interval (model time unit).

    Returns:
        (n_series,) horizons in the model time unit.
    """
    truth = np.asarray(truth, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    scale = truth.std(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        off = ~(np.abs(prediction - truth) <= threshold * scale)  # NaN counts as off
    first = np.where(off.any(axis=1), off.argmax(axis=1), truth.shape[1])
    return first * sample_dt


def lyapunov_sign(lyap: np.ndarray, tolerance: float) -> np.ndarray:
    """(n_param,) sign class of the median exponent over ICs: -1, 0 (|λ| <= tolerance) or +1."""
    median = _median_over_ic(lyap)
    sign = np.where(median > tolerance, 1, np.where(median < -tolerance, -1, 0))
    return np.where(np.isfinite(median), sign, 0).astype(np.int8)


def _sign_agreement(truth: np.ndarray, surrogate: np.ndarray, tolerance: float) -> np.ndarray:
    """(n_param,) 1.0 / 0.0 where both exponents are known and their signs agree / differ, else NaN."""
    agree = (lyapunov_sign(truth, tolerance) == lyapunov_sign(surrogate, tolerance)).astype(np.float64)
    known = np.isfinite(_median_over_ic(truth)) & np.isfinite(_median_over_ic(surrogate))
    return np.where(known, agree, np.nan)


def compare_stores(
    truth_regimes: xr.Dataset,
    surrogate_regimes: xr.Dataset,
    truth_traces: xr.Dataset,
    surrogate_traces: xr.Dataset,
    train_values: Sequence[float],
    settings: CompareSettings = CompareSettings(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-control-value metrics and transition errors of a surrogate against the truth.

    Args:
        truth_regimes, surrogate_regimes: regime stores on the same ``param`` grid.
        truth_traces, surrogate_traces: trajectory stores on that grid (observed variable only used).
        train_values: control values the surrogate was trained on; marked ``seen`` in the table.

    Returns:
        (per_param, transitions): ``per_param`` has one row per control value with columns
        param, seen, truth_regime, surrogate_regime, regime_agree, firing_rate_rel_error,
        spikes_per_burst_error, isi_distance, spectrum_hellinger, state_space_divergence,
        lyap_sign_agree, forecast_horizon (model time unit; from the surrogate store's
        ``forecast_horizon`` when it has one, else NaN); ``transitions`` has kind, truth,
        surrogate, error.

    Raises:
        ValueError: the stores are not on the same control grid.
    """
    param = truth_regimes["param"].values
    for name, ds in (("surrogate regimes", surrogate_regimes), ("truth traces", truth_traces),
                     ("surrogate traces", surrogate_traces)):
        if ds.sizes["param"] != param.size or not np.allclose(ds["param"].values, param):
            raise ValueError(f"{name} are not on the truth's control grid")

    def regime_field(ds: xr.Dataset, name: str) -> np.ndarray:
        return ds[name].transpose("param", "ic").values.astype(np.float64)

    def traces(ds: xr.Dataset) -> np.ndarray:
        return ds[ds.attrs["observed"]].transpose("param", "ic", "time").values.astype(np.float64)

    t_regime = truth_regimes["regime"].transpose("param", "ic").values
    s_regime = surrogate_regimes["regime"].transpose("param", "ic").values
    t_rate = regime_field(truth_regimes, "firing_rate")
    typical_rate = np.nanmedian(np.where(t_rate > 0, t_rate, np.nan)) if np.any(t_rate > 0) else 0.0
    tolerance = settings.lyap_rel_tol * typical_rate
    seen = seen_mask(param, train_values)
    t_x, s_x = traces(truth_traces), traces(surrogate_traces)
    per_param = pd.DataFrame({
        "param": param,
        "seen": seen,
        "truth_regime": [Regime(int(c)).name.lower() for c in dominant_regime(t_regime)],
        "surrogate_regime": [Regime(int(c)).name.lower() for c in dominant_regime(s_regime)],
        "regime_agree": regime_agreement(t_regime, s_regime),
        "firing_rate_rel_error": relative_error(t_rate, regime_field(surrogate_regimes, "firing_rate")),
        "spikes_per_burst_error": absolute_error(regime_field(truth_regimes, "spikes_per_burst"),
                                                 regime_field(surrogate_regimes, "spikes_per_burst")),
        "isi_distance": isi_distance(truth_regimes["isi"].transpose("param", "ic", "isi_index").values,
                                     surrogate_regimes["isi"].transpose("param", "ic", "isi_index").values),
        "spectrum_hellinger": spectrum_hellinger(t_x, s_x, settings),
        "state_space_divergence": state_space_divergence(t_x, s_x, settings),
        "lyap_sign_agree": _sign_agreement(regime_field(truth_regimes, "lyap_max"),
                                           regime_field(surrogate_regimes, "lyap_max"), tolerance),
        "forecast_horizon": (surrogate_traces["forecast_horizon"].values if "forecast_horizon" in surrogate_traces
                             else np.full(param.size, np.nan)),
    })
    transitions = pd.DataFrame(
        transition_errors(param, t_regime, s_regime, settings.match_window),
        columns=["kind", "truth", "surrogate", "error"],
    )
    return per_param, transitions


def excitability_comparison(truth_regimes: xr.Dataset, surrogate_regimes: xr.Dataset) -> dict[str, object]:
    """Excitability type (Hodgkin's class) and firing onset of truth and surrogate, each read from
    its own f–I curve over the held-out grid (:func:`~neurorecon.analysis.excitability_of`), and the
    onset error (surrogate - truth, control unit); empty when the control is not an injected current."""
    truth, surrogate = excitability_of(truth_regimes), excitability_of(surrogate_regimes)
    if truth is None or surrogate is None:
        return {}

    def finite(value: float) -> float | None:
        return float(value) if math.isfinite(value) else None

    return {"excitability_truth": truth.type, "excitability_surrogate": surrogate.type,
            "onset_truth": finite(truth.onset), "onset_surrogate": finite(surrogate.onset),
            "onset_error": finite(surrogate.onset - truth.onset)}


def summarise(per_param: pd.DataFrame, transitions: pd.DataFrame) -> dict[str, object]:
    """Per-dataset summary of :func:`compare_stores` output, unseen (held-out) values separated."""
    unseen = per_param[~per_param["seen"]]
    tonic = unseen[unseen["truth_regime"] == "tonic_spiking"]
    bursting = unseen[unseen["truth_regime"] == "bursting"]

    def median(series: pd.Series) -> float:
        values = series.dropna()
        return float(values.median()) if len(values) else math.nan

    def known_fraction(series: pd.Series) -> float:  # mean of the known 0/1 flags
        values = series.dropna()
        return float(values.mean()) if len(values) else math.nan

    summary: dict[str, object] = {
        "n_unseen": int(len(unseen)),
        "regime_agreement_unseen": float(unseen["regime_agree"].mean()) if len(unseen) else math.nan,
        "regime_agreement_seen": float(per_param[per_param["seen"]]["regime_agree"].mean())
        if per_param["seen"].any() else math.nan,
        "firing_rate_rel_error_tonic_median": median(tonic["firing_rate_rel_error"]),
        "firing_rate_rel_error_bursting_median": median(bursting["firing_rate_rel_error"]),
        "spikes_per_burst_error_median": median(bursting["spikes_per_burst_error"]),
        "isi_distance_median": median(unseen["isi_distance"]),
        "spectrum_hellinger_median": median(unseen["spectrum_hellinger"]),
        "state_space_divergence_median": median(unseen["state_space_divergence"]),
        "lyap_sign_agreement_unseen": known_fraction(unseen["lyap_sign_agree"]),
        "forecast_horizon_median": median(unseen["forecast_horizon"]) if "forecast_horizon" in unseen else math.nan,
        "transitions": [
            {key: (None if isinstance(value, float) and math.isnan(value) else value) for key, value in row.items()}
            for row in transitions.to_dict(orient="records")
        ],
    }
    return summary
