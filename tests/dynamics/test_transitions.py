"""Regime transitions along the control parameter."""

import numpy as np

from neurorecon.dynamics.regimes import Regime
from neurorecon.dynamics.transitions import dominant_regime, find_transitions

R, B, T = int(Regime.REST), int(Regime.BURSTING), int(Regime.TONIC_SPIKING)


def test_dominant_regime_is_the_majority_with_ties_to_the_lower_code():
    regime = np.array([[R, R, B], [B, T, T], [B, T, B], [T, B, R]])
    assert dominant_regime(regime).tolist() == [R, T, B, R]


def test_transitions_are_found_between_neighbours_in_parameter_order():
    param = np.array([3.0, 0.0, 1.0, 2.0, 4.0])  # unsorted on purpose
    regime = np.array([[T, T], [R, R], [B, B], [B, R], [T, T]])  # at 2.0 the tie goes to rest
    found = find_transitions(param, regime)
    assert [(t.left, t.right, t.before, t.after) for t in found] == [
        (0.0, 1.0, Regime.REST, Regime.BURSTING),
        (1.0, 2.0, Regime.BURSTING, Regime.REST),
        (2.0, 3.0, Regime.REST, Regime.TONIC_SPIKING),
    ]
    assert found[0].location == 0.5
    assert "rest -> bursting between I=0 and 1 mV" in found[0].describe("I", "mV")


def test_no_transition_in_a_single_regime():
    assert find_transitions(np.arange(5.0), np.full((5, 3), B)) == []
