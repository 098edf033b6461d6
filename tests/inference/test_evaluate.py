"""Scores of the inference: metrics per regime and the twin check, on hand-made inputs."""

import numpy as np
import pytest

from neurorecon.dynamics.regimes import Regime
from neurorecon.inference.evaluate import prediction_metrics, twin_summary, twin_table
from neurorecon.inference.predict import Prediction
from neurorecon.inference.twins import Twins, majority_class

B, T, R = int(Regime.BURSTING), int(Regime.TONIC_SPIKING), int(Regime.REST)


def test_metrics_per_regime_are_the_hand_computed_ones():
    target = np.array([[-2.0, 4.0], [-1.0, 5.0], [2.0, 6.0]])
    bursting = np.array([True, True, False])
    pred = Prediction(g_s=np.array([-1.0, -1.0, -0.5]), g_u=np.array([4.0, 7.0, 6.5]),
                      sigma_s=np.array([2.0, 0.1, 1.0]), sigma_u=np.array([1.0, 1.0, 1.0]),
                      p_bursting=np.array([0.9, 0.2, 0.1]))
    table = prediction_metrics(target, bursting, pred).set_index("group")
    assert table.loc["all", "n"] == 3 and table.loc["bursting", "n"] == 2
    assert table.loc["bursting", "mae_g_s"] == pytest.approx(0.5)
    assert table.loc["bursting", "mae_g_u"] == pytest.approx(1.0)
    assert table.loc["tonic_spiking", "mae_g_s"] == pytest.approx(2.5)
    assert table.loc["all", "within_1sigma_g_s"] == pytest.approx(2 / 3)  # errors 1, 0, 2.5 vs sigma 2, 0.1, 1
    assert table.loc["all", "accuracy_class_head"] == pytest.approx(2 / 3)
    assert table.loc["tonic_spiking", "accuracy_dic_sign"] == 0.0  # g_s predicted below 0: bursting


def test_majority_class_and_twin_summary():
    np.testing.assert_array_equal(majority_class(np.array([[B, B, T], [T, R, R], [B, T, R]])), [1, 0, -1])
    train = np.array([0.0, 10.0, 20.0])

    def twins(regimes, shift):
        regimes = np.array(regimes, dtype=np.int8)
        times = np.broadcast_to(train + shift, regimes.shape + (3,)).copy()
        return Twins(np.zeros(regimes.shape + (2,)), times, np.full(regimes.shape, 3), regimes)

    table = twin_table([train, train], np.array([B, T]), twins([[B, B], [B, B]], 1.0), twins([[B, B], [T, T]], 5.0),
                       tau=10.0)
    assert list(table["twin_majority_class"]) == [1, 1] and list(table["twin_class_fraction"]) == [1.0, 0.0]
    summary = twin_summary(table)
    assert summary["class_reproduced"] == 0.5
    assert summary["van_rossum_predicted_median"] < summary["van_rossum_true_median"]  # shifted by 1 ms vs 5 ms
