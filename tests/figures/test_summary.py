"""Summary across seeds: plotted values, targets, unmatched transitions."""

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from neurorecon.figures import style as plots
from neurorecon.figures.summary import Targets, seed_summary_figure, summary_points


def _run(surrogate, seed, agreement, errors, tonic=None, bursting=None):
    return {
        "dataset": "srk", "surrogate": surrogate, "seed": str(seed), "regime_agreement_unseen": agreement,
        "firing_rate_rel_error_tonic_median": tonic, "firing_rate_rel_error_bursting_median": bursting,
        "transitions": [{"kind": kind, "truth": 0.0, "surrogate": None, "error": error}
                        for kind, error in zip(("rest->bursting", "bursting->tonic_spiking"), errors, strict=True)],
    }


RUNS = [
    _run("vae_map", 0, 0.6, [0.3, None], bursting=0.5),
    _run("vae_map", 1, 0.95, [-1.5, 0.2], bursting=0.05),
    _run("vae_map", 2, 0.8, [0.6, None], bursting=None),
]


def test_summary_points_in_display_units():
    points = summary_points(RUNS)
    agreement = points[points["panel"] == "agreement"]
    assert agreement["value"].tolist() == pytest.approx([60.0, 95.0, 80.0])
    assert agreement["seed"].tolist() == [0, 1, 2]
    transitions = points[points["panel"] == "transition"]
    assert list(dict.fromkeys(transitions["category"])) == ["rest →\nbursting", "bursting →\ntonic spiking"]
    np.testing.assert_allclose(transitions["value"], [0.3, np.nan, 1.5, 0.2, 0.6, np.nan])  # |error|, unmatched NaN
    rate = points[points["panel"] == "rate"]
    assert set(rate["category"]) == {"bursting"}  # no tonic-spiking value in any run: left out
    np.testing.assert_allclose(rate["value"], [50.0, 5.0, np.nan])


def test_summary_figure_axes_targets_medians_and_crosses(tmp_path):
    fig = seed_summary_figure(RUNS, control_unit="mV", title="srk")
    agreement, transition, rate = fig.axes
    assert agreement.get_ylabel() == "regime agreement on unseen values [%]"
    assert transition.get_ylabel() == "|transition location error| [mV]"
    assert rate.get_ylabel() == "relative firing-rate error [%]"
    bands = [[p.get_y(), p.get_y() + p.get_height()] for ax in fig.axes for p in ax.patches
             if isinstance(p, Rectangle)]
    assert bands == [pytest.approx([90.0, 100.0]), pytest.approx([0.0, 1.0]), pytest.approx([0.0, 20.0])]
    medians = [line.get_ydata()[0] for line in agreement.lines]
    assert medians == pytest.approx([80.0])
    at_top = [c for c in transition.collections if c.get_offset_transform() is not transition.transData]
    assert sum(len(c.get_offsets()) for c in at_top) == 2  # two seeds miss bursting -> tonic spiking
    assert fig.get_suptitle() == "srk: surrogates across seeds (vae_map: 3 seeds)"
    assert plots.save(fig, tmp_path / "summary.png").stat().st_size > 10_000


def test_custom_targets_and_no_runs():
    targets = Targets(regime_agreement=50.0, transition_error=2.0, firing_rate_error=10.0)
    fig = seed_summary_figure(RUNS, targets=targets)
    tops = [p.get_y() + p.get_height() for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]
    assert tops == pytest.approx([100.0, 2.0, 10.0])
    with pytest.raises(ValueError, match="no run summaries"):
        seed_summary_figure([])
