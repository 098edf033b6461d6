"""Settings of the hybrid family: bad values and bad combinations with a dataset's model are named."""

import pytest

from neurorecon.config import ConfigError, validate_config
from neurorecon.models import get_model
from neurorecon.surrogates.hybrid_ode.settings import HybridOdeSettings


@pytest.mark.parametrize(("mapping", "message"), [
    ({"warmup": 1.0, "segments": [1.0, 2.0]}, "warmup: .* must be shorter than every segment"),
    ({"segments": [2.0, 1.5]}, "segments: must increase"),
    ({"mode": "blackbox"}, "mode: must be one of gates, latent"),
    ({"mode": "latent", "learned_gates": ["n"]}, "learned_gates: is a gates-mode setting"),
    ({"tau_floor": 0.5, "tau_init": 0.2}, "tau_floor: must be below tau_init"),
    ({"substeps": 0}, "substeps: must be >= 1"),
])
def test_bad_settings_are_named(mapping, message):
    with pytest.raises(ValueError, match=message):
        HybridOdeSettings.from_dict(mapping, where="surrogates.h.settings")


def test_problems_with_the_model():
    assert HybridOdeSettings().problems_with_model(get_model("hh")) == []
    assert HybridOdeSettings(mode="latent").problems_with_model(get_model("fitzhugh_nagumo")) == []
    [(key, problem)] = HybridOdeSettings().problems_with_model(get_model("srk"))
    assert key == "datasets" and "not" not in problem[:10] and "injected current" in problem
    [(key, problem)] = HybridOdeSettings().problems_with_model(get_model("hindmarsh_rose"))
    assert key == "settings.mode" and "use mode: latent" in problem
    [(key, problem)] = HybridOdeSettings(learned_gates=("q",)).problems_with_model(get_model("hh"))
    assert key == "settings.learned_gates" and "'q'" in problem and "m, h, n" in problem


def _config(model: str, settings: dict) -> dict:
    return {"datasets": {"d": {"model": model, "train": {"values": {"srk": [-40.0], "hh": [10.0]}[model]},
                               "heldout": {"hh": {"start": 0.0, "stop": 20.0, "num": 5},
                                           "srk": {"start": -48.0, "stop": -24.0, "num": 5}}[model]}},
            "surrogates": {"h": {"kind": "hybrid_ode", "datasets": ["d"], "settings": settings}}}


def test_the_config_refuses_a_dataset_whose_control_is_not_a_current():
    with pytest.raises(ConfigError, match=r"surrogates\.h\.datasets\[0\]: hybrid_ode needs a control that is an "
                                          r"injected current.*'srk'"):
        validate_config(_config("srk", {}))


def test_the_config_refuses_an_undeclared_gate():
    with pytest.raises(ConfigError, match=r"surrogates\.h\.settings\.learned_gates: model 'hh' declares no kinetic "
                                          r"gate 'k'"):
        validate_config(_config("hh", {"learned_gates": ["k"]}))


def test_the_config_refuses_a_warmup_longer_than_a_segment():
    with pytest.raises(ConfigError, match=r"surrogates\.h\.settings\.warmup"):
        validate_config(_config("hh", {"warmup": 3.0, "segments": [2.0]}))
