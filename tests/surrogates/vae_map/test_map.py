"""Neural map: learns a known parameter-dependent map (logistic family), free runs, horizon ramp."""

import numpy as np
import pytest
import torch

from neurorecon.io.stores import STATUS_FLAGS
from neurorecon.surrogates.free_run import free_run
from neurorecon.surrogates.training import generator, seed_everything
from neurorecon.surrogates.vae_map.map_model import COUPLINGS, MapArchitecture, NeuralMap
from neurorecon.surrogates.vae_map.map_training import LatentSeries, fit_map, horizon
from neurorecon.surrogates.vae_map.settings import COUPLING_NAMES, MapSettings

TRAIN_R = np.array([2.8, 3.1, 3.3, 3.5])  # fixed point, period 2, period 2, period 4


def _logistic_series(n_per_value=64, n_time=30, seed=0):
    """Short logistic-map trajectories x -> r x (1 - x) from random starts, per training r."""
    rng = np.random.default_rng(seed)
    r = np.repeat(TRAIN_R, n_per_value)
    x = np.empty((r.size, n_time))
    x[:, 0] = rng.uniform(0.05, 0.95, r.size)
    for t in range(1, n_time):
        x[:, t] = r * x[:, t - 1] * (1 - x[:, t - 1])
    return LatentSeries(torch.tensor(x[:, :, None], dtype=torch.float32),
                        torch.tensor(_scaled(r), dtype=torch.float32))


def _scaled(r):
    return (np.asarray(r) - TRAIN_R.mean()) / TRAIN_R.std()


@pytest.fixture(scope="module", params=["concat", "affine", "directional"])
def logistic_map(request):
    seed_everything(0, torch.device("cpu"))
    settings = MapSettings(
        hidden=32, depth=2, coupling=request.param, epochs=30, batches_per_epoch=40, batch_size=64,
        horizon_start=1, horizon_max=4, ramp_epochs=5, lr=3e-3, check_from_epoch=20, patience=30,
    )
    records = []
    fit = fit_map(_logistic_series(), settings, generator(0), records.append)
    assert len(records) == 30 and records[-1].val_loss < records[0].val_loss
    return fit.net


def _true_orbit(r, n_transient=500, n=8):
    x = 0.3
    for _ in range(n_transient):
        x = r * x * (1 - x)
    orbit = []
    for _ in range(n):
        x = r * x * (1 - x)
        orbit.append(x)
    return np.array(orbit)


def test_one_step_error_is_small_at_training_values(logistic_map):
    fresh = _logistic_series(n_per_value=16, seed=1)  # new trajectories, same distribution
    start, target = fresh.z[:, :-1].reshape(-1, 1), fresh.z[:, 1:].reshape(-1, 1)
    p = fresh.p[:, None].expand(-1, fresh.z.shape[1] - 1).reshape(-1, 1)
    with torch.no_grad():
        error = logistic_map(start, p) - target
    increment = target - start
    assert error.pow(2).mean().sqrt() < 0.1 * increment.pow(2).mean().sqrt()  # about 0.03 in x


@pytest.mark.parametrize("r", [2.95, 3.4])  # unseen: a fixed point, a period-2 cycle
def test_bifurcation_behaviour_at_an_unseen_value(logistic_map, r):
    p = torch.full((1, 1), float(_scaled(r)))
    run = free_run(logistic_map, torch.tensor([[0.3]]), p, n_steps=8, transient_steps=500)
    assert run.status.tolist() == [0]
    orbit = run.z[0, :, 0].numpy()
    truth = _true_orbit(r)
    if r < 3.0:
        assert np.ptp(orbit) < 0.01 and abs(orbit.mean() - (1 - 1 / r)) < 0.03
    else:  # same two points, alternating (compare up to the phase of the cycle)
        assert np.ptp(orbit) > 0.3
        assert min(np.abs(orbit - truth).max(), np.abs(orbit - np.roll(truth, 1)).max()) < 0.04


def test_free_run_records_and_flags_divergent_trajectories():
    def step(z, p):
        return z * p

    z0 = torch.ones(4, 2)
    p = torch.tensor([[0.5], [3.0], [float("nan")], [1.0]])
    run = free_run(step, z0, p, n_steps=10, transient_steps=0, bound=100.0)
    assert run.z.shape == (4, 10, 2)
    expected = [STATUS_FLAGS["ok"], STATUS_FLAGS["unbounded"], STATUS_FLAGS["nonfinite"], STATUS_FLAGS["ok"]]
    assert run.status.tolist() == expected
    assert torch.allclose(run.z[0, :, 0], 0.5 ** torch.arange(1, 11.0))  # first record: after one step
    assert torch.equal(run.z[3], torch.ones(10, 2))


def test_free_run_finds_divergence_during_the_transient():
    def step(z, p):
        return z * p

    z0 = torch.ones(2, 1)
    p = torch.tensor([[1.1], [0.9]])
    run = free_run(step, z0, p, n_steps=5, transient_steps=600, bound=1e6)  # 1.1**600 ~ 1e25
    assert run.status.tolist() == [STATUS_FLAGS["unbounded"], STATUS_FLAGS["ok"]]


