"""The report as a reader opens it: ``snakemake --report`` of the tiny study, rendered in headless
Chromium (no Python browser dependency: ``chromium --headless --dump-dom``).

A copy of the report gets a small script (``report_images.js``) that waits until the app shows the
landing page, loads every image on it and every image the report embeds, and writes the outcome
into the page, which ``--dump-dom`` then prints. Checks: the landing page opens on the benchmark
(table, figure, one sentence per dataset) before the study's description; the table has a row per
dataset with the baseline's number from ``results/baseline.tsv``; every image loads (and a broken
control image does not, so the check can fail).

Skipped without Chromium (Debian package ``chromium``; ``.ci/run`` installs it when run as root).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from .conftest import SNAKEMAKE, TINY, copy_workdir, output_of, run_snakemake

CHROMIUM = next((path for path in map(shutil.which, ("chromium", "chromium-browser")) if path), None)
CHECK_SCRIPT = Path(__file__).with_name("report_images.js")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package chromium; "
                                                ".ci/run installs it when run as root)"),
]


class _Landing(HTMLParser):
    """Collects the benchmark table's cells, the verdict items, the check's JSON, and the order in
    which the benchmark block and the study's description appear."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.verdicts: list[str] = []
        self.check = ""
        self.text_order: list[str] = []
        self._stack: list[tuple[str, str]] = []  # (tag, id) of open elements
        self._cell: list[str] | None = None
        self._item: list[str] | None = None
        self._in_check = False

    def _inside(self, element_id: str) -> bool:
        return any(found == element_id for _, found in self._stack)

    def handle_starttag(self, tag, attrs):
        element_id = dict(attrs).get("id") or ""
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self._stack.append((tag, element_id))
        if element_id == "benchmark":
            self.text_order.append("benchmark")
        if tag == "tr" and self._inside("benchmark-table"):
            self.rows.append([])
        if tag in ("td", "th") and self._inside("benchmark-table"):
            self._cell = []
        if tag == "li" and self._inside("benchmark-verdicts"):
            self._item = []
        if element_id == "neurorecon-image-check":
            self._in_check = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "li" and self._item is not None:
            self.verdicts.append("".join(self._item).strip())
            self._item = None
        if tag == "pre":
            self._in_check = False
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)
        if self._in_check:
            self.check += data
        if "neurorecon study:" in data:
            self.text_order.append("description")


@pytest.fixture(scope="module")
def landing(tiny_reference, tmp_path_factory):
    """(parsed page, workdir) of the tiny study's report opened in headless Chromium."""
    root = tmp_path_factory.mktemp("report")
    workdir = copy_workdir(tiny_reference, root / "work")
    made = run_snakemake(workdir, "--configfile", str(TINY), "--report", "results/report.html", timeout=300)
    assert made.returncode == 0, output_of(made)[-4000:]
    page = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    end = page.rfind("</body>")
    assert end > 0, "the report has no </body>"
    checked = root / "report-checked.html"
    checked.write_text(page[:end] + "<script>" + CHECK_SCRIPT.read_text() + "</script>" + page[end:],
                       encoding="utf-8")
    browser = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={root / 'profile'}", "--virtual-time-budget=30000", "--dump-dom",
         checked.as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert browser.returncode == 0, browser.stderr[-3000:]
    parsed = _Landing()
    parsed.feed(browser.stdout)
    assert parsed.check, "the check script wrote nothing (did the report's app start?)\n" + browser.stderr[-2000:]
    return parsed, workdir


def test_landing_page_opens_on_the_benchmark_table(landing):
    parsed, workdir = landing
    assert parsed.text_order[:1] == ["benchmark"], parsed.text_order
    assert "description" in parsed.text_order, "the study's description is gone from the landing page"
    header, *rows = parsed.rows
    assert header[:2] == ["dataset", "surrogate"] and "baseline" in header, header
    baseline = pd.read_csv(workdir / "results" / "baseline.tsv", sep="\t")
    assert [row[0] for row in rows] == list(baseline["dataset"])
    column = header.index("baseline")
    for row, value in zip(rows, baseline["regime_agreement_unseen"], strict=True):
        assert row[column] == f"{100 * value:.3g} %", (row, value)


def test_landing_page_says_what_held_for_every_dataset(landing):
    parsed, workdir = landing
    datasets = list(pd.read_csv(workdir / "results" / "baseline.tsv", sep="\t")["dataset"])
    assert [item.split(":", 1)[0] for item in parsed.verdicts] == datasets, parsed.verdicts


def test_every_figure_image_loads(landing):
    parsed, _ = landing
    check = json.loads(parsed.check)
    assert "error" not in check, check
    assert check["broken_control_loaded"] is False, "the check cannot tell a broken image"
    shown = {image["id"]: image["ok"] for image in check["landing_images"]}
    assert shown.get("benchmark-figure") is True, check["landing_images"]
    assert all(image["ok"] for image in check["landing_images"]), check["landing_images"]
    figures = {figure["path"]: figure["ok"] for figure in check["figures"]}
    assert "results/benchmark.png" in figures and len(figures) >= 4, figures
    assert all(figures.values()), [path for path, ok in figures.items() if not ok]
