"""Published dynamical facts of the ground-truth models.

The ensemble RK4 simulator at each model's default step is validated against LSODA in
``test_reference_agreement.py``; it is used here wherever the initial states of the model's box
will do. Runs that must start from a given state (HH from rest) use the reference solver.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurorecon.dynamics.regimes import Regime, classify
from neurorecon.dynamics.spikes import threshold_crossings
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, reference_trajectory, simulate


def spikes(model, result, i, k=0):
    """Spike times of trajectory (control value i, initial state k) of an ensemble result."""
    x = result.trajectories[i, k, model.observed_index]
    return threshold_crossings(x, result.time, model.spike_threshold)


def rate(times):
    """Mean firing rate (per time unit) over a spike train; 0 with fewer than 3 spikes."""
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) >= 3 else 0.0


def cv(isi):
    return float(np.std(isi) / np.mean(isi))


def burst_split(times):
    """Split ISIs at the largest ratio between consecutive sorted ISIs.

    Returns (intra-burst ISIs, inter-burst gaps, spikes per complete burst).
    """
    isi = np.diff(times)
    ordered = np.sort(isi)
    jump = int(np.argmax(ordered[1:] / ordered[:-1]))
    cut = math.sqrt(ordered[jump] * ordered[jump + 1])
    gap = isi > cut
    gap_positions = np.flatnonzero(gap)
    return isi[~gap], isi[gap], np.diff(gap_positions)


def assert_bursting(times, min_spikes_per_burst, min_gap_ratio):
    """Bimodal ISIs: every quiescent gap > min_gap_ratio x every intra-burst ISI."""
    intra, inter, per_burst = burst_split(times)
    assert len(inter) >= 5, f"only {len(inter)} bursts"
    assert inter.min() > min_gap_ratio * intra.max(), (
        f"gaps {inter.min():.3g} vs intra-burst ISIs up to {intra.max():.3g}"
    )
    assert per_burst.min() >= min_spikes_per_burst, f"spikes per burst {np.unique(per_burst)}"
    return per_burst


# --- Hodgkin–Huxley ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hh_rest():
    """HH resting state at I = 0 reached from several states of the box (ensemble)."""
    model = get_model("hh")
    result = simulate(model, SimulationSpec([0.0], n_ic=4, seed=0, transient=200.0, duration=100.0))
    return model, result


def test_hh_rests_near_minus_65_mv_at_zero_current(hh_rest):
    model, result = hh_rest
    v = result.trajectories[0, :, 0, :]
    assert np.all(np.abs(v + 65.0) < 1.0), f"V in [{v.min():.3f}, {v.max():.3f}] mV"
    assert np.ptp(v[:, -200:], axis=1).max() < 0.01  # settled, not oscillating
    for k in range(v.shape[0]):
        assert len(spikes(model, result, 0, k)) == 0


# From rest at I = 0, a current step: measured onset of repetitive firing between 6.25 and 6.30
# uA/cm^2 (at ~52 Hz, Type II), the rest state itself stays stable up to the subcritical Hopf at
# 9.85-9.90 (dt 0.05 ms ensemble scans in steps of 0.05); literature 6.2-6.3 and ~9.8.
@pytest.mark.parametrize(
    ("current", "repetitive"), [(5.0, False), (6.0, False), (6.5, True), (10.0, True)]
)
def test_hh_repetitive_firing_from_rest(hh_rest, current, repetitive):
    model, result = hh_rest
    rest = result.final_states[0, 0]
    t = np.arange(1, 5001) * 0.1  # 500 ms
    parameters = model.parameters(None, {"I": current})
    solution = reference_trajectory(model, rest, parameters, t, rtol=1e-8, atol=1e-10)
    times = threshold_crossings(solution.y[0], t, model.spike_threshold)
    if not repetitive:
        assert np.count_nonzero(times > 100.0) == 0, f"I={current}: spikes at {times}"
        if current == 5.0:
            assert len(times) <= 1  # at most the initial spike
    else:
        late = times[times > 100.0]
        assert len(late) >= 15 and late[-1] > 450.0
        frequency = 1000.0 * rate(late)  # Hz
        assert frequency > 40.0  # Type II: onset at a clearly non-zero frequency
        assert cv(np.diff(late)) < 0.02


# --- Morris–Lecar ------------------------------------------------------------------------------


def test_morris_lecar_snic_fires_arbitrarily_slowly_at_onset():
    # Measured: silent up to 39.9, firing from 40.0 uA/cm^2 at 1.06 Hz (2.0 Hz at 40.1, 3.8 Hz at
    # 40.5), rising as sqrt(I - Ic) with Ic ~ 39.96 (f^2 linear in I); 21.3 Hz at I = 80.
    model = get_model("morris_lecar")
    scan = np.round(np.arange(39.0, 41.01, 0.1), 2)
    values = np.append(scan, 80.0)
    result = simulate(model, SimulationSpec(values, parameter_set="snic", transient=1000.0,
                                            duration=4000.0))
    frequency = np.array([rate(spikes(model, result, i)) for i in range(len(values))])
    firing = frequency[: len(scan)] > 0
    assert not firing[0] and firing[-1]
    onset = int(np.argmax(firing))
    assert np.all(firing[onset:]), "firing must persist above onset"
    f_scan = frequency[onset : len(scan)]
    f_high = frequency[-1]
    assert f_scan[0] < 0.2 * f_high, f"f at onset {f_scan[0]:.3g} vs {f_high:.3g} well above"
    assert np.all(np.diff(f_scan) > 0), "frequency must fall toward zero approaching onset"
    # square-root law of a SNIC: f^2 is linear in I near onset (fit over the first five firing
    # values) and extrapolates to zero inside the last step of the scan before firing starts
    slope, intercept = np.polyfit(scan[onset : onset + 5], f_scan[:5] ** 2, 1)
    i_c = -intercept / slope
    assert scan[onset] - 0.1 <= i_c <= scan[onset], f"extrapolated onset {i_c:.3f}"


def test_morris_lecar_hopf_starts_at_finite_frequency():
    # Measured: all 4 states silent up to 88.25, firing from 88.5 uA/cm^2 at 8.7 Hz (one of the 4
    # states still rests there: rest and spiking coexist); 14.2 Hz at I = 130.
    model = get_model("morris_lecar")
    scan = np.round(np.arange(86.0, 92.01, 0.25), 2)
    values = np.append(scan, 130.0)
    result = simulate(model, SimulationSpec(values, n_ic=4, seed=0, parameter_set="hopf",
                                            transient=1000.0, duration=3000.0))
    frequency = np.array(
        [max(rate(spikes(model, result, i, k)) for k in range(4)) for i in range(len(values))]
    )
    firing = frequency[: len(scan)] > 0
    assert not firing[0] and firing[-1]
    onset = int(np.argmax(firing))
    assert frequency[onset] > 0.4 * frequency[-1], (
        f"f at onset {frequency[onset]:.3g} vs {frequency[-1]:.3g} well above"
    )


# --- Hindmarsh–Rose ----------------------------------------------------------------------------


def test_hindmarsh_rose_bursts_with_spike_adding():
    # Measured (r = 0.006): 2 spikes per burst at I = 2.0 (intra ISI 14.8, gaps 114), 3 at 2.4,
    # 4 at 2.8; chaotic bursting around 3.0-3.3; tonic spiking from ~3.4.
    model = get_model("hindmarsh_rose")
    cases = {2.0: 2, 2.4: 3, 2.8: 4}
    result = simulate(model, SimulationSpec(list(cases), n_ic=2, seed=0))
    for i, (current, per_burst) in enumerate(cases.items()):
        for k in range(2):
            times = spikes(model, result, i, k)
            counts = assert_bursting(times, per_burst, min_gap_ratio=3.0 if current > 2.0 else 5.0)
            assert np.all(counts == per_burst), f"I={current}: spikes per burst {np.unique(counts)}"


# --- SRK -----------------------------------------------------------------------------------------

# Regime map found with the ensemble (steps of 1 mV, then 0.1 mV) and confirmed with LSODA
# (rtol 1e-9, 600 s, 2 initial states, statistics after 300 s): rest for VS <= -44.8 mV
# (VS = -46: V -> -61.49 mV, VS = -48: -63.26 mV, no spikes); square-wave bursting from -44.7 to
# -33.8 mV (VS = -40: 34 bursts in 300 s, ~12 spikes per burst, intra ISI 0.164-0.3 s, gaps
# 6.36 s; VS = -36: ~20 spikes per burst); irregular spiking at -33.7 to -33.6; tonic spiking from
# -33.5 mV (VS = -27: ISI 0.193 s, CV 0.001; VS = -30: ISI 0.279 s).
SRK_REST, SRK_BURSTING, SRK_TONIC = -46.0, -40.0, -27.0


@pytest.fixture(scope="module")
def srk_regimes():
    model = get_model("srk")
    values = [SRK_REST, SRK_BURSTING, SRK_TONIC]
    return model, simulate(model, SimulationSpec(values, n_ic=2, seed=0, transient=300.0,
                                                 duration=200.0))


def test_srk_rests_at_low_vs(srk_regimes):
    model, result = srk_regimes
    for k in range(2):
        assert len(spikes(model, result, 0, k)) == 0
        assert np.ptp(result.trajectories[0, k, 0]) < 0.1


def test_srk_bursts_at_intermediate_vs(srk_regimes):
    model, result = srk_regimes
    for k in range(2):
        counts = assert_bursting(spikes(model, result, 1, k), 5, min_gap_ratio=10.0)
        assert 8 <= np.median(counts) <= 16


def test_srk_spikes_tonically_at_high_vs(srk_regimes):
    model, result = srk_regimes
    for k in range(2):
        isi = np.diff(spikes(model, result, 2, k))
        assert len(isi) > 500
        assert cv(isi) < 0.05 and isi.max() < 1.2 * isi.min()


# --- FitzHugh–Nagumo ----------------------------------------------------------------------------


def fhn_hopf_currents(a=0.7, b=0.8, eps=0.08):
    """Currents of the two Hopf points: trace 1 - v^2 - eps b = 0 at the equilibrium."""
    v = math.sqrt(1.0 - eps * b)
    return tuple(u**3 / 3.0 - u + (u + a) / b for u in (-v, v))  # (0.331, 1.419)


def test_fitzhugh_nagumo_rest_oscillation_rest():
    model = get_model("fitzhugh_nagumo")
    low, high = fhn_hopf_currents()
    # I = 0 and 1.5 (and just outside the Hopf points) rest; I = 0.5 (and just inside) oscillates
    values = [0.0, low - 0.03, low + 0.03, 0.5, high - 0.03, 1.5]
    oscillates = [False, False, True, True, True, False]
    result = simulate(model, SimulationSpec(values, n_ic=8, seed=0))
    for i, expected in enumerate(oscillates):
        for k in range(8):
            times = spikes(model, result, i, k)
            if expected:
                assert len(times) >= 35, f"I={values[i]:.3f}: {len(times)} spikes"
                assert cv(np.diff(times)) < 0.02
            else:
                assert len(times) == 0, f"I={values[i]:.3f}: {len(times)} spikes"
                assert np.ptp(result.trajectories[i, k, 0, -500:]) < 1e-3
    # the resting potential at I = 0 (FitzHugh 1961): v = -1.1994
    assert result.trajectories[0, :, 0, -1] == pytest.approx(-1.1994, abs=1e-3)


# --- Stomatogastric neuron (Liu et al. 1998) ----------------------------------------------------
# The published conductance sets (NmodController.jl documentation, Fyon & Drion) at I = 0, from
# four initial states of the box. Measured: spiking period 55.5 ms (18.0 Hz); bursting 5 spikes per
# burst, intra-burst ISIs 6.9-9.3 ms, burst period 136.3 ms.


@pytest.fixture(scope="module")
def stg_sets():
    model = get_model("stg")
    spec = dict(n_ic=2, seed=0, transient=2000.0, duration=1500.0)  # the spiking period settles slowly
    return model, {name: simulate(model, SimulationSpec([0.0], parameter_set=name, **spec))
                   for name in ("spiking", "bursting")}


def test_stg_spiking_set_spikes_tonically_at_18_hz(stg_sets):
    model, results = stg_sets
    result = results["spiking"]
    regimes = classify(result.trajectories[:, :, model.observed_index], result.time, model.spike_threshold)
    assert np.all(regimes["regime"] == Regime.TONIC_SPIKING)
    for k in range(2):
        isi = np.diff(spikes(model, result, 0, k))
        assert abs(np.mean(isi) - 55.5) < 0.5 and cv(isi) < 0.01, f"ISI {np.mean(isi):.2f} ms, CV {cv(isi):.3g}"


def test_stg_bursting_set_bursts_with_five_spikes_every_136_ms(stg_sets):
    model, results = stg_sets
    result = results["bursting"]
    regimes = classify(result.trajectories[:, :, model.observed_index], result.time, model.spike_threshold)
    assert np.all(regimes["regime"] == Regime.BURSTING)
    assert np.all(regimes["spikes_per_burst"] == 5.0) and np.all(regimes["spikes_per_burst_stable"])
    for k in range(2):
        times = spikes(model, result, 0, k)
        intra, inter, per_burst = burst_split(times)
        assert np.all(per_burst == 5)
        assert intra.min() > 6.5 and intra.max() < 10.0
        first = times[1:][np.diff(times) > inter.min() / 2]  # the first spike of each complete burst
        assert abs(np.mean(np.diff(first)) - 136.3) < 1.0, f"burst period {np.mean(np.diff(first)):.2f} ms"
