"""Aggregation of per-seed metrics."""

import json

import numpy as np
import pandas as pd
import pytest

from neurorecon.evaluation.aggregate import aggregate_summaries


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


def _table(surrogate, truth=("rest", "bursting", "bursting", "tonic_spiking"), seen=(False, True, False, False)):
    return pd.DataFrame({"param": [0.0, 1.0, 2.0, 3.0], "seen": list(seen), "truth_regime": list(truth),
                         "surrogate_regime": list(surrogate)})


def test_ensemble_agreement_takes_the_majority_regime_over_seeds():
    from neurorecon.evaluation.aggregate import ensemble_agreement

    tables = [
        _table(["rest", "rest", "bursting", "bursting"]),
        _table(["bursting", "bursting", "bursting", "tonic_spiking"]),
        _table(["rest", "bursting", "rest", "tonic_spiking"]),
    ]
    # unseen values 0, 2, 3: majorities rest (right), bursting (right), tonic_spiking (right)
    assert ensemble_agreement(tables) == 1.0
    # each seed alone gets 2, 2 and 2 of 3 right
    tied = tables[:2]  # value 0: rest vs bursting tie -> the first seed's (rest, right); value 3: bursting (wrong)
    assert ensemble_agreement(tied) == pytest.approx(2 / 3)


def test_aggregate_adds_the_ensemble_agreement_from_the_tables_next_to_the_summaries(tmp_path):
    paths = []
    for seed, surrogate in enumerate((["rest", "rest", "bursting", "bursting"], ["rest", "x", "bursting", "tonic_spiking"])):
        run = tmp_path / f"seed{seed}"
        run.mkdir()
        _table(surrogate).to_csv(run / "metrics.tsv", sep="\t", index=False)
        (run / "metrics.json").write_text(json.dumps({"dataset": "d", "surrogate": "s", "seed": seed,
                                                      "regime_agreement_unseen": 0.5}))
        paths.append(run / "metrics.json")
    table = aggregate_summaries(paths)
    assert table.loc[0, "ensemble_regime_agreement_unseen"] == pytest.approx(2 / 3)


def test_the_ensemble_of_runs_that_passed_the_training_check_is_scored_on_its_own(tmp_path):
    surrogates = (["rest", "rest", "bursting", "bursting"],  # 2 of 3 unseen right
                  ["bursting", "x", "rest", "rest"],  # 0 of 3
                  ["rest", "x", "bursting", "tonic_spiking"])  # 3 of 3
    paths = []
    for seed, (surrogate, passed) in enumerate(zip(surrogates, (False, True, True))):
        run = tmp_path / f"seed{seed}"
        run.mkdir()
        _table(surrogate).to_csv(run / "metrics.tsv", sep="\t", index=False)
        (run / "metrics.json").write_text(json.dumps({"dataset": "d", "surrogate": "s", "seed": seed,
                                                      "regime_agreement_unseen": 0.5,
                                                      "training_check_passed": passed}))
        paths.append(run / "metrics.json")
    table = aggregate_summaries(paths)
    assert table.loc[0, "n_seeds_check_passed"] == 2
    # all three: value 0 rest (right), 2 bursting (right), 3 tie bursting/rest/tonic -> seed 0's (wrong)
    assert table.loc[0, "ensemble_regime_agreement_unseen"] == pytest.approx(2 / 3)
    # seeds 1 and 2 only: value 0 tie -> seed 1's bursting (wrong), 2 tie -> rest (wrong), 3 tie -> rest
    assert table.loc[0, "ensemble_check_passed_regime_agreement_unseen"] == pytest.approx(0.0)
    assert "training_check_passed_median" not in table
    for path in paths:
        data = json.loads(path.read_text())
        path.write_text(json.dumps({**data, "training_check_passed": False}))
    table = aggregate_summaries(paths)
    assert table.loc[0, "n_seeds_check_passed"] == 0
    assert np.isnan(table.loc[0, "ensemble_check_passed_regime_agreement_unseen"])
