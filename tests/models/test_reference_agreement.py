"""Both ensemble integrators at each model's defaults agree with a tight adaptive solver.

One spiking or bursting trajectory per model (both Morris–Lecar sets) is integrated with
``simulate`` at the model's default ``sample_dt`` — with fixed-step RK4 at the default ``dt`` and
with adaptive Dormand–Prince 5(4) at the model's default rtol/atol — and with LSODA (rtol 1e-10)
from the same initial state at the same sample times. Upward crossings of ``spike_threshold``
(linearly interpolated) must agree to 0.5% of the mean ISI for every one of at least 20 spikes.

Measured with the defaults (max error over all spikes compared, % of the mean ISI; spikes), RK4 /
dopri5: srk (dt 1 ms; rtol 1e-6, atol 1e-8) 0.056% / 0.023% (85), hh (dt 0.05 ms; 1e-5, 1e-6)
0.003% / 0.0003% (27), morris_lecar hopf / snic (dt 0.5 ms; 1e-6, 1e-6) 0.003% / 0.001% (29) and
0.003% / 0.001% (34), hindmarsh_rose (dt 0.025; 1e-7, 1e-8) 0.001% / 0.0001% (31),
fitzhugh_nagumo (dt 0.2; 1e-6, 1e-6) 0.005% / 0.001% (30), stg bursting (dt 0.002; 1e-6, 1e-6)
<0.0001% / 0.0017% (23; dopri5 at rtol 1e-5 0.0021%, RK4 diverges at dt 0.0025). Doubling dt raises the RK4 errors
~16-fold, e.g. hh 0.04%, morris_lecar 0.05-0.08%; a tenfold looser rtol raises the dopri5 errors
2-10-fold.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, reference_trajectory, simulate
from neurorecon.simulate.ensemble import resolve_times

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
    ("stg", "bursting", None, 2.0, 600.0),
]


@functools.cache
def reference_spikes(name, set_name, control, transient, duration) -> np.ndarray:
    """LSODA spike times of one case: same initial state and sample times as ``simulate``."""
    model = get_model(name)
    parameters = {**model.parameters(set_name), model.control.name: control}
    spec = SimulationSpec([control], n_ic=1, seed=0, parameter_set=set_name, transient=transient,
                          duration=duration)
    _, _, transient, duration, _ = resolve_times(model, spec)
    n_skip, n_record = round(transient / model.sample_dt), round(duration / model.sample_dt)
    times = np.arange(n_skip + 1, n_skip + n_record + 1) * model.sample_dt
    reference = reference_trajectory(model, model.initial_states(1, 0)[0], parameters, times,
                                     method="LSODA", rtol=1e-10, atol=1e-12)
    return threshold_crossings(reference.y[model.observed_index], times, model.spike_threshold)


@pytest.mark.parametrize("integrator", ["rk4", "dopri5"])
@pytest.mark.parametrize(("name", "set_name", "control", "transient", "duration"), CASES)
def test_default_accuracy_matches_reference_spike_times(name, set_name, control, transient, duration,
                                                        integrator):
    model = get_model(name)
    if control is None:
        control = model.parameters(set_name)[model.control.name]

    spec = SimulationSpec([control], n_ic=1, seed=0, parameter_set=set_name,
                          transient=transient, duration=duration, integrator=integrator)
    result = simulate(model, spec)
    assert result.dt == model.dt and result.sample_dt == model.sample_dt
    assert (result.integrator, result.rtol, result.atol) == (integrator, model.rtol, model.atol)
    assert result.status[0, 0] == 0
    observed = model.observed_index
    fixed = threshold_crossings(result.trajectories[0, 0, observed], result.time, model.spike_threshold)
    exact = reference_spikes(name, set_name, control, transient, duration)

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
