"""The echo-state network core against known answers: a linear reservoir reproduces a linear
recurrence exactly; the closed loop's tangent map matches finite differences; divergence is
flagged and masked; the stride rule follows the spike width."""

import numpy as np
import pytest

from neurorecon.surrogates.reservoir.esn import (
    auto_leak_min,
    auto_stride,
    closed_loop,
    fit_readout,
    lyapunov_closed_loop,
    make_reservoir,
    spike_width,
)

OMEGA = 0.3
"""Angular frequency per step of the test recurrence x[n+1] = 2 cos(OMEGA) x[n] - x[n-1]."""


def _linear_reservoir(size=24, seed=0, control_scaling=0.4):
    return make_reservoir(1, size, spectral_radius=0.5, density=0.3, input_scaling=0.7,
                          control_scaling=control_scaling, control_shift=0.2, bias_scaling=0.3, leak=1.0,
                          activation="identity", squares=False, rng=np.random.default_rng(seed))


def _sinusoids(n_steps, phases, amplitudes):
    n = np.arange(n_steps)
    return np.stack([a * np.cos(OMEGA * n + phase) for phase, a in zip(phases, amplitudes)])[..., None]


def test_a_linear_reservoir_reproduces_a_linear_recurrence_to_rounding():
    """With identity activation the reservoir state after washout is a linear function of the
    recurrence's two-dimensional state (x[n], x[n-1]) plus a constant, so a linear readout exists
    that gives x[n+1] exactly; ridge regression with a negligible penalty must find it. Then the
    closed loop (prediction fed back) is a linear map with eigenvalues exp(+-i OMEGA)."""
    reservoir = _linear_reservoir()
    inputs = _sinusoids(600, phases=[0.0, 1.1, 2.5], amplitudes=[1.0, 0.6, 0.8])
    fit = fit_readout(reservoir, inputs, np.zeros(3), washout=100, ridge=1e-16)
    # the reported RMSE comes from the accumulated normal equations (|y|^2 - 2 w.X'y + w.X'X w), which
    # cancel to about sqrt(machine epsilon) |y|: 1.6e-8 with OpenBLAS 0.3.31, below 1e-10 with others;
    # the closed loop and its eigenvalues below check the readout itself to 1e-8
    assert fit.rmse.max() < 1e-6

    # closed loop from a state synchronised with a new sinusoid continues it
    fresh = _sinusoids(400, phases=[0.4], amplitudes=[0.9])
    r = np.zeros((1, reservoir.size))
    drive = reservoir.drive(np.zeros(1))
    for n in range(200):
        r = reservoir.step(r, fresh[:, n], drive)
    run = closed_loop(reservoir, r, np.zeros(1), n_record=199)
    np.testing.assert_allclose(run.outputs[0, :, 0], fresh[0, 200:399, 0], atol=1e-8)
    assert run.status[0] == 0

    # the closed-loop matrix W + W_in W_out has the recurrence's eigenvalues
    loop = reservoir.w + reservoir.w_in @ reservoir.w_out[:, 1:]
    eigenvalues = np.linalg.eigvals(loop)
    assert np.min(np.abs(eigenvalues - np.exp(1j * OMEGA))) < 1e-8


def test_a_sequence_that_is_no_linear_recurrence_is_not_fitted_exactly():
    """The exactness above is the model's, not the fit's: the same reservoir driven by a sequence
    that no linear recurrence generates (a sinusoid plus a jump at every sign change) keeps a
    clear one-step error."""
    inputs = _sinusoids(600, phases=[0.0, 1.1], amplitudes=[1.0, 0.6])
    jumpy = inputs + 0.5 * np.sign(inputs)
    assert fit_readout(_linear_reservoir(), jumpy, np.zeros(2), 100, 1e-16).rmse.max() > 1e-3


