"""The vae_map ensemble (``map.ensemble`` K): which candidates become members, which member runs
which trajectory, and that an ensemble surrogate keeps its members through save and load.

Member assignment is checked on exactly solvable members: windows of cos(w n) advanced by the exact
linear map of each member's own frequency, and linear contractions z -> a z whose Lyapunov exponent
is log |a| per step.
"""

import json

import numpy as np
import pytest
import torch
from torch import nn

from neurorecon.surrogates import load_surrogate
from neurorecon.surrogates.settings import SettingsError, SweepSettings
from neurorecon.surrogates.training import load_checkpoint
from neurorecon.surrogates.vae_map.embedding import EmbeddingSpec, Scaler
from neurorecon.surrogates.vae_map.family import VaeMapInfo, VaeMapSurrogate
from neurorecon.surrogates.vae_map.map_model import MapArchitecture, NeuralMap
from neurorecon.surrogates.vae_map.rollout_check import TrainingValueCheck
from neurorecon.surrogates.vae_map.settings import MapSettings, VaeMapSettings
from neurorecon.surrogates.vae_map.stages import ensemble_members, train_map

from .test_family import DIM, _identity_vae
from .test_stages import MAP, trained  # noqa: F401 (the module fixture)


class CosineWindowMap(nn.Module):
    """z = (x[n-2], x[n-1], x[n]) -> (x[n-1], x[n], 2 cos(w) x[n] - x[n-1]) for x = cos(w n)."""

    def __init__(self, omega: float) -> None:
        super().__init__()
        self.omega = omega

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return torch.stack([z[:, 1], z[:, 2], 2 * np.cos(self.omega) * z[:, 2] - z[:, 1]], dim=-1)


class Contraction(nn.Module):
    """z -> a z: every Lyapunov exponent is log |a| per step."""

    def __init__(self, a: float) -> None:
        super().__init__()
        self.a = a

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return self.a * z


def _surrogate(members: tuple[nn.Module, ...]) -> VaeMapSurrogate:
    info = VaeMapInfo([0.0], {"sample_dt": 1.0}, ic_noise=0.0, bound=10.0)
    surrogate = VaeMapSurrogate(
        _identity_vae(), NeuralMap(MapArchitecture(DIM, 4, 1)), EmbeddingSpec(DIM, 1), Scaler(0.0, 1.0),
        Scaler(0.0, 1.0), torch.zeros(DIM), torch.ones(DIM), torch.zeros(1, DIM), info)
    surrogate.net, surrogate.members = members[0], tuple(members[1:])  # plain modules as the maps
    return surrogate


def test_members_are_the_passing_candidates_best_ranked_first_else_the_single_best():
    keys = [(1.0, -0.5), (3.0, -0.2), (2.0, -0.1), (3.0, -0.1)]
    assert ensemble_members(keys, [True, True, False, True], 2) == [3, 1]
    assert ensemble_members(keys, [True, True, False, True], 5) == [3, 1, 0]  # fewer passed than asked
    assert ensemble_members(keys, [False] * 4, 3) == [3]  # none passed: the best-ranked alone
    assert ensemble_members(keys, [True] * 4, 1) == [3]


def test_batch_row_r_is_run_by_member_r_mod_k():
    omegas = (0.3, 0.7, 1.1)
    surrogate = _surrogate(tuple(CosineWindowMap(w) for w in omegas))
    n_rows, n_steps = 7, 30
    z0 = torch.tensor([[np.cos(-2 * w), np.cos(-w), 1.0] for w in [omegas[r % 3] for r in range(n_rows)]],
                      dtype=torch.float32)
    observed, status = surrogate.run(z0, np.zeros(n_rows), n_steps, 0)
    assert observed.shape == (n_rows, n_steps) and not status.any()
    n = np.arange(1, n_steps + 1)
    for row in range(n_rows):
        np.testing.assert_allclose(observed[row], np.cos(omegas[row % 3] * n), atol=1e-4)


def test_lyapunov_exponent_of_each_row_is_its_members():
    rates = (0.5, 0.9)
    surrogate = _surrogate(tuple(Contraction(a) for a in rates))
    estimate = surrogate.lyapunov(torch.ones(5, DIM), np.zeros(5), n_steps=200)
    expected = [np.log(rates[row % 2]) for row in range(5)]
    np.testing.assert_allclose(estimate.exponent, expected, rtol=1e-4)
    assert estimate.spectrum.shape == (5, 1) and estimate.converged.all()


def test_ensemble_training_keeps_the_first_k_passing_candidates_and_saves_them(trained, tmp_path,  # noqa: F811
                                                                                monkeypatch):
    def judge(self, surrogate):  # every checkpoint passes
        return (1.0, 0.0), {"passed": True, "check_traces_passed": 1, "report": {"passed": True}}

    monkeypatch.setattr(TrainingValueCheck, "judge", judge)
    settings = MapSettings(**{**MAP.__dict__, "candidates": 3, "ensemble": 2})
    outputs = train_map(trained["store"], trained["root"] / "vae2" / "vae", settings, seed=3, device="cpu",
                        out_dir=tmp_path)
    check = json.loads(outputs.check.read_text())
    assert [c["candidate"] for c in check["candidates"]] == [0, 1]  # the third is never trained
    assert check["ensemble"] == {"size": 2, "members": [0, 1]}
    states, metadata = load_checkpoint(outputs.checkpoint)
    assert set(states) == {"vae", "map", "map_member1", "latent"} and metadata["ensemble_candidates"] == [0, 1]
    surrogate = load_surrogate(tmp_path, "cpu")
    assert len(surrogate.nets) == 2
    for net, state in zip(surrogate.nets, [states["map"], states["map_member1"]]):
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, state[name])
    rollout = surrogate.rollout(np.array([1.0, 2.0]), n_ic=4, n_steps=50, transient_steps=10, seed=0)
    again = load_surrogate(tmp_path, "cpu").rollout(np.array([1.0, 2.0]), n_ic=4, n_steps=50, transient_steps=10,
                                                    seed=0)
    np.testing.assert_array_equal(rollout.observed, again.observed)


def test_an_ensemble_larger_than_its_candidates_is_refused():
    with pytest.raises(SettingsError, match="candidates: must be at least ensemble"):
        MapSettings(candidates=2, ensemble=3)


def test_a_sweep_whose_initial_states_do_not_split_evenly_over_the_members_is_refused():
    settings = VaeMapSettings.from_dict({"map": {"ensemble": 3, "candidates": 6}})
    assert settings.problems_with_sweep(SweepSettings(n_ic=6)) == []
    [(key, problem)] = settings.problems_with_sweep(SweepSettings(n_ic=4))
    assert key == "n_ic" and "multiple of settings.map.ensemble (3)" in problem

