"""Delay embedding of the observed variable: segments, windows, scaling.

A trajectory store holds the observed series of every (control value, initial state) pair; each
such series is one *segment*. Windows are cut inside a segment only, so no embedding vector
straddles two control values or two initial states.

Window convention: the window ending at sample ``n`` of a segment is

    w[n] = (x[n - (D_e - 1) * delay], ..., x[n - delay], x[n])        shape (D_e,)

so its last entry is the newest sample; ``span = (D_e - 1) * delay + 1`` samples are covered.
Windows are taken every ``stride`` samples; ``stride = 1`` gives consecutive windows (one sample
interval apart), which the neural map needs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from ...simulate.protocol import constant_control


class EmbeddingError(ValueError):
    """Data that cannot be delay-embedded with the requested settings."""


@dataclass(frozen=True)
class EmbeddingSpec:
    """Delay-embedding geometry.

    Attributes:
        dim: D_e, entries per window.
        delay: samples between consecutive window entries.
    """

    dim: int = 50
    delay: int = 1

    def __post_init__(self) -> None:
        if self.dim < 1 or self.delay < 1:
            raise EmbeddingError(f"embedding dim and delay must be >= 1, got dim={self.dim}, delay={self.delay}")

    @property
    def span(self) -> int:
        """Samples covered by one window, ``(dim - 1) * delay + 1``."""
        return (self.dim - 1) * self.delay + 1

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> EmbeddingSpec:
        return cls(dim=int(data["dim"]), delay=int(data["delay"]))


@dataclass(frozen=True)
class Scaler:
    """Affine scaling ``(x - offset) / scale`` fitted on training data and stored with a model.

    Attributes:
        offset: subtracted first, in the unit of the data.
        scale: divisor, in the unit of the data (> 0).
    """

    offset: float
    scale: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset) and math.isfinite(self.scale) and self.scale > 0):
            raise EmbeddingError(f"invalid scaler offset={self.offset}, scale={self.scale}")

    @classmethod
    def fit(cls, values: np.ndarray) -> Scaler:
        """Mean and standard deviation of the finite entries of ``values``; scale 1 if constant."""
        values = np.asarray(values, dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            raise EmbeddingError("cannot fit a scaler: no finite values")
        std = float(values.std())
        return cls(offset=float(values.mean()), scale=std if std > 0 else 1.0)

    def transform(self, values):
        """Scaled values (numpy array or torch tensor, same type back)."""
        return (values - self.offset) / self.scale

    def inverse(self, values):
        """Values in the original unit (numpy array or torch tensor, same type back)."""
        return values * self.scale + self.offset

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Scaler:
        return cls(offset=float(data["offset"]), scale=float(data["scale"]))


def heldback_samples(n_time: int, heldback_fraction: float) -> int:
    """Samples held back at the end of a series of ``n_time`` samples: the last
    ``heldback_fraction`` of it, at least one. The one split rule of the VAE, the map and the
    config check."""
    return max(1, round(heldback_fraction * n_time))


@dataclass(frozen=True)
class Segments:
    """The observed series of a trajectory store, one row per (control value, initial state).

    Attributes:
        series: (n_seg, n_time) float32 observed samples, in the observed unit.
        control: (n_seg,) float64 control value of each segment, in the control unit.
        ic: (n_seg,) int64 initial-state index of each segment.
        sample_dt: sampling interval, in the store's time unit.
    """

    series: np.ndarray
    control: np.ndarray
    ic: np.ndarray
    sample_dt: float

    @property
    def n_time(self) -> int:
        return int(self.series.shape[1])

    def split(self, heldback_fraction: float) -> tuple[Segments, Segments]:
        """Split every segment in time: the first part for fitting, the last ``heldback_fraction``
        held back (e.g. for early stopping). Both parts keep all segments."""
        if not 0.0 < heldback_fraction < 1.0:
            raise EmbeddingError(f"held-back fraction must be in (0, 1), got {heldback_fraction}")
        cut = self.n_time - heldback_samples(self.n_time, heldback_fraction)
        head = Segments(self.series[:, :cut], self.control, self.ic, self.sample_dt)
        tail = Segments(self.series[:, cut:], self.control, self.ic, self.sample_dt)
        return head, tail


def segments_from_store(ds: xr.Dataset) -> Segments:
    """The observed variable (attr ``observed``) of a trajectory store as :class:`Segments`.

    Only the observed variable is read: the hidden states of the store stay unknown. Trajectories
    with a non-zero ``status`` or non-finite samples are left out. The family assumes constant
    control, so of a step-protocol store the segments are the step epochs, every repeat of every
    initial state one segment (:func:`~neurorecon.simulate.protocol.step_epochs` with
    ``repeats="all"``); the gaps at the holding current are not used.

    Raises:
        EmbeddingError: no observed variable, no control values, or no usable trajectory.
    """
    observed = ds.attrs.get("observed")
    if observed is None or observed not in ds.data_vars:
        raise EmbeddingError(f"store has no observed variable (attr observed={observed!r})")
    if "param" not in ds.dims or ds.sizes["param"] == 0:
        raise EmbeddingError("store has no training values (empty or missing 'param' dimension)")
    ds = constant_control(ds, repeats="all")
    values = ds[observed].transpose("param", "ic", "time").values
    n_param, n_ic, n_time = values.shape
    series = values.reshape(n_param * n_ic, n_time).astype(np.float32)
    control = np.repeat(ds["param"].values.astype(np.float64), n_ic)
    ic = np.tile(np.arange(n_ic, dtype=np.int64), n_param)
    keep = np.isfinite(series).all(axis=1)
    if "status" in ds:
        keep &= ds["status"].transpose("param", "ic").values.reshape(-1) == 0
    if not keep.any():
        raise EmbeddingError("store has no finite trajectory of the observed variable")
    time = ds["time"].values
    sample_dt = float(ds.attrs.get("sample_dt", np.median(np.diff(time)) if time.size > 1 else 1.0))
    return Segments(series[keep], control[keep], ic[keep], sample_dt)


def n_windows(n_time: int, spec: EmbeddingSpec, stride: int = 1) -> int:
    """Windows per segment of ``n_time`` samples.

    Raises:
        EmbeddingError: the window span is longer than the segment, or stride < 1.
    """
    if stride < 1:
        raise EmbeddingError(f"stride must be >= 1, got {stride}")
    if spec.span > n_time:
        raise EmbeddingError(
            f"embedding window spans {spec.span} samples (dim={spec.dim}, delay={spec.delay}) but a "
            f"segment has only {n_time} samples"
        )
    return (n_time - spec.span) // stride + 1


def delay_windows(series: np.ndarray, spec: EmbeddingSpec, stride: int = 1) -> np.ndarray:
    """Delay windows of every segment (a read-only strided view, no copy).

    Args:
        series: (n_seg, n_time) samples, or (n_time,) for one segment.
        spec: embedding geometry.
        stride: samples between the ends of consecutive windows.

    Returns:
        (n_seg, n_win, dim) windows (n_win from :func:`n_windows`); window ``k`` of a segment ends
        at sample ``window_ends(...)[k]``. A 1-D ``series`` gives (n_win, dim).
    """
    series = np.asarray(series)
    one = series.ndim == 1
    series = np.atleast_2d(series)
    count = n_windows(series.shape[1], spec, stride)
    full = np.lib.stride_tricks.sliding_window_view(series, spec.span, axis=1)
    windows = full[:, : (count - 1) * stride + 1 : stride, :: spec.delay]
    return windows[0] if one else windows


def window_ends(n_time: int, spec: EmbeddingSpec, stride: int = 1) -> np.ndarray:
    """(n_win,) index of the last sample of every window of a segment of ``n_time`` samples."""
    return spec.span - 1 + stride * np.arange(n_windows(n_time, spec, stride))
