"""The benchmark tables, verdicts and landing block on the hand-made results tree (results_tree.py),
whose every number is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurorecon.evaluation.baseline import NAME
from neurorecon.evaluation.benchmark import (
    build_benchmark,
    dataset_verdicts,
    family_verdict,
    grid_step,
    read_baseline,
    read_benchmark,
    read_run,
    training_time,
)
from neurorecon.evaluation.landing import LANDING_COLUMNS, display_table, landing_rst, markdown_table
from neurorecon.figures.benchmark import agreement_grid, benchmark_figure
from neurorecon.io.stores import write_table

from .results_tree import FAMILIES, UNITS, make_tree


@pytest.fixture
def tree(tmp_path):
    paths = make_tree(tmp_path / "results")
    baselines = {path.parent.parent.name: read_baseline(path, units=UNITS[path.parent.parent.name])
                 for path in paths["baselines"]}
    runs = [read_run(path, FAMILIES[path.parent.parent.name]) for path in paths["runs"]]
    return tmp_path / "results", baselines, runs


def test_training_time_sums_the_run_s_training_jobs(tree):
    results, _, _ = tree
    assert training_time(results / "alpha/fam/seed0") == 15.0
    assert training_time(results / "alpha/fam/seed1") == 20.0
    assert math.isnan(training_time(results / "alpha/fam/seed2"))


def test_grid_step_and_baseline_reading(tree):
    _, baselines, _ = tree
    assert baselines["alpha"].grid_step == 1.0
    assert baselines["beta"].grid_step == pytest.approx(0.1)
    assert grid_step([3.0]) != grid_step([3.0])  # NaN for one value


def test_benchmark_rows_have_the_known_numbers(tree):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    table = bench.benchmark.set_index(["dataset", "surrogate"])
    assert list(table.index) == [("alpha", "fam"), ("alpha", "other")]  # beta: no surrogate, no row
    fam = table.loc[("alpha", "fam")]
    assert fam["family"] == "famkind" and fam["n_seeds"] == 3 and fam["n_unseen"] == 9
    assert (fam["regime_agreement_unseen_median"], fam["regime_agreement_unseen_min"],
            fam["regime_agreement_unseen_max"]) == (0.8, 0.5, 0.9)
    assert fam["baseline_regime_agreement_unseen"] == pytest.approx(4 / 9)
    assert fam["gain_over_baseline"] == pytest.approx(0.8 - 4 / 9)
    assert fam["ensemble_regime_agreement_unseen"] == pytest.approx(0.8)
    assert (fam["n_truth_transitions"], fam["transitions_found"], fam["baseline_transitions_found"]) == (2, 1, 0)
    assert fam["transitions_beyond_baseline"] == "rest→tonic spiking at 2.5 mV"
    assert fam["transition_errors"] == ("rest->tonic_spiking@2.5: 0.75 [0.5, 1] (2/3); "
                                        "tonic_spiking->bursting@7.5: 3 [3, 3] (1/3)")
    assert fam["training_check_pass_rate"] == pytest.approx(2 / 3)
    assert (fam["training_time_s_median"], fam["training_time_s_min"], fam["training_time_s_max"]) == (17.5, 15.0, 20.0)
    assert (fam["firing_rate_rel_error_tonic_median"], fam["firing_rate_rel_error_tonic_min"],
            fam["firing_rate_rel_error_tonic_max"]) == pytest.approx((0.2, 0.1, 0.3))
    assert math.isnan(fam["spikes_per_burst_error_median"]) and math.isnan(fam["forecast_horizon_max"])
    assert (fam["control_unit"], fam["time_unit"]) == ("mV", "s")
    other = table.loc[("alpha", "other")]
    assert other["n_seeds"] == 1 and other["gain_over_baseline"] == pytest.approx(0.3 - 4 / 9)
    assert other["transitions_found"] == 0 and other["transitions_beyond_baseline"] == ""
    assert other["transition_errors"] == ("rest->tonic_spiking@2.5: not matched (0/1); "
                                          "tonic_spiking->bursting@7.5: not matched (0/1)")
    assert not bench.benchmark["baseline_regime_agreement_unseen"].isna().any()  # in every row


def test_transition_and_baseline_tables(tree):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    moves = bench.transitions
    assert list(moves["surrogate"]) == [NAME, NAME, "fam", "fam", "other", "other"]  # beta has no transition
    base = moves[moves["surrogate"] == NAME].set_index("kind")
    assert base.loc["rest->tonic_spiking", "abs_error_median"] == 3.0
    assert not base["found"].any()
    fam = moves[moves["surrogate"] == "fam"].set_index("kind")
    assert fam.loc["rest->tonic_spiking", ["n_seeds", "n_seeds_matched", "n_seeds_within_target"]].tolist() == [3, 2, 2]
    assert fam.loc["rest->tonic_spiking", "found"] and not fam.loc["tonic_spiking->bursting", "found"]
    assert fam.loc["rest->tonic_spiking", "abs_error_grid_steps_median"] == 0.75
    assert fam.loc["tonic_spiking->bursting", "baseline_abs_error"] != fam.loc["tonic_spiking->bursting", "baseline_abs_error"]
    baseline = bench.baseline.set_index("dataset")
    assert baseline.loc["alpha", ["n_unseen", "n_truth_transitions", "transitions_found"]].tolist() == [9, 2, 0]
    assert baseline.loc["beta", "regime_agreement_unseen"] == 0.5 and baseline.loc["beta", "n_truth_transitions"] == 0
    assert baseline.loc["alpha", "train_values"] == "2 6"


def test_a_run_without_a_baseline_is_refused(tree):
    _, baselines, runs = tree
    with pytest.raises(ValueError, match="no baseline for dataset 'alpha'"):
        build_benchmark(runs, {"beta": baselines["beta"]})


def test_tables_round_trip_through_tsv(tree, tmp_path):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    paths = [tmp_path / name for name in ("b.tsv", "t.tsv", "base.tsv")]
    for frame, path in zip((bench.benchmark, bench.transitions, bench.baseline), paths):
        write_table(frame, path)
    back = read_benchmark(*paths)
    assert back.benchmark["transitions_beyond_baseline"].tolist() == ["rest→tonic spiking at 2.5 mV", ""]
    assert back.transitions["found"].dtype == bool and back.transitions["found"].tolist() == bench.transitions["found"].tolist()
    assert dataset_verdicts(back) == dataset_verdicts(bench)


def test_verdicts_say_what_held_and_what_did_not(tree):
    _, baselines, runs = tree
    verdicts = dataset_verdicts(build_benchmark(runs, baselines))
    assert list(verdicts) == ["alpha", "beta"]
    alpha = verdicts["alpha"]
    assert alpha.startswith("alpha: held: ")
    assert "fam beats the nearest-training-value baseline (44.4 %) by 35.6 points" in alpha
    assert ("fam finds 1 of 2 truth transitions within 2 grid steps (rest→tonic spiking at 2.5 mV), "
            "1 of them beyond the baseline") in alpha
    assert ("did not hold: fam stays below the 90 % agreement target with 80 % median unseen regime agreement "
            "over 3 seeds (50 %–90 %)") in alpha
    assert "fam misses tonic spiking→bursting at 7.5 mV (shown by 1 of 3 seeds)" in alpha
    assert "fam passes the training-value check for 2 of 3 seeds" in alpha
    assert "fam's tonic firing-rate error is 20 % (target ≤ 20 %)" in alpha.split("did not hold")[0]
    assert "other does not beat the nearest-training-value baseline (44.4 %; 14.4 points below)" in alpha
    assert verdicts["beta"] == ("beta: no surrogate trained; the nearest-training-value baseline scores 50 % on 4 "
                                "unseen values and finds 0 of 0 truth transitions.")


def test_display_table_and_landing_block(tree):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    table = display_table(bench)
    assert list(table["dataset"]) == ["alpha", "alpha", "beta"]
    fam = table.iloc[0]
    assert fam["surrogate"] == "fam (famkind)"
    assert fam["unseen regime agreement (median, min–max)"] == "80 % (50 %–90 %)"
    assert (fam["baseline"], fam["gain"]) == ("44.4 %", "+35.6 pts")
    assert fam["transitions found (baseline)"] == "1 of 2 (0)"
    assert fam["training check passed"] == "2 of 3" and fam["training time (median)"] == "18 s"
    assert table.iloc[2]["surrogate"] == "(none trained)" and table.iloc[2]["baseline"] == "50 %"
    markdown = markdown_table(table)
    assert markdown.splitlines()[1].count("---") == len(table.columns) and "| alpha | fam (famkind) |" in markdown

    block = landing_rst(bench, dataset_verdicts(bench), b"\x89PNG fake")
    assert block.startswith(".. raw:: html\n\n")
    assert max(len(line) for line in block.splitlines()) < 10_000  # docutils' line limit
    body = block.split("\n", 2)[2]
    assert all(line.startswith("   ") or not line for line in body.splitlines())  # the directive's content
    assert 'id="benchmark-table"' in block and 'id="benchmark-figure"' in block and "data:image/png;base64," in block
    for column in LANDING_COLUMNS:
        assert f"<th>{column}</th>" in block
    assert "<li>beta: no surrogate trained" in block
    with_cell = landing_rst(bench, dataset_verdicts(bench), b"\x89PNG fake",
                            recording_verdicts={"cell": "cell (recorded cell): ode does not beat <interpolation>."})
    assert with_cell.index("<li>beta: no surrogate trained") < with_cell.index(
        "<li>cell (recorded cell): ode does not beat &lt;interpolation&gt;.</li>")


def test_benchmark_figure(tree):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    agreement, gain = agreement_grid(bench.benchmark, bench.baseline)
    assert list(agreement.columns) == [NAME, "fam", "other"] and list(agreement.index) == ["alpha", "beta"]
    assert agreement.loc["alpha", "fam"] == pytest.approx(80.0) and np.isnan(agreement.loc["beta", "fam"])
    assert agreement.loc["beta", NAME] == 50.0 and np.isnan(gain.loc["alpha", NAME])
    figure = benchmark_figure(bench.benchmark, bench.baseline, bench.transitions)
    assert len(figure.axes) == 2
    labels = [tick.get_text() for tick in figure.axes[1].get_yticklabels()]
    assert labels == ["alpha: rest→tonic spiking at 2.5 mV", "alpha: tonic spiking→bursting at 7.5 mV"]
    # no surrogate anywhere and no transition: still a figure
    empty = build_benchmark([], {"beta": baselines["beta"]})
    assert len(benchmark_figure(empty.benchmark, empty.baseline, empty.transitions).axes) == 2


def test_a_missed_transition_says_how_far_off_it_was(tree):
    _, baselines, runs = tree
    bench = build_benchmark(runs, baselines)
    row = bench.benchmark.iloc[0].to_dict()
    moves = bench.transitions.copy()
    fam = (moves["surrogate"] == "fam") & (moves["kind"] == "rest->tonic_spiking")
    moves.loc[fam, ["abs_error_median_all_seeds", "found"]] = [3.5, False]  # as if every seed were 3.5 off
    _, missed = family_verdict(row, moves)
    assert "fam misses rest→tonic spiking at 2.5 mV (median error 3.5 mV, target ≤ 2 mV)" in " ".join(missed)
