"""The benchmark for readers: a formatted table (shared by the report's landing page and
docs/results.md) and the landing page's reStructuredText block (the table, the figure embedded,
one sentence per dataset).

The workflow writes the block to ``results/benchmark_landing.rst``; ``workflow/report/workflow.rst``
includes it, so ``snakemake --report`` opens on the study's answer.
"""

from __future__ import annotations

import base64
import html
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..units import pretty
from .benchmark import Benchmark
from .targets import Targets

LANDING_COLUMNS = [
    "dataset", "surrogate", "seeds", "unseen regime agreement (median, min–max)", "baseline", "gain",
    "transitions found (baseline)", "training check passed",
]
"""The columns of the landing page's table (the report's text column is narrow); every column is
in ``results/benchmark.tsv`` and docs/results.md."""

DISPLAY_COLUMNS = [
    "dataset", "surrogate", "seeds", "unseen regime agreement (median, min–max)", "baseline", "gain",
    "transitions found (baseline)", "found beyond the baseline", "firing-rate error tonic / bursting",
    "spikes-per-burst error", "forecast horizon", "training check passed", "training time (median)",
]


def _pct(value: float, digits: int = 3) -> str:
    return "–" if not np.isfinite(value) else f"{100 * value:.{digits}g} %"


def _num(value: float, unit: str = "") -> str:
    if not np.isfinite(value):
        return "–"
    unit = f" {pretty(unit)}" if pretty(unit) else ""
    return f"{value:.3g}{unit}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _duration(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "–"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def display_table(bench: Benchmark) -> pd.DataFrame:
    """The benchmark as text cells (:data:`DISPLAY_COLUMNS`), one row per (dataset, surrogate) and
    one per dataset without a surrogate (its baseline only), datasets in order."""
    rows = []
    for base in bench.baseline.itertuples():
        runs = bench.benchmark[bench.benchmark["dataset"] == base.dataset]
        if runs.empty:
            rows.append(dict.fromkeys(DISPLAY_COLUMNS, "–") | {
                "dataset": base.dataset, "surrogate": "(none trained)", "baseline": _pct(base.regime_agreement_unseen),
                "transitions found (baseline)": f"({base.transitions_found} of {base.n_truth_transitions})",
            })
            continue
        for row in runs.itertuples():
            name = row.surrogate if row.surrogate == row.family else f"{row.surrogate} ({row.family})"
            n = int(row.n_seeds)
            spread = (f" ({_pct(row.regime_agreement_unseen_min)}–{_pct(row.regime_agreement_unseen_max)})"
                      if n > 1 else "")
            rate = float(row.training_check_pass_rate)
            rows.append({
                "dataset": row.dataset,
                "surrogate": name,
                "seeds": str(n),
                "unseen regime agreement (median, min–max)": _pct(row.regime_agreement_unseen_median) + spread,
                "baseline": _pct(row.baseline_regime_agreement_unseen),
                "gain": "–" if not np.isfinite(row.gain_over_baseline) else f"{100 * row.gain_over_baseline:+.3g} pts",
                "transitions found (baseline)": (f"{row.transitions_found} of {row.n_truth_transitions} "
                                                 f"({row.baseline_transitions_found})"),
                "found beyond the baseline": row.transitions_beyond_baseline if isinstance(
                    row.transitions_beyond_baseline, str) and row.transitions_beyond_baseline else "–",
                "firing-rate error tonic / bursting": (f"{_pct(row.firing_rate_rel_error_tonic_median)} / "
                                                       f"{_pct(row.firing_rate_rel_error_bursting_median)}"),
                "spikes-per-burst error": _num(row.spikes_per_burst_error_median),
                "forecast horizon": _num(row.forecast_horizon_median, row.time_unit if isinstance(row.time_unit, str) else ""),
                "training check passed": "–" if not np.isfinite(rate) else f"{round(rate * n)} of {n}",
                "training time (median)": _duration(row.training_time_s_median),
            })
    return pd.DataFrame(rows, columns=DISPLAY_COLUMNS)


def html_table(table: pd.DataFrame) -> str:
    """A plain HTML table of text cells (escaped), with the class ``benchmark-table``."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                     for row in table.itertuples(index=False))
    return (f'<table class="benchmark-table" id="benchmark-table">\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody></table>")


STYLE = ("<style>.benchmark-table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
         ".benchmark-table th,.benchmark-table td{border:1px solid #ccc;padding:2px 6px;text-align:left;"
         "vertical-align:top}.benchmark-table th{background:#f3f3f3}"
         "img.benchmark-figure{max-width:100%;height:auto}</style>")


def landing_rst(bench: Benchmark, verdicts: Mapping[str, str], figure_png: bytes,
                targets: Targets = Targets(), recording_verdicts: Mapping[str, str] | None = None) -> str:
    """The landing page's block: a ``raw:: html`` directive holding the title, the benchmark table,
    the figure (PNG embedded as a data URI, so the report stays one self-contained file), one
    sentence per simulated dataset and one per recording dataset (``recording_verdicts``, from
    :func:`neurorecon.evaluation.recording.recording_verdicts`)."""
    # docutils refuses lines over 10 000 characters: the data URI goes on lines of 76 (a URL parser
    # drops the line breaks), the table one row per line
    picture = "\n".join(textwrap.wrap(base64.b64encode(figure_png).decode("ascii"), 76))
    items = "\n".join(f"<li>{html.escape(verdicts[d])}</li>" for d in bench.baseline["dataset"] if d in verdicts)
    items += "".join(f"\n<li>{html.escape(sentence)}</li>" for sentence in (recording_verdicts or {}).values())
    n_runs = int(bench.benchmark["n_seeds"].sum()) if len(bench.benchmark) else 0
    n_surrogates = bench.benchmark["surrogate"].nunique() if len(bench.benchmark) else 0
    intro = (f"{_count(len(bench.baseline), 'dataset')}, {_count(n_surrogates, 'surrogate configuration')}, "
             f"{_count(n_runs, 'trained run')}. Regime agreement: the fraction of held-out "
             "control values that are not a training value where the surrogate's dominant regime equals "
             "the truth's. Baseline: the regime of the nearest training value (the training data "
             "classified, no model). A transition is found when the median |location error| over seeds "
             f"is at most {targets.transition_grid_steps:g} held-out grid steps; targets: agreement "
             f"≥ {targets.regime_agreement:g} %, firing-rate error ≤ {targets.firing_rate_error:g} %.")
    body = (f'{STYLE}\n<div id="benchmark"><h2>Benchmark: what the surrogates reproduce</h2>\n'
            f"<p>{html.escape(intro)}</p>\n<div style=\"overflow-x:auto\">"
            f"{html_table(display_table(bench)[LANDING_COLUMNS])}</div>\n"
            f'<p><img class="benchmark-figure" id="benchmark-figure" alt="benchmark figure"\n'
            f'src="data:image/png;base64,\n{picture}"/></p>\n'
            f'<ul id="benchmark-verdicts">\n{items}\n</ul></div>')
    return ".. raw:: html\n\n" + textwrap.indent(body, "   ") + "\n"


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of text cells (``|`` escaped)."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(c) for c in table.columns) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)

