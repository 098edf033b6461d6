"""Classification of whole stores: table, summary, excitability, Lyapunov from the model."""

import numpy as np
import pytest

from neurorecon.analysis import TABLE_COLUMNS, classify_store, excitability_of, regime_table, summary_lines
from neurorecon.dynamics.regimes import Regime
from neurorecon.io.stores import provenance
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.simulate.to_store import trajectories_dataset


@pytest.fixture(scope="module")
def fhn_regimes():
    # FitzHugh–Nagumo: rest below the Hopf point I ~ 0.33, relaxation oscillations, rest above ~1.42.
    model = get_model("fitzhugh_nagumo")
    spec = SimulationSpec(control_values=[0.0, 0.2, 0.5, 0.8, 1.1, 1.5], n_ic=2, transient=200, duration=600)
    ds = trajectories_dataset(model, simulate(model, spec), "default", provenance(rule="test"))
    return classify_store(ds, lyapunov=True)


def test_regimes_and_lyapunov_signs_follow_the_known_bifurcations(fhn_regimes):
    regime = fhn_regimes["regime"].values
    assert (regime[[0, 1, 5]] == Regime.REST).all()
    assert (regime[[2, 3, 4]] == Regime.TONIC_SPIKING).all()
    lyap = fhn_regimes["lyap_max"].values
    assert (lyap[[0, 1, 5]] < -0.01).all()  # stable equilibria
    assert np.abs(lyap[[2, 3, 4]]).max() < 0.005  # limit cycles: zero exponent


def test_table_has_one_row_per_trajectory_with_named_regimes(fhn_regimes):
    table = regime_table(fhn_regimes)
    assert list(table.columns) == TABLE_COLUMNS
    assert len(table) == 12
    assert set(table["regime_name"]) == {"rest", "tonic_spiking"}


def test_summary_names_transitions_and_excitability(fhn_regimes):
    text = "\n".join(summary_lines(fhn_regimes))
    assert "rest -> tonic_spiking between I=0.2 and 0.5" in text
    assert "tonic_spiking -> rest between I=1.1 and 1.5" in text
    assert "excitability type II" in text  # FitzHugh–Nagumo starts through a Hopf bifurcation


def test_excitability_only_for_current_controls(fhn_regimes):
    assert excitability_of(fhn_regimes).type == "II"
    other = fhn_regimes.copy()
    other.attrs["control_is_current"] = False
    assert excitability_of(other) is None
