"""Lyapunov exponents against systems with known values."""

import math

import numba
import numpy as np
import pytest
import torch

from neurorecon.dynamics.lyapunov import lyapunov_map, lyapunov_ode, lyapunov_ode_adaptive, lyapunov_torch_map
from neurorecon.simulate.kernels import advance


@numba.njit
def lorenz(y, p, dydt):
    """Lorenz system; p = (sigma, rho, beta)."""
    dydt[0] = p[0] * (y[1] - y[0])
    dydt[1] = y[0] * (p[1] - y[2]) - y[1]
    dydt[2] = y[0] * y[1] - p[2] * y[2]


@numba.njit
def planar(y, p, dydt):
    """dx = a x - w y - c x r^2, dy = w x + b y - c y r^2; p = (a, b, w, c).

    a = b = 1, w = 1, c = 1: Hopf normal form with a stable limit cycle r = 1 (exponents 0, -2).
    w = 0, c = 0: linear system with eigenvalues a and b.
    """
    r2 = y[0] * y[0] + y[1] * y[1]
    dydt[0] = p[0] * y[0] - p[2] * y[1] - p[3] * y[0] * r2
    dydt[1] = p[2] * y[0] + p[1] * y[1] - p[3] * y[1] * r2


def on_attractor(rhs, y0, params, dt, steps):
    y = np.array(y0, dtype=np.float64)
    status = np.zeros(len(y), dtype=np.int8)
    advance(rhs, y, np.ascontiguousarray(params), status, dt, steps, 1, 1e6)
    return y


def two_trajectory(method, rhs, y0, params, dt, renorm_steps, n_renorm, **kwargs):
    """lyapunov_ode, or lyapunov_ode_adaptive with the same renormalisation interval."""
    if method == "rk4":
        return lyapunov_ode(rhs, y0, params, dt=dt, renorm_steps=renorm_steps, n_renorm=n_renorm, **kwargs)
    return lyapunov_ode_adaptive(rhs, y0, params, interval=dt * renorm_steps, n_renorm=n_renorm, **kwargs)


METHODS = pytest.mark.parametrize("method", ["rk4", "dopri5"])


@METHODS
def test_lorenz_largest_exponent(method):
    params = np.tile([10.0, 28.0, 8.0 / 3.0], (4, 1))
    start = np.random.default_rng(1).uniform(-10, 10, (4, 3)) + [0, 0, 25]
    y0 = on_attractor(lorenz, start, params, 0.01, 2000)
    est = two_trajectory(method, lorenz, y0, params, dt=0.01, renorm_steps=10, n_renorm=5000)
    assert est.exponent.shape == (4,)
    assert np.all(est.stderr < 0.05)
    assert abs(est.exponent.mean() - 0.906) < 0.05 * 0.906


@METHODS
def test_limit_cycle_exponent_is_zero(method):
    params = np.array([[1.0, 1.0, 1.0, 1.0]])
    est = two_trajectory(method, planar, [[1.0, 0.0]], params, dt=0.01, renorm_steps=50, n_renorm=400)
    assert abs(est.exponent[0]) < 0.02
    assert est.converged[0]


@METHODS
def test_stable_equilibrium_has_the_slowest_eigenvalue(method):
    params = np.array([[-1.0, -2.0, 0.0, 0.0], [-0.5, -0.5, 1.0, 0.0]])
    est = two_trajectory(method, planar, [[1.0, 1.0], [0.3, -0.2]], params, dt=0.01, renorm_steps=20, n_renorm=200)
    np.testing.assert_allclose(est.exponent, [-1.0, -0.5], atol=1e-3)


@METHODS
def test_divergent_trajectory_gives_nan(method):
    params = np.array([[1.0, 1.0, 0.0, 0.0], [-1.0, -1.0, 0.0, 0.0]])
    y0 = [[1.0, 1.0], [1.0, 1.0]]
    est = two_trajectory(method, planar, y0, params, dt=0.01, renorm_steps=100, n_renorm=40, bound=1e3)
    assert np.isnan(est.exponent[0]) and not est.converged[0]
    assert est.exponent[1] == pytest.approx(-1.0, abs=1e-3)


@METHODS
def test_non_finite_start_gives_nan(method):
    params = np.array([[-1.0, -1.0, 0.0, 0.0], [-1.0, -1.0, 0.0, 0.0]])
    est = two_trajectory(method, planar, [[np.nan, 1.0], [1.0, 1.0]], params, dt=0.01, renorm_steps=10, n_renorm=20)
    assert np.isnan(est.exponent[0]) and est.exponent[1] == pytest.approx(-1.0, abs=1e-3)


def henon(z, p):
    return np.stack([1.0 - p[:, 0] * z[:, 0] ** 2 + z[:, 1], p[:, 1] * z[:, 0]], axis=1)


def henon_jacobian(z, p):
    jac = np.zeros((len(z), 2, 2))
    jac[:, 0, 0] = -2.0 * p[:, 0] * z[:, 0]
    jac[:, 0, 1] = 1.0
    jac[:, 1, 0] = p[:, 1]
    return jac


def test_henon_numpy():
    params = np.tile([1.4, 0.3], (8, 1))
    z0 = np.random.default_rng(0).uniform(-0.1, 0.1, (8, 2))
    est = lyapunov_map(henon, henon_jacobian, z0, params, n_iter=20_000, n_exponents=2)
    assert abs(est.exponent.mean() - 0.419) < 0.03 * 0.419
    # the exponents sum to log|det J| = log(b)
    np.testing.assert_allclose(est.spectrum.sum(axis=1), math.log(0.3), rtol=1e-9)
    # per unit time when one iteration stands for 0.5 time units
    half = lyapunov_map(henon, henon_jacobian, z0, params, n_iter=20_000, step=0.5)
    np.testing.assert_allclose(half.exponent, 2.0 * est.exponent, rtol=1e-9)


def test_henon_torch():
    def henon_torch(z, p):
        return torch.stack([1.0 - p[:, 0] * z[:, 0] ** 2 + z[:, 1], p[:, 1] * z[:, 0]], dim=1)

    params = torch.tensor([[1.4, 0.3]], dtype=torch.float64).repeat(8, 1)
    z0 = torch.as_tensor(np.random.default_rng(0).uniform(-0.1, 0.1, (8, 2)))
    est = lyapunov_torch_map(henon_torch, z0, params, n_iter=5_000)
    assert abs(est.exponent.mean() - 0.419) < 0.03 * 0.419
    reference = lyapunov_map(henon, henon_jacobian, z0.numpy(), params.numpy(), n_iter=5_000)
    np.testing.assert_allclose(est.exponent, reference.exponent, rtol=1e-6)


def test_torch_network_map_runs_and_diverged_rows_are_nan():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))

    def contracting(z, p):
        return 0.5 * torch.tanh(net(torch.cat([z, p], dim=1))) + 0.1 * z * p

    params = torch.tensor([[1.0], [40.0]])
    est = lyapunov_torch_map(contracting, torch.zeros(2, 2), params, n_iter=200)
    assert np.isfinite(est.exponent[0]) and est.exponent[0] < 0
    assert np.isnan(est.exponent[1])


@METHODS
def test_strong_contraction_below_rounding_stays_finite(method):
    params = np.array([[-100.0, -200.0, 0.0, 0.0]])
    est = two_trajectory(method, planar, [[1.0, 1.0]], params, dt=0.001, renorm_steps=1000, n_renorm=40)
    # separations vanish within one interval: the estimate is bounded near log(eps / d0) per interval
    assert np.isfinite(est.exponent[0]) and est.exponent[0] < -10.0
