"""Settings dataclasses: defaults, building from a config mapping, dotted-key errors."""

import pytest

from neurorecon.surrogates.settings import CheckSettings, SweepSettings
from neurorecon.surrogates.vae_map.settings import LatentSelection, MapSettings, VaeMapSettings, VaeSettings


def test_defaults_and_round_trip():
    defaults = VaeMapSettings()
    assert VaeMapSettings.from_dict({}) == defaults
    assert VaeMapSettings.from_dict(None) == defaults
    assert VaeMapSettings.from_dict(defaults.to_dict()) == defaults
    assert isinstance(defaults.vae.hidden, tuple) and isinstance(defaults.to_dict()["vae"]["hidden"], list)
    assert defaults.map.check == CheckSettings()
    assert set(defaults.to_dict()) == {"vae", "latent", "map"}  # the sweep is the entry's, any family


def test_partial_mapping_overrides_only_given_keys():
    settings = VaeMapSettings.from_dict({"vae": {"epochs": 7, "hidden": [32]}, "map": {"check": {"n_ic": 1}}})
    assert settings.vae.epochs == 7 and settings.vae.hidden == (32,)
    assert settings.vae.beta == VaeSettings().beta
    assert settings.map.check.n_ic == 1 and settings.map.hidden == MapSettings().hidden
    assert settings.vae.max_vectors == VaeSettings().max_vectors
    assert VaeSettings.from_dict({"max_vectors": None}).max_vectors is None
    assert VaeSettings.from_dict({"beta": 0}).beta == 0.0  # an int where a float is expected is fine


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"vea": {}}, r"surrogates\.vae_map\.vea: unknown key"),
        ({"map": {"hiden": 3}}, r"surrogates\.vae_map\.map\.hiden: unknown key"),
        ({"map": {"check": {"steps": 3}}}, r"surrogates\.vae_map\.map\.check\.steps: unknown key"),
        ({"vae": {"epochs": 0}}, r"surrogates\.vae_map\.vae\.epochs: must be >= 1, got 0"),
        ({"vae": {"epochs": 2.5}}, r"surrogates\.vae_map\.vae\.epochs: expected a whole number"),
        ({"vae": {"epochs": True}}, r"surrogates\.vae_map\.vae\.epochs: expected a whole number"),
        ({"vae": {"hidden": [8, "x"]}}, r"surrogates\.vae_map\.vae\.hidden\[1\]: expected a whole number"),
        ({"vae": {"hidden": 8}}, r"surrogates\.vae_map\.vae\.hidden: expected a list"),
        ({"vae": {"activation": "sigmoid"}}, r"surrogates\.vae_map\.vae\.activation: must be silu"),
        ({"vae": {"lr": float("nan")}}, r"surrogates\.vae_map\.vae\.lr: expected a finite number"),
        ({"vae": {"checkpoint_every": 0}}, r"surrogates\.vae_map\.vae\.checkpoint_every: must be >= 1, got 0"),
        ({"map": {"checkpoint_every": -2}}, r"surrogates\.vae_map\.map\.checkpoint_every: must be >= 1, got -2"),
        ({"latent": {"dims": []}}, r"surrogates\.vae_map\.latent\.dims: must be a non-empty list"),
        ({"latent": {"dims": [2, 2]}}, r"surrogates\.vae_map\.latent\.dims: must be a non-empty list of distinct"),
        ({"map": {"coupling": "film"}}, r"surrogates\.vae_map\.map\.coupling: must be one of concat, affine, directional, shift"),
        ({"map": {"horizon_start": 60}}, r"surrogates\.vae_map\.map\.horizon_start: must not exceed"),
        ({"map": {"check": {"transient_steps": 20000}}},
         r"surrogates\.vae_map\.map\.check\.transient_steps: must be below n_steps"),
        ({"sweep": {"n_ic": 0}}, r"surrogates\.vae_map\.sweep: unknown key"),
        ({"map": []}, r"surrogates\.vae_map\.map: expected a mapping"),
    ],
)
def test_bad_values_name_the_dotted_key(mapping, message):
    with pytest.raises(ValueError, match=message):
        VaeMapSettings.from_dict(mapping)


def test_direct_construction_is_checked_and_where_is_configurable():
    with pytest.raises(ValueError, match="rel_tol: must be >= 0"):
        LatentSelection(rel_tol=-1.0)
    with pytest.raises(ValueError, match=r"^cfg\.epochs: must be >= 1"):
        MapSettings.from_dict({"epochs": -1}, where="cfg")


def test_sweep_settings_build_from_a_mapping_with_dotted_key_errors():
    assert SweepSettings.from_dict({"n_ic": 3}, where="surrogates.vm.sweep").n_ic == 3
    with pytest.raises(ValueError, match=r"surrogates\.vm\.sweep\.n_ic: must be >= 1"):
        SweepSettings.from_dict({"n_ic": 0}, where="surrogates.vm.sweep")
