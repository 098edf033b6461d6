"""Delay embedding: window shapes and contents, segment boundaries, scaling, store reading, errors."""

import numpy as np
import pytest
import xarray as xr

from neurorecon.surrogates.vae_map.embedding import (
    EmbeddingError,
    EmbeddingSpec,
    Scaler,
    delay_windows,
    n_windows,
    segments_from_store,
    window_ends,
)


def _store(values=(-40.0, -38.0), n_ic=3, n_time=200, observed="V"):
    rng = np.random.default_rng(0)
    shape = (len(values), n_ic, n_time)
    return xr.Dataset(
        {
            observed: (("param", "ic", "time"), rng.standard_normal(shape).astype(np.float32)),
            "hidden": (("param", "ic", "time"), np.full(shape, np.nan, dtype=np.float32)),
            "status": (("param", "ic"), np.zeros(shape[:2], dtype=np.int8)),
        },
        coords={"param": list(values), "ic": np.arange(n_ic), "time": 0.01 * np.arange(n_time)},
        attrs={"kind": "trajectories", "observed": observed, "sample_dt": 0.01},
    )


def test_window_shape_and_contents():
    series = np.arange(2 * 100, dtype=np.float64).reshape(2, 100)
    spec = EmbeddingSpec(dim=5, delay=2)
    windows = delay_windows(series, spec, stride=3)
    assert spec.span == 9
    assert windows.shape == (2, n_windows(100, spec, 3), 5) == (2, 31, 5)
    ends = window_ends(100, spec, 3)
    for s in range(2):
        for k in (0, 7, 30):
            assert np.array_equal(windows[s, k], series[s, ends[k] - 8 : ends[k] + 1 : 2])
    assert ends[-1] <= 99 < ends[-1] + 3  # the last window ends within one stride of the end


def test_windows_never_straddle_segments():
    n_seg, n_time = 4, 57
    series = (1000 * np.arange(n_seg)[:, None] + np.arange(n_time)[None, :]).astype(np.float64)
    windows = delay_windows(series, EmbeddingSpec(dim=10, delay=3), stride=1)
    segment_of_entry = windows // 1000
    assert (segment_of_entry == segment_of_entry[..., :1]).all()
    assert (np.diff(windows % 1000, axis=-1) == 3).all()  # consecutive entries, one segment
    assert (segment_of_entry[:, :, 0] == np.arange(n_seg)[:, None]).all()


def test_one_dimensional_series_gives_two_dimensional_windows():
    windows = delay_windows(np.arange(20.0), EmbeddingSpec(dim=4, delay=1), stride=2)
    assert windows.shape == (9, 4)
    assert np.array_equal(windows[1], [2, 3, 4, 5])


def test_window_longer_than_segment_is_a_clear_error():
    with pytest.raises(EmbeddingError, match="spans 50 samples .* only 40 samples"):
        delay_windows(np.zeros((2, 40)), EmbeddingSpec(dim=50, delay=1))
    assert n_windows(40, EmbeddingSpec(dim=14, delay=3)) == 1  # span 40: exactly one window
    with pytest.raises(EmbeddingError, match="spans 43 samples"):
        n_windows(40, EmbeddingSpec(dim=15, delay=3))


def test_invalid_spec_and_stride():
    with pytest.raises(EmbeddingError):
        EmbeddingSpec(dim=0)
    with pytest.raises(EmbeddingError, match="stride"):
        delay_windows(np.zeros(10), EmbeddingSpec(dim=2), stride=0)


def test_scaler_round_trip_and_serialisation():
    x = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]])
    scaler = Scaler.fit(x)
    finite = x[np.isfinite(x)]
    assert scaler.offset == pytest.approx(finite.mean())
    assert scaler.scale == pytest.approx(finite.std())
    assert np.allclose(scaler.inverse(scaler.transform(x)), x, equal_nan=True)
    assert Scaler.from_dict(scaler.to_dict()) == scaler
    assert Scaler.fit(np.ones(5)).scale == 1.0
    with pytest.raises(EmbeddingError):
        Scaler.fit(np.full(3, np.nan))


def test_segments_from_store_reads_only_the_observed_variable_and_drops_failed_runs():
    ds = _store()
    ds["status"][1, 2] = 1
    segments = segments_from_store(ds)  # the all-NaN hidden variable is never touched
    assert segments.series.shape == (5, 200)
    assert segments.series.dtype == np.float32
    assert segments.control.tolist() == [-40.0, -40.0, -40.0, -38.0, -38.0]
    assert segments.ic.tolist() == [0, 1, 2, 0, 1]
    assert np.array_equal(segments.series[4], ds["V"].values[1, 1])
    assert segments.sample_dt == 0.01


def test_split_keeps_segments_apart_in_time():
    segments = segments_from_store(_store(n_time=100))
    head, tail = segments.split(0.2)
    assert head.series.shape == (6, 80) and tail.series.shape == (6, 20)
    assert np.array_equal(np.concatenate([head.series, tail.series], axis=1), segments.series)
    with pytest.raises(EmbeddingError):
        segments.split(1.0)


def test_store_without_training_values_is_a_clear_error():
    with pytest.raises(EmbeddingError, match="no training values"):
        segments_from_store(_store(values=()))
    with pytest.raises(EmbeddingError, match="observed"):
        segments_from_store(_store().drop_vars("V"))
