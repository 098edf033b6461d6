"""The logistic family x[n+1] = r x[n] (1 - x[n]) with its parameter r as the control: a
parameter-aware reservoir trained at four values of r reproduces the map at values it never saw,
one step at a time and in its long-run behaviour (period 2 against chaos).

Training values: 3.2 (period 2), 3.5 (period 4), 3.8 and 3.9 (chaos). Held out: 3.4 (period 2,
largest Lyapunov exponent ln|4 + 2r - r^2| / 2 = -0.14 per step) and 3.6 (chaos, exponent 0.18).
The nearest training value of both is 3.5, of period 4: neither the nearest training regime nor a
reservoir that is blind to r (warmed up at 3.5) gives both regimes, so the checks can fail; the
blind reservoir is run through them as the negative control.
"""

import numpy as np
import pytest

from neurorecon.surrogates.reservoir.family import ReservoirSurrogate
from neurorecon.surrogates.reservoir.settings import ReservoirSettings

TRAIN = (3.2, 3.5, 3.8, 3.9)
PERIOD_TWO, CHAOS = 3.4, 3.6
SETTINGS = dict(size=200, leak_rate=1.0, spectral_radius=0.5, input_scaling=1.0, control_scaling=0.5,
                ridge=[1e-9], washout=50, input_noise=[0.0], readout_squares=True, warmup=50, n_anchors=4, stride=1)
ONE_STEP_TOLERANCE = 0.01
"""RMS one-step error allowed at an unseen r (the map's values span [0, 1]; a map at the nearest
training value errs by |dr| x (1 - x) ~ 0.02 for dr = 0.1)."""


def logistic(r: float, n: int, x0: float) -> np.ndarray:
    x = np.empty(n)
    x[0] = x0
    for i in range(n - 1):
        x[i + 1] = r * x[i] * (1.0 - x[i])
    return x


def true_lyapunov(r: float) -> float:
    x = logistic(r, 40_000, 0.3)[2_000:]
    return float(np.mean(np.log(np.abs(r * (1.0 - 2.0 * x)))))


def fit(control_scaling: float) -> ReservoirSurrogate:
    rng = np.random.default_rng(0)
    rows = np.array([logistic(r, 3_000, rng.uniform(0.2, 0.8)) for r in TRAIN for _ in range(2)])
    settings = ReservoirSettings.from_dict({**SETTINGS, "control_scaling": control_scaling})
    return ReservoirSurrogate.fit(rows, np.array(TRAIN), np.repeat(np.arange(len(TRAIN)), 2),
                                  {"sample_dt": 1.0, "spike_threshold": 0.5}, settings, seed=0)


@pytest.fixture(scope="module")
def aware():
    return fit(control_scaling=0.5)


@pytest.fixture(scope="module")
def blind():
    return fit(control_scaling=0.0)


def one_step_rms(surrogate: ReservoirSurrogate, r: float) -> float:
    """RMS error of one-step forecasts from 60 histories of a trajectory at r (each forecast warms
    the reservoir up on the whole history, then predicts the next value)."""
    x = logistic(r, 500, 0.31)
    ends = np.arange(100, 400, 5)
    predicted = np.array([surrogate.forecast(x[None, :end], np.array([r]), 1)[0, 0] for end in ends])
    return float(np.sqrt(np.mean((predicted - x[ends]) ** 2)))


def long_run(surrogate: ReservoirSurrogate, r: float):
    result = surrogate.rollout(np.array([r]), n_ic=2, n_steps=400, transient_steps=1_000, seed=0, lyapunov_steps=3_000)
    return result.observed[0].astype(np.float64), result.lyapunov.exponent[0]


def period_two(trace: np.ndarray) -> bool:
    return bool(np.abs(trace[2:] - trace[:-2]).max() < 1e-3 and np.abs(trace[1:] - trace[:-1]).min() > 0.1)


@pytest.mark.parametrize("r", [PERIOD_TWO, CHAOS])
def test_one_step_outputs_at_an_unseen_r(aware, r):
    assert one_step_rms(aware, r) < ONE_STEP_TOLERANCE


def test_period_two_at_an_unseen_r(aware):
    traces, exponents = long_run(aware, PERIOD_TWO)
    assert all(period_two(trace) for trace in traces)
    assert (exponents < -0.02).all()
    # the two points of the cycle: x = (r + 1 +- sqrt((r + 1)(r - 3))) / (2 r)
    r = PERIOD_TWO
    cycle = np.sort([(r + 1 + s * np.sqrt((r + 1) * (r - 3))) / (2 * r) for s in (-1, 1)])
    np.testing.assert_allclose(np.sort(traces[0, -2:]), cycle, atol=0.01)


def test_chaos_at_an_unseen_r(aware):
    traces, exponents = long_run(aware, CHAOS)
    assert not any(period_two(trace) for trace in traces)
    assert (exponents > 0.05).all()
    np.testing.assert_allclose(exponents, true_lyapunov(CHAOS), atol=0.1)


def test_a_reservoir_blind_to_r_fails_the_regime_checks(blind):
    """The negative control: without the control channel one reservoir serves every r; its long
    runs cannot be of period 2 at one held-out value and chaotic at the other. (Its one-step
    forecasts may still be good: a history of the logistic map reveals r, x[n+1] / (x[n] (1 - x[n])).)"""
    low, _ = long_run(blind, PERIOD_TWO)
    high, _ = long_run(blind, CHAOS)
    assert not (all(period_two(trace) for trace in low) and not any(period_two(trace) for trace in high))
