"""Scores of spike-time inference on a simulated test set: errors of (g_s, g_u) per regime, the
spiking/bursting classification, the calibration of the predicted uncertainty, and the twin check
(firing-pattern class and van Rossum distance of twins of predicted against twins of true DICs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .distance import van_rossum
from .predict import Prediction
from .twins import Twins, firing_class, majority_class

METRIC_COLUMNS = ("group", "n", "mae_g_s", "mae_g_u", "median_ae_g_s", "median_ae_g_u", "within_1sigma_g_s",
                  "within_1sigma_g_u", "accuracy_class_head", "accuracy_dic_sign")


def prediction_metrics(target: np.ndarray, bursting: np.ndarray, prediction: Prediction) -> pd.DataFrame:
    """One row per group (all, tonic spiking, bursting) of the test examples.

    Args:
        target: (n, 2) true (g_s, g_u), units of g_L.
        bursting: (n,) bool, the simulated regime is bursting (else tonic spiking).

    Columns (:data:`METRIC_COLUMNS`): mean and median absolute errors (units of g_L), the fraction
    of true values within one predicted standard deviation, the accuracy of the class head
    (p_bursting > 0.5) and of the DIC rule on the predicted g_s (bursting below 0).
    """
    err = np.abs(np.stack([prediction.g_s, prediction.g_u], axis=1) - target)
    sigma = np.stack([prediction.sigma_s, prediction.sigma_u], axis=1)
    head = (prediction.p_bursting > 0.5) == bursting
    rule = (prediction.g_s < 0) == bursting
    rows = []
    for group, rows_of in (("all", np.ones(len(bursting), bool)), ("tonic_spiking", ~bursting), ("bursting", bursting)):
        sel = np.asarray(rows_of)
        if not sel.any():
            continue
        rows.append({"group": group, "n": int(sel.sum()),
                     "mae_g_s": err[sel, 0].mean(), "mae_g_u": err[sel, 1].mean(),
                     "median_ae_g_s": float(np.median(err[sel, 0])), "median_ae_g_u": float(np.median(err[sel, 1])),
                     "within_1sigma_g_s": float((err[sel, 0] <= sigma[sel, 0]).mean()),
                     "within_1sigma_g_u": float((err[sel, 1] <= sigma[sel, 1]).mean()),
                     "accuracy_class_head": float(head[sel].mean()), "accuracy_dic_sign": float(rule[sel].mean())})
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


def twin_table(inputs: list[np.ndarray], input_regime: np.ndarray, predicted: Twins, true: Twins,
               tau: float) -> pd.DataFrame:
    """Per test model: its class, the majority class of the twins of its predicted DICs and the
    fraction of them in its class, the majority class of the twins of its true DICs (the reference:
    degenerate twins need not share the input's class near the boundary), and the median van Rossum
    distance (time constant ``tau``, ms) from the input to the predicted twins and to the twins of
    its true DICs."""
    rows = []
    majority, true_majority = majority_class(predicted.regime), majority_class(true.regime)
    for i, train in enumerate(inputs):
        own = int(firing_class(input_regime[i]))
        classes = firing_class(predicted.regime[i])
        d_pred = [van_rossum(train, t, tau) for t, ok in zip(predicted.spike_times[i], classes >= 0, strict=True) if ok]
        d_true = [van_rossum(train, t, tau) for t, c in zip(true.spike_times[i], firing_class(true.regime[i]), strict=True)
                  if c >= 0]
        rows.append({"model": i, "input_class": own, "twin_majority_class": int(majority[i]),
                     "twin_class_fraction": float((classes == own).mean()),
                     "true_twin_majority_class": int(true_majority[i]),
                     "van_rossum_predicted": float(np.median(d_pred)) if d_pred else np.nan,
                     "van_rossum_true": float(np.median(d_true)) if d_true else np.nan})
    return pd.DataFrame(rows)


def twin_summary(table: pd.DataFrame) -> dict[str, float]:
    """Fraction of models whose predicted twins' majority class is the input's (and the same for the
    twins of the true DICs), the mean fraction of twins in the input's class, and the median van
    Rossum distances and their ratio."""
    both = table.dropna(subset=["van_rossum_predicted", "van_rossum_true"])
    return {
        "n_models": int(len(table)),
        "class_reproduced": float((table["twin_majority_class"] == table["input_class"]).mean()),
        "twin_class_fraction": float(table["twin_class_fraction"].mean()),
        "true_twins_class_reproduced": float((table["true_twin_majority_class"] == table["input_class"]).mean()),
        "van_rossum_predicted_median": float(both["van_rossum_predicted"].median()),
        "van_rossum_true_median": float(both["van_rossum_true"].median()),
        "van_rossum_ratio_median": float((both["van_rossum_predicted"] / both["van_rossum_true"]).median()),
    }
