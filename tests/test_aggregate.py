"""Aggregation of per-seed metrics."""

import json

import numpy as np
import pytest

from neurorecon.aggregate import aggregate_summaries


def _write(tmp_path, seed, agreement, error):
    path = tmp_path / f"m{seed}.json"
    path.write_text(json.dumps({
        "dataset": "srk", "surrogate": "vae_map", "seed": str(seed),
        "regime_agreement_unseen": agreement,
        "transitions": [{"kind": "rest->bursting", "truth": -44.7, "surrogate": None, "error": error}],
    }))
    return path


def test_median_and_spread_over_seeds(tmp_path):
    paths = [_write(tmp_path, 0, 0.5, 1.0), _write(tmp_path, 1, 0.9, None), _write(tmp_path, 2, 1.0, -0.5)]
    table = aggregate_summaries(paths)
    assert len(table) == 1 and table.loc[0, "n_seeds"] == 3
    assert table.loc[0, "regime_agreement_unseen_median"] == pytest.approx(0.9)
    assert table.loc[0, "regime_agreement_unseen_min"] == pytest.approx(0.5)
    assert table.loc[0, "transition_rest->bursting_error_median"] == pytest.approx(0.25)  # NaN left out
    assert np.isfinite(table.loc[0, "transition_rest->bursting_error_max"])


def test_no_files_is_an_error():
    with pytest.raises(ValueError, match="no metrics"):
        aggregate_summaries([])