def test_the_tangent_map_matches_finite_differences():
    """Lyapunov exponent of the closed loop over one step equals the log growth of a small
    perturbation propagated by the map itself."""
    rng = np.random.default_rng(3)
    reservoir = make_reservoir(2, 30, 1.1, 0.3, 0.8, 0.5, 0.0, 0.4, 0.7, "tanh", True, rng)
    reservoir.w_out = rng.normal(0.0, 0.3, (2, reservoir.n_features))
    r0 = rng.uniform(-0.5, 0.5, (3, reservoir.size))
    controls = np.array([-1.0, 0.0, 1.0])
    n = 60
    estimate = lyapunov_closed_loop(reservoir, r0, controls, n, step_time=1.0, seed=5)

    def iterate(r, steps):
        run = closed_loop(reservoir, r, controls, n_record=1, n_skip=steps - 1, bound=1e9)
        return run.state

    # the same discarded steps and the same initial direction as lyapunov_closed_loop
    start = np.random.default_rng(5).standard_normal(r0.shape)
    start /= np.linalg.norm(start, axis=1, keepdims=True)
    eps = 1e-7
    logs = []
    a, b = r0.copy(), r0 + eps * start
    for _ in range(n):
        a, b = iterate(a, 1), iterate(b, 1)
        d = np.linalg.norm(b - a, axis=1)
        logs.append(np.log(d / eps))
        b = a + (b - a) * (eps / d)[:, None]
    logs = np.array(logs)[n // 10 :]
    times = np.arange(1, logs.shape[0] + 1)
    slopes = [np.polyfit(times, np.cumsum(logs[:, i]), 1)[0] for i in range(3)]
    np.testing.assert_allclose(estimate.exponent, slopes, atol=1e-5)


def test_divergence_is_flagged_and_masked():
    """An expanding linear loop leaves the bound: status 2, NaN from then on, the others untouched."""
    reservoir = _linear_reservoir(size=4, control_scaling=0.0)
    reservoir.w = 1.5 * np.eye(4)
    reservoir.w_in[:] = 0.0
    reservoir.bias[:] = 0.0
    reservoir.w_out = np.array([[0.0, 1.0, 0.0, 0.0, 0.0]])
    r0 = np.array([[1.0, 0, 0, 0], [0.0, 0, 0, 0]])
    run = closed_loop(reservoir, r0, np.zeros(2), n_record=40, bound=10.0)
    assert run.status.tolist() == [2, 0]
    first_bad = int(np.argmax(np.isnan(run.outputs[0, :, 0])))
    assert first_bad > 0 and np.isnan(run.outputs[0, first_bad:]).all()
    assert np.isfinite(run.outputs[0, :first_bad]).all() and np.isfinite(run.outputs[1]).all()


def test_stride_rule_follows_the_spike_width():
    t = np.arange(2000)
    spikes = np.where((t % 200) < 9, 20.0, -60.0)[None]  # 9 samples above threshold per spike
    assert spike_width(spikes, 0.0) == 9
    assert auto_stride(spikes, 0.0, spike_steps=3, max_stride=8) == 3
    assert auto_stride(spikes, 0.0, spike_steps=3, max_stride=2) == 2
    assert auto_stride(spikes, 0.0, spike_steps=20, max_stride=8) == 1
    assert auto_stride(np.full((1, 100), -60.0), 0.0, 3, 8) == 1  # no spike: full resolution


@pytest.mark.parametrize("squares", [False, True])
def test_readout_of_features_is_the_linear_map(squares):
    rng = np.random.default_rng(1)
    reservoir = make_reservoir(3, 10, 0.9, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5, "tanh", squares, rng)
    reservoir.w_out = rng.normal(size=(3, reservoir.n_features))
    r = rng.uniform(-1, 1, (4, 10))
    np.testing.assert_allclose(reservoir.readout(r), reservoir.features(r) @ reservoir.w_out.T, rtol=1e-12)


def test_leak_rates_spread_log_uniformly_between_the_bounds():
    rng = np.random.default_rng(0)
    single = make_reservoir(1, 500, 0.9, 0.1, 0.5, 0.5, 0.0, 0.5, 0.5, "tanh", False, rng)
    assert (single.leak == 0.5).all()
    spread = make_reservoir(1, 500, 0.9, 0.1, 0.5, 0.5, 0.0, 0.5, 0.5, "tanh", False, rng, leak_min=0.005)
    assert 0.005 <= spread.leak.min() < 0.006 and 0.45 < spread.leak.max() <= 0.5
    # log-uniform: the median is near the geometric mean of the bounds
    assert abs(np.log(np.median(spread.leak)) - np.log(np.sqrt(0.005 * 0.5))) < 0.3


def test_slow_leak_rule_follows_the_burst_period():
    assert auto_leak_min(None, 1.0, 10.0) == 1.0  # no bursts: one time scale
    assert auto_leak_min(860.0, 1.0, 10.0) == pytest.approx(10.0 / 860.0)  # srk: bursts of ~860 steps
    assert auto_leak_min(5.0, 0.5, 10.0) == 0.5  # never above the leak rate
    assert auto_leak_min(1e9, 1.0, 10.0) == 1e-3  # nor below the floor
