"""The training-values study's table and transition errors, on the hand-made results tree
(results_tree.py) read as two designs of one base: ``alpha`` with 2 training values, ``beta`` with 3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurorecon.evaluation.baseline import NAME
from neurorecon.evaluation.benchmark import build_benchmark, read_baseline, read_run
from neurorecon.evaluation.training_values import (
    COLUMNS,
    Design,
    design_name,
    design_values,
    training_values_table,
    transition_errors,
)
from neurorecon.figures.training_values import training_values_figure

from .results_tree import FAMILIES, UNITS, make_tree

STUDY = {"x": [Design("x", 2, "alpha", (2.0, 6.0)), Design("x", 3, "beta", (0.0, 0.5, 1.0))]}


@pytest.fixture
def bench(tmp_path):
    paths = make_tree(tmp_path / "results")
    baselines = {path.parent.parent.name: read_baseline(path, units=UNITS[path.parent.parent.name])
                 for path in paths["baselines"]}
    return build_benchmark([read_run(path, FAMILIES[path.parent.parent.name]) for path in paths["runs"]], baselines)


def test_design_names_and_values():
    assert design_name("hh", 5) == "hh_n5"
    assert design_values((2.0, 18.0), 5) == (2.0, 6.0, 10.0, 14.0, 18.0)
    assert design_values((-46.0, -30.0), 3) == (-46.0, -38.0, -30.0)


def test_table_rows_carry_the_benchmark_numbers_per_design(bench):
    table = training_values_table(bench, STUDY)
    assert list(table.columns) == COLUMNS
    rows = {(r.n_values, r.surrogate): r for r in table.itertuples()}
    assert list(rows) == [(2, NAME), (2, "fam"), (2, "other"), (3, NAME)]  # beta: no surrogate, baseline only
    assert set(table["dataset"]) == {"x"} and list(table["design"]) == ["alpha"] * 3 + ["beta"]
    base = rows[(2, NAME)]
    assert base.regime_agreement_unseen_median == pytest.approx(4 / 9)
    assert (base.transitions_found, base.n_truth_transitions, base.train_values) == (0, 2, "2 6")
    fam = rows[(2, "fam")]
    assert (fam.regime_agreement_unseen_median, fam.regime_agreement_unseen_min,
            fam.regime_agreement_unseen_max) == (0.8, 0.5, 0.9)
    assert (fam.n_seeds, fam.transitions_found, fam.family) == (3, 1, "famkind")
    assert rows[(2, "other")].regime_agreement_unseen_median == 0.3
    assert rows[(3, NAME)].regime_agreement_unseen_median == 0.5 and rows[(3, NAME)].n_truth_transitions == 0


def test_transition_errors_in_grid_steps_with_not_found_as_infinity(bench):
    errors = transition_errors(bench, STUDY).set_index(["surrogate", "kind"])
    # fam's rest->tonic: median over seeds of |0.5|, |-1.0|, unmatched = 1.0, one grid step of 1.0
    assert errors.loc[("fam", "rest->tonic_spiking"), "grid_steps"] == pytest.approx(1.0)
    assert math.isinf(errors.loc[("fam", "tonic_spiking->bursting"), "grid_steps"])
    assert errors.loc[(NAME, "rest->tonic_spiking"), "grid_steps"] == pytest.approx(3.0)
    assert set(errors["n_values"]) == {2}  # beta's truth has no transition


def test_a_design_missing_from_the_benchmark_is_an_error(bench):
    with pytest.raises(ValueError, match="design dataset 'gamma' of 'x' is not in the benchmark"):
        training_values_table(bench, {"x": [Design("x", 4, "gamma", (1.0, 2.0, 3.0, 4.0))]})


def test_figure_plots_medians_and_puts_unfound_transitions_on_the_top_row(bench):
    table, errors = training_values_table(bench, STUDY), transition_errors(bench, STUDY)
    fig = training_values_figure(table, errors, "x", "mV")
    left, right = fig.axes[:2]
    medians = {bars.get_label(): bars.lines[0].get_ydata() for bars in left.containers}
    assert np.allclose(medians["fam"], [80.0]) and np.allclose(medians["nearest training value (baseline)"], [400 / 9, 50.0])
    ceiling = right.get_ylim()[1] / 1.08
    tops = [line.get_ydata()[0] for line in right.get_lines() if len(line.get_ydata()) == 1]
    assert any(np.isclose(y, ceiling) for y in tops) and any(np.isclose(y, 1.0) for y in tops)
