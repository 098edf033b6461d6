"""Log-ISI featurisation and spike-train checks, against hand-computed values."""

import numpy as np
import pytest

from neurorecon.inference.features import (
    LOG_ISI_CENTER,
    LOG_ISI_SCALE,
    SpikeTrainError,
    check_train,
    isi_batch,
    log_isis,
    padded_trains,
)


def test_log_isis_of_a_known_train():
    times = np.array([0.0, 10.0, 30.0, 30.0 + np.e**3])
    expected = (np.log([10.0, 20.0, np.e**3]) - LOG_ISI_CENTER) / LOG_ISI_SCALE
    np.testing.assert_allclose(log_isis(times), expected, rtol=0, atol=1e-12)
    assert log_isis(times)[-1] == pytest.approx(0.0, abs=1e-12)  # an ISI of e^3 ms sits at the centre


def test_isi_batch_pads_masks_and_truncates():
    a = np.array([0.0, 1.0, 2.0, 3.0, 4.0])  # 4 ISIs of 1 ms
    b = np.array([0.0, 5.0, 10.0])  # 2 ISIs of 5 ms
    batch = isi_batch([a, b], max_isis=3)
    assert batch.values.shape == (2, 3) and batch.values.dtype == np.float32
    np.testing.assert_array_equal(batch.mask, [[True, True, True], [True, True, False]])
    np.testing.assert_array_equal(batch.lengths, [3, 2])
    np.testing.assert_allclose(batch.values[0], [-LOG_ISI_CENTER / LOG_ISI_SCALE] * 3, rtol=1e-6)
    np.testing.assert_allclose(batch.values[1, :2], (np.log(5.0) - LOG_ISI_CENTER) / LOG_ISI_SCALE, rtol=1e-6)
    assert batch.values[1, 2] == 0.0


def test_padded_trains_drop_nan():
    rows = padded_trains(np.array([[1.0, 2.0, np.nan], [np.nan, np.nan, np.nan]]))
    np.testing.assert_array_equal(rows[0], [1.0, 2.0])
    assert rows[1].size == 0


@pytest.mark.parametrize(("times", "message"), [
    ([1.0, 2.0], "2 spike(s); at least 3"),
    ([1.0, 3.0, 3.0, 4.0], "time 2 (3 ms) follows 3 ms"),
    ([1.0, 5.0, 4.0], "time 2 (4 ms) follows 5 ms"),
    ([1.0, float("nan"), 4.0], "spike time 1 is not a finite number"),
])
def test_bad_trains_are_refused_with_the_reason(times, message):
    with pytest.raises(SpikeTrainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_train(times)
