"""Figures render from regime stores, with units on the axes."""

import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.excitability import excitability_type
from neurorecon.dynamics.regimes import Regime, regime_attrs
from neurorecon.figures import style
from neurorecon.figures import truth as plots


@pytest.fixture
def regimes():
    param = np.linspace(0.0, 10.0, 6)
    regime = np.array([[0, 0], [0, 0], [2, 2], [2, 2], [3, 3], [4, 4]], dtype=np.int8)
    rate = np.where(regime > 0, 1 + param[:, None] / 10, 0.0)
    isi = np.full((6, 2, 3), np.nan)
    isi[regime > 0] = [0.5, 0.6, 2.0]
    dims = ("param", "ic")
    return xr.Dataset(
        {
            "regime": (dims, regime, regime_attrs()),
            "lyap_max": (dims, np.where(regime == Regime.CHAOTIC, 0.1, -0.01), {"units": "1/ms"}),
            "firing_rate": (dims, rate, {"units": "1/ms"}),
            "isi": (("param", "ic", "isi_index"), isi, {"units": "ms"}),
        },
        coords={"param": ("param", param, {"units": "uA/cm^2", "control": "I"}), "ic": [0, 1]},
        attrs={"model": "hh", "time_unit": "ms"},
    )


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in (ax.xaxis.label, ax.yaxis.label, ax.title)]


def test_every_figure_has_units_and_saves(tmp_path, regimes):
    figures = {
        "bifurcation": plots.bifurcation_figure({"truth": regimes}, [2.0]),
        "regimes": plots.regime_strip_figure({"truth": regimes, "surrogate": regimes}, [2.0]),
        "lyapunov": plots.lyapunov_figure({"truth": regimes}, [2.0]),
        "fi": plots.fi_curve_figure(regimes, excitability_type(regimes["param"].values,
                                                              regimes["firing_rate"].values[:, 0])),
    }
    texts = {name: " ".join(_texts(fig)) for name, fig in figures.items()}
    assert "I [µA/cm²]" in texts["bifurcation"] and "inter-spike interval [ms]" in texts["bifurcation"]
    assert "largest Lyapunov exponent [1/ms]" in texts["lyapunov"]
    assert "firing rate [Hz]" in texts["fi"]
    for name, fig in figures.items():
        path = style.save(fig, tmp_path / f"{name}.png")
        assert path.stat().st_size > 10_000


def test_fi_curve_is_in_hertz(regimes):
    fig = plots.fi_curve_figure(regimes, excitability_type(regimes["param"].values,
                                                           regimes["firing_rate"].values[:, 0]))
    top = max(line.get_ydata().max() for line in fig.axes[0].lines if len(line.get_ydata()) == 6)
    assert top == pytest.approx(2000.0)  # 2 per ms


def test_no_regime_stores_is_an_error():
    with pytest.raises(ValueError, match="no regime stores"):
        plots.bifurcation_figure({})


def test_training_traces_show_the_command_under_the_voltage(tmp_path):
    from neurorecon.models import get_model
    from neurorecon.simulate import SimulationSpec
    from neurorecon.simulate.protocol import StepProtocol, simulate_protocol
    from neurorecon.simulate.to_store import trajectories_dataset

    model = get_model("hh")
    protocol = StepProtocol(holding=0.0, step=40.0, gap=10.0, repeats=2, settle=20.0)
    store = trajectories_dataset(model, simulate_protocol(model, SimulationSpec([8.0, 12.0]), protocol), "default",
                                 protocol=protocol)
    fig = plots.training_traces_figure(store)
    assert len(fig.axes) == 3
    texts = " ".join(_texts(fig))
    assert "V [mV]" in texts and "command I [µA/cm²]" in texts and "time [ms]" in texts and "step protocol" in texts
    commands = [line.get_ydata() for line in fig.axes[-1].lines]
    np.testing.assert_array_equal(commands[1], store["command"].values[1])
    assert style.save(fig, tmp_path / "training.png").stat().st_size > 10_000