def test_horizon_ramps_geometrically_to_the_maximum():
    settings = MapSettings(horizon_start=2, horizon_max=50, ramp_epochs=5, epochs=8)
    ks = [horizon(epoch, settings) for epoch in range(1, 9)]
    assert ks[0] == 2 and ks[4:] == [50] * 4
    assert all(a <= b for a, b in zip(ks, ks[1:]))


def test_unknown_coupling_is_rejected():
    with pytest.raises(ValueError, match="coupling"):
        NeuralMap(MapArchitecture(2, 8, 1, "silu", "multiplicative"))


def test_the_settings_know_every_coupling():
    assert set(COUPLING_NAMES) == set(COUPLINGS)


def _control_effect(coupling):
    """f(z, p=1.5) - f(z, p=-0.5) at 6 random states, (6, 3), for an untrained coupling."""
    torch.manual_seed(1)
    net = NeuralMap(MapArchitecture(3, 16, 2, "silu", coupling))
    with torch.no_grad():
        for parameter in net.f.parameters():  # give the zero-initialised shift something to show
            parameter.add_(0.3 * torch.randn_like(parameter))
        z = torch.randn(6, 3)
        ones = torch.ones(6, 1)
        return net.f(z, 1.5 * ones) - net.f(z, -0.5 * ones), net.f


def test_the_directional_coupling_moves_states_along_one_direction_only():
    effect, f = _control_effect("directional")
    direction = f.direction.detach() / f.direction.detach().norm()
    parallel = effect @ direction
    assert torch.allclose(effect, parallel[:, None] * direction, atol=1e-6)
    assert parallel.abs().min() > 0  # the gain depends on the state ...
    assert parallel.std() > 1e-3     # ... and is not a constant


def test_the_shift_coupling_adds_the_same_increment_at_every_state():
    effect, f = _control_effect("shift")
    assert torch.allclose(effect, 2.0 * f.shift.detach().expand(6, -1), atol=1e-6)
    assert effect.abs().max() > 0


def test_pieces_stay_inside_one_segment():
    z = (100 * torch.arange(3.0)[:, None] + torch.arange(20.0)[None, :])[:, :, None]
    series = LatentSeries(z, torch.tensor([-1.0, 0.0, 1.0]))
    pieces, p = series.pieces(500, 6, generator(1))
    assert pieces.shape == (500, 6, 1) and p.shape == (500, 1)
    segment = torch.div(pieces[..., 0], 100, rounding_mode="floor")
    assert (segment == segment[:, :1]).all()
    assert (pieces[:, 1:, 0] - pieces[:, :-1, 0] == 1).all()
    assert torch.equal(p[:, 0], segment[:, 0] - 1)
    with pytest.raises(ValueError, match="do not fit"):
        series.pieces(1, 21, generator(1))


def _tiny_settings(**changes):
    base = dict(hidden=8, depth=1, epochs=3, batches_per_epoch=2, batch_size=8, horizon_start=1, horizon_max=2,
                ramp_epochs=0, check_from_epoch=1, patience=100)
    return MapSettings(**{**base, **changes})


def test_judge_selects_the_checkpoint_and_extra_epochs_run_until_one_passes():
    series = _logistic_series(n_per_value=4)
    verdicts = iter([False, False, False, False, True, False, False])

    def judge(net):
        passed = next(verdicts)
        return (float(passed),), {"passed": passed}

    seed_everything(0, torch.device("cpu"))
    fit = fit_map(series, _tiny_settings(extra_epochs=10), generator(0), lambda record: None, judge)
    assert [epoch for epoch, _ in fit.judged] == [1, 2, 3, 4, 5]  # stops after the first pass
    assert fit.selected_epoch == 5 and fit.report == {"passed": True}

    never = fit_map(series, _tiny_settings(extra_epochs=2), generator(0), lambda record: None,
                    lambda net: ((0.0,), {"passed": False}))
    assert len(never.records) == 5  # 3 planned + 2 extra, then gives up with the best ranked one


@pytest.mark.parametrize("stop_at_first_pass, judged", [(True, [1, 2]), (False, [1, 2, 3])])
def test_training_stops_at_the_first_pass_only_when_asked(stop_at_first_pass, judged):
    series = _logistic_series(n_per_value=4)
    verdicts = iter([False, True, False])

    def judge(net):
        passed = next(verdicts)
        return (float(passed),), {"passed": passed}

    seed_everything(0, torch.device("cpu"))
    fit = fit_map(series, _tiny_settings(stop_at_first_pass=stop_at_first_pass), generator(0),
                  lambda record: None, judge)
    assert [epoch for epoch, _ in fit.judged] == judged
    assert fit.selected_epoch == 2 and fit.report == {"passed": True}


@pytest.mark.parametrize("coupling", sorted(COUPLINGS))
@pytest.mark.parametrize("activation", ["silu", "tanh", "gelu", "relu"])
def test_inference_step_gives_the_same_numbers_as_the_module(coupling, activation):
    torch.manual_seed(0)
    net = NeuralMap(MapArchitecture(3, 16, 2, activation, coupling)).eval()
    net.step_scale.copy_(torch.tensor([0.1, 0.2, 0.3]))
    z, p = torch.randn(5, 3), torch.randn(5, 1)
    step = net.inference_step()
    with torch.no_grad():
        assert torch.equal(step(z, p), net(z, p))
        for parameter in net.parameters():  # weights are captured by reference: updates are seen
            parameter.mul_(0.5)
        assert torch.equal(step(z, p), net(z, p))
