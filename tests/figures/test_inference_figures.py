"""The inference figures draw from arrays and write PNG files."""

import numpy as np
import pandas as pd

from neurorecon.dynamics.regimes import Regime
from neurorecon.figures import inference
from neurorecon.figures.style import save


def test_every_inference_figure_is_written(tmp_path):
    rng = np.random.default_rng(0)
    true = np.stack([rng.uniform(-6, 4, 200), rng.uniform(2, 8, 200)], axis=1)
    pred = true + rng.normal(0, 0.5, true.shape)
    regime = np.where(true[:, 0] < 0, Regime.BURSTING, Regime.TONIC_SPIKING)
    figures = {
        "scatter": inference.prediction_scatter_figure(true, pred, regime),
        "plane": inference.error_plane_figure(true, pred),
        "twins": inference.twin_trains_figure(np.array([1.0, 5.0, 9.0]), [np.array([2.0, 6.0, np.nan])],
                                              int(Regime.BURSTING), [int(Regime.TONIC_SPIKING)]),
        "map": inference.test_regime_map_figure(true[:, 0], regime),
        "curve": inference.size_curve_figure(pd.DataFrame({"n_train": [10, 100], "mae_g_s": [2.0, 1.0],
                                                           "mae_g_u": [1.5, 1.4]})),
    }
    for name, fig in figures.items():
        path = save(fig, tmp_path / f"{name}.png")
        assert path.read_bytes()[:4] == b"\x89PNG"
