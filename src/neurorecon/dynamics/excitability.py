"""Excitability type (Hodgkin's classes I and II) from an f-I curve.

Type I: repetitive firing starts at an arbitrarily low frequency, near a saddle-node on invariant
circle f ~ sqrt(I - Ic). Type II: firing starts at a finite frequency (e.g. through a Hopf
bifurcation). Rule used by :func:`excitability_type`, on the curve sorted by control value:

1. Firing means ``rate > rate_tol``. The onset is the first control value, with a non-firing value
   just below it, from which at least ``min_run`` consecutive values fire. No such value, or firing
   already at the lowest value: ``undetermined``.
2. ``onset_ratio`` = rate at the onset / largest rate of the firing run that starts there.
3. Square-root fit: a least-squares line through rate**2 against control over the first ``n_fit``
   values of the run; its root is the extrapolated critical value ``Ic`` (NaN if the line does not
   rise). With ``step`` the distance between the onset and the last non-firing value, the firing
   extrapolates to zero at the onset when ``last non-firing - step <= Ic <= onset + step / 2``.
4. Type I: the fit extrapolates to zero at the onset and ``onset_ratio < type2_ratio``.
   Type II: it does not (Ic is further below, or the line does not rise) and
   ``onset_ratio >= type2_ratio``. Mixed evidence: ``undetermined``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Excitability:
    """Result of :func:`excitability_type`.

    Attributes:
        type: "I", "II" or "undetermined".
        onset: first control value of sustained firing coming from rest (NaN if none).
        rate_at_onset: firing rate at ``onset`` (unit of the rates; NaN if none).
        critical_value: ``Ic`` extrapolated by the square-root fit (NaN if not available).
        onset_ratio: rate at onset / largest rate of the firing run (NaN if none).
        reason: which rule decided, in words.
    """

    type: str
    onset: float
    rate_at_onset: float
    critical_value: float
    onset_ratio: float
    reason: str


def excitability_type(
    control: np.ndarray,
    rate: np.ndarray,
    min_run: int = 3,
    n_fit: int = 4,
    type2_ratio: float = 0.3,
    rate_tol: float = 0.0,
) -> Excitability:
    """Classify an f-I curve as Type I or Type II excitability (rule in the module docstring).

    Args:
        control: (n,) values of the injected-current control parameter (any order).
        rate: (n,) firing rates at those values (spikes per time unit; NaN counts as not firing).
        min_run: consecutive firing values needed for sustained firing (at least 2).
        n_fit: values of the firing run used by the square-root fit (at least 2 are used).
        type2_ratio: onset/peak rate ratio separating "starts at a finite frequency" from "starts
            near zero".
        rate_tol: rates at or below this are not firing.

    Returns:
        :class:`Excitability`.

    Raises:
        ValueError: ``min_run`` < 2 or ``control`` and ``rate`` differ in shape.
    """
    if min_run < 2:
        raise ValueError(f"min_run must be >= 2, got {min_run}")
    if np.shape(control) != np.shape(rate):
        raise ValueError(f"control {np.shape(control)} and rate {np.shape(rate)} differ in shape")
    order = np.argsort(np.asarray(control, dtype=np.float64))
    control = np.asarray(control, dtype=np.float64)[order]
    rate = np.asarray(rate, dtype=np.float64)[order]
    firing = np.nan_to_num(rate, nan=-np.inf) > rate_tol
    nan = float("nan")

    onset = next(
        (i for i in range(1, control.size) if not firing[i - 1] and firing[i : i + min_run].sum() == min_run),
        None,
    )
    if onset is None:
        reason = "fires at the lowest value" if firing[:min_run].all() else "no sustained firing from rest"
        return Excitability("undetermined", nan, nan, nan, nan, reason)

    end = onset + int(np.argmin(np.append(firing[onset:], False)))
    run_rate = rate[onset:end]
    ratio = float(run_rate[0] / run_rate.max())
    fit = slice(onset, onset + max(2, min(n_fit, end - onset)))
    slope, intercept = np.polyfit(control[fit], rate[fit] ** 2, 1)
    critical = float(-intercept / slope) if slope > 0 else nan
    step = control[onset] - control[onset - 1]
    to_zero = bool(control[onset - 1] - step <= critical <= control[onset] + 0.5 * step)
    common = dict(onset=float(control[onset]), rate_at_onset=float(rate[onset]), critical_value=critical,
                  onset_ratio=ratio)
    if to_zero and ratio < type2_ratio:
        reason = f"rate**2 extrapolates to 0 at Ic={critical:g}, onset ratio {ratio:.2f}"
        return Excitability("I", reason=reason, **common)
    if not to_zero and ratio >= type2_ratio:
        reason = f"finite onset rate: ratio {ratio:.2f}, extrapolated Ic={critical:g}"
        return Excitability("II", reason=reason, **common)
    reason = f"mixed evidence: extrapolated Ic={critical:g}, onset ratio {ratio:.2f}"
    return Excitability("undetermined", reason=reason, **common)
