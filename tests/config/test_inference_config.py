"""The opt-in ``inference`` block: validated with every default filled in, every bad key named, and
absent from the default study."""

import pytest
import yaml

from neurorecon.config import ConfigError, validate_config
from neurorecon.inference.settings import InferenceSettings

from ..conftest import ROOT

DATASETS = {"fhn": {"model": "fitzhugh_nagumo", "train": {"values": [0.5]},
                    "heldout": {"start": 0.0, "stop": 1.0, "num": 3}}}


def test_defaults_are_filled_in_and_round_trip():
    block = validate_config({"datasets": DATASETS, "inference": {"network": {"architecture": "transformer"}}})["inference"]
    settings = InferenceSettings.from_dict(block, where="inference")
    assert settings.network.architecture == "transformer" and settings.sampling.model == "stg"
    assert settings.to_dict() == block


@pytest.mark.parametrize(("block", "message"), [
    ({"network": {"architecture": "lstm"}}, "inference.network.architecture: must be 'gru' or 'transformer'"),
    ({"network": {"architecture": "transformer", "width": 10, "heads": 4}}, "inference.network.heads: must divide"),
    ({"training": {"epochs": 0}}, "inference.training.epochs: must be >= 1"),
    ({"sampling": {"g_s": [4.0, -6.0]}}, "inference.sampling.g_s: expected [low, high]"),
    ({"sampling": {"model": "nope"}}, "inference.sampling.model:"),
    ({"sampling": {"model": "hh"}}, "inference.sampling.model:"),
    ({"sampling": {"free": ["gCaS", "gXY"], "ranges": []}}, "inference.sampling.free[1]: 'gXY' is not a maximal"),
    ({"sampling": {"ranges": [{"name": "gNa", "low": 1.0, "high": 2.0}]}}, "inference.sampling.ranges: no range for"),
    ({"sampling": {"ranges": [{"name": "gNa", "low": 3.0, "high": 2.0}]}}, "inference.sampling.ranges[0].low:"),
    ({"sampling": {"duration": 100.0}}, "inference.sampling.duration: 100 ms is too short"),
    ({"seed": 4, "test_seed": 4}, "inference.test_seed: must differ from seed"),
    ({"sizes": [5, 10**9]}, "inference.sizes[1]: must be in [1, 8000]"),
    ({"twins": {"n_twins": 5, "draws": 2}}, "inference.twins.draws: must be >= n_twins"),
    ({"chunk_size": 2.5}, "inference.chunk_size: expected a whole number"),
    ({"typo": 1}, "inference.typo: unknown key"),
])
def test_a_bad_key_is_named(block, message):
    with pytest.raises(ConfigError, match="config key " + message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        validate_config({"datasets": DATASETS, "inference": block})


def test_the_default_study_has_no_inference_block_and_the_paper_study_has_one():
    assert "inference" not in yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert "inference" in yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    assert "inference" in yaml.safe_load((ROOT / "config" / "paper_tiny.yaml").read_text())
