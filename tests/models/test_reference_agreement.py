"""The fixed-step RK4 ensemble at each model's default step agrees with a tight adaptive solver.

One spiking or bursting trajectory per model (both Morris–Lecar sets) is integrated with
``simulate`` at the model's default ``dt``/``sample_dt`` and with LSODA (rtol 1e-9) from the same
initial state at the same sample times. Upward crossings of ``spike_threshold`` (linearly
interpolated) must agree to 0.5% of the mean ISI for every one of at least 20 spikes.

Measured with the defaults (max error over all spikes compared, % of the mean ISI; spikes):
hh (dt 0.05 ms) 0.003% (27), morris_lecar hopf / snic (dt 0.5 ms) 0.003% (29) / 0.003% (34),
hindmarsh_rose (dt 0.025) 0.001% (31), fitzhugh_nagumo (dt 0.2) 0.005% (30), srk (dt 1 ms) 0.056%
(85). Doubling dt raises these ~16-fold (RK4), e.g. hh 0.04%, morris_lecar 0.05-0.08%.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, reference_trajectory, simulate

TOLERANCE = 0.005  # of the mean inter-spike interval
MIN_SPIKES = 20

# (model, parameter set, control value or None for the set's default, transient, duration):
# a short transient (a whole number of samples) so the comparison starts near t = 0, and a
# duration giving ~25-35 spikes. srk at VS = -38 mV bursts (~15 spikes per burst, silent gaps of
# ~5.5 s); seed 0 starts it at a low slow variable S (0.12), so it bursts at once and 30 s of
# model time hold 85 spikes.
CASES = [
    ("srk", None, -38.0, 1.0, 30.0),
    ("hh", None, None, 2.0, 400.0),
    ("morris_lecar", "hopf", None, 10.0, 2500.0),
    ("morris_lecar", "snic", None, 10.0, 2000.0),
    ("hindmarsh_rose", None, None, 10.0, 1800.0),
    ("fitzhugh_nagumo", None, None, 4.0, 1200.0),
]


@pytest.mark.parametrize(("name", "set_name", "control", "transient", "duration"), CASES)
def test_default_step_matches_reference_spike_times(name, set_name, control, transient, duration):
    model = get_model(name)
    parameters = model.parameters(set_name)
    if control is None:
        control = parameters[model.control.name]
    parameters[model.control.name] = control

    spec = SimulationSpec([control], n_ic=1, seed=0, parameter_set=set_name,
                          transient=transient, duration=duration)
    result = simulate(model, spec)
    assert result.dt == model.dt and result.sample_dt == model.sample_dt
    assert result.status[0, 0] == 0
    observed = model.observed_index
    level = model.spike_threshold
    fixed = threshold_crossings(result.trajectories[0, 0, observed], result.time, level)

    # same initial state, same absolute sample times (result.time counts from t = 0)
    reference = reference_trajectory(model, result.initial_states[0], parameters, result.time,
                                     method="LSODA", rtol=1e-9, atol=1e-10)
    exact = threshold_crossings(reference.y[observed], result.time, level)

    assert len(exact) >= MIN_SPIKES, f"{name}: only {len(exact)} reference spikes"
    # a spike right at the end of the window may fall on either side of the last sample
    assert abs(len(fixed) - len(exact)) <= 1, f"{name}: {len(fixed)} vs {len(exact)} spikes"
    n = min(len(fixed), len(exact))
    assert n >= MIN_SPIKES
    mean_isi = float(np.mean(np.diff(exact)))
    error = np.abs(fixed[:n] - exact[:n]) / mean_isi
    assert error.max() < TOLERANCE, (
        f"{name}: spike {int(error.argmax())} off by {100 * error.max():.3f}% of the mean ISI"
    )
