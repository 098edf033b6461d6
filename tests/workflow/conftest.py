"""Shared helpers of the workflow tests: running Snakemake, reading its dry-run plan, comparing runs.

Import the helpers with ``from .conftest import ...`` (``tests/workflow`` is a package). The
session fixture :func:`tiny_reference` runs ``config/tiny.yaml`` once, uninterrupted, for every
test that compares a run against it.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAKEFILE = ROOT / "Snakefile"
TINY = ROOT / "config" / "tiny.yaml"
DEFAULT = ROOT / "config" / "config.yaml"
SNAKEMAKE = shutil.which("snakemake", path=str(Path(sys.executable).parent)) or shutil.which("snakemake")

# Store attrs that legitimately differ between two runs of the same job.
VOLATILE_ATTRS = {"created_utc", "slurm_job_id"}
# Files under results/ that record when and where a run happened, not what it computed: the run's
# record (Snakefile onsuccess) and the Snakemake benchmark files of training jobs (wall times).
VOLATILE_FILES = {"workflow_run.json"}
VOLATILE_FOLDERS = {"benchmarks"}

# Dry runs are mostly Python start-up and imports: a few at once use two busy cores well.
PARALLEL_RUNS = 3


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    return [SNAKEMAKE, "-s", str(SNAKEFILE), "-d", str(workdir), "--cores", "2", *args]


def run_snakemake(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``snakemake -s Snakefile -d workdir --cores 2 *args``; fails the test on a timeout."""
    cmd = snakemake_command(workdir, *args)
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        captured = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part
            for part in (expired.stdout or "", expired.stderr or "")
        )
        pytest.fail(f"snakemake ran longer than {timeout:.0f} s: {' '.join(cmd)}\n{captured[-6000:]}",
                    pytrace=False)


def run_many(calls: list[tuple[Path, tuple[str, ...]]], timeout: float = 300) -> list[subprocess.CompletedProcess]:
    """Run independent Snakemake calls ``(workdir, args)`` in parallel; results in call order."""
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        futures = [pool.submit(run_snakemake, workdir, *args, timeout=timeout) for workdir, args in calls]
        return [future.result() for future in futures]


def output_of(run: subprocess.CompletedProcess) -> str:
    return run.stdout + run.stderr


# A Python process that imports Snakemake (and what the Snakefile imports) once, then forks one child
# per call; each child runs Snakemake's command-line entry point (what the `snakemake` script runs)
# with the call's arguments, its stdout and stderr going to a file. Saves ~1.5 s of imports per call.
_PREWARMED = r"""
import json, os, sys
calls, workers, preload = json.loads(sys.stdin.read())
import snakemake.cli
for module in preload:
    try:
        __import__(module)
    except Exception:
        pass  # the child reports the problem as Snakemake would
running, codes, started = {}, [None] * len(calls), 0
while started < len(calls) or running:
    while started < len(calls) and len(running) < workers:
        argv, out = calls[started]
        pid = os.fork()
        if pid == 0:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            code = 1
            try:
                sys.argv = argv
                snakemake.cli.main(argv[1:])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                import traceback
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        running[pid] = started
        started += 1
    pid, status = os.wait()
    codes[running.pop(pid)] = os.waitstatus_to_exitcode(status)
print(json.dumps(codes))
"""


def run_many_prewarmed(calls: list[tuple[Path, tuple[str, ...]]], out_dir: Path, surrogates: bool = False,
                       timeout: float = 300) -> list[subprocess.CompletedProcess]:
    """Like :func:`run_many`, but every call is a fork of one process that imported Snakemake,
    ``neurorecon.config`` (and the ``vae_map`` family with ``surrogates``) once: the same
    ``snakemake`` entry point and arguments, without paying the imports per call. The returned
    processes have the whole output in ``stdout`` (stdout and stderr interleaved) and empty ``stderr``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [[snakemake_command(workdir, *args), str(out_dir / f"call-{index}.out")]
            for index, (workdir, args) in enumerate(calls)]
    preload = ["neurorecon.config", "neurorecon.models"] + (["neurorecon.surrogates.vae_map.family"] if surrogates else [])
    driver = subprocess.run(
        [sys.executable, "-c", _PREWARMED], input=json.dumps([jobs, PARALLEL_RUNS, preload]),
        capture_output=True, text=True, timeout=timeout,
    )
    assert driver.returncode == 0, driver.stdout + driver.stderr
    codes = json.loads(driver.stdout.strip().splitlines()[-1])
    return [subprocess.CompletedProcess(cmd, code, Path(out).read_text(errors="replace"), "")
            for (cmd, out), code in zip(jobs, codes, strict=True)]


# ----- the dry-run plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedJob:
    """One job of a dry run's plan, as Snakemake prints it."""

    rule: str
    outputs: tuple[str, ...]
    reason: str

    @property
    def params_changed(self) -> bool:
        """Planned because of Snakemake's ``params`` rerun trigger."""
        return "Params have changed since last execution" in self.reason


_JOB = re.compile(r"^(?:local)?rule (\w+):\n((?:[ \t]+\S.*\n?)*)", re.MULTILINE)


def planned_jobs(output: str) -> list[PlannedJob]:
    """The jobs a ``snakemake -n`` run would execute, parsed from its job blocks."""
    jobs = []
    for match in _JOB.finditer(output):
        fields = {}
        for line in match.group(2).splitlines():
            key, _, value = line.strip().partition(": ")
            fields[key] = value
        outputs = tuple(part.strip() for part in fields.get("output", "").split(",") if part.strip())
        jobs.append(PlannedJob(match.group(1), outputs, fields.get("reason", "")))
    return jobs


def job_stats(output: str) -> dict[str, int]:
    """The "Job stats" table of a dry run: rule -> number of jobs (without the total)."""
    match = re.search(r"Job stats:\njob\s+count\n[-\s]+\n((?:\S+\s+\d+\n)+)", output)
    if not match:
        return {}
    counts = {}
    for line in match.group(1).splitlines():
        rule, count = line.split()
        if rule != "total":
            counts[rule] = int(count)
    return counts


def check_plan(output: str) -> list[PlannedJob]:
    """The planned jobs; checks that the job blocks agree with the "Job stats" table."""
    jobs = planned_jobs(output)
    assert Counter(job.rule for job in jobs) == Counter(job_stats(output)), output[-6000:]
    return jobs


# ----- comparing two runs -----------------------------------------------------------------------


def temporaries(workdir: Path) -> list[Path]:
    """Leftover temporary (``.tmp-``) and replaced (``.old-``) stores and tables under results/."""
    results = workdir / "results"
    if not results.exists():
        return []
    return sorted(path for path in results.rglob(".*") if ".tmp-" in path.name or ".old-" in path.name)


def result_stores(workdir: Path) -> list[Path]:
    """Relative paths of every zarr store under results/ (temporary siblings excluded)."""
    return sorted(
        path.relative_to(workdir)
        for path in (workdir / "results").rglob("*.zarr")
        if path.is_dir() and not path.name.startswith(".")
    )


def result_files(workdir: Path) -> list[Path]:
    """Relative paths of every plain file under results/ outside the stores (tables, figures),
    the volatile records (:data:`VOLATILE_FILES`, :data:`VOLATILE_FOLDERS`) left out."""
    return sorted(
        path.relative_to(workdir)
        for path in (workdir / "results").rglob("*")
        if path.is_file() and path.name not in VOLATILE_FILES
        and not any(part.endswith(".zarr") or part.startswith(".") or part in VOLATILE_FOLDERS
                    for part in path.relative_to(workdir).parts)
    )


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return a.tolist() == b.tolist()
    return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc") and (
        np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    )


def store_differences(a_path: Path, b_path: Path) -> list[str]:
    """Everything that differs between two stores (raw values, dtypes, attrs), volatile attrs aside."""
    from neurorecon.io.stores import read_dataset

    a, b = read_dataset(a_path), read_dataset(b_path)
    problems = []
    if set(a.variables) != set(b.variables):
        problems.append(f"variables {sorted(a.variables)} != {sorted(b.variables)}")
    for name in sorted(set(a.variables) & set(b.variables), key=str):
        va, vb = a[name].values, b[name].values
        if not _same_bits(va, vb):
            problems.append(f"{name}: values differ ({va.dtype}{va.shape} vs {vb.dtype}{vb.shape})")
        if a[name].attrs.keys() != b[name].attrs.keys() or any(
            not np.array_equal(a[name].attrs[k], b[name].attrs[k]) for k in a[name].attrs
        ):
            problems.append(f"{name}: attrs differ")
    attrs_a = {k: v for k, v in a.attrs.items() if k not in VOLATILE_ATTRS}
    attrs_b = {k: v for k, v in b.attrs.items() if k not in VOLATILE_ATTRS}
    if attrs_a != attrs_b:
        keys = sorted(k for k in attrs_a.keys() | attrs_b.keys() if attrs_a.get(k) != attrs_b.get(k))
        problems.append(f"dataset attrs differ: {keys}")
    return problems


def run_differences(a: Path, b: Path) -> list[str]:
    """Differences between the results/ of two workdirs: every store bit for bit, every other
    file (tables, figures) byte for byte. Empty when the runs are identical."""
    problems = []
    stores_a, stores_b = result_stores(a), result_stores(b)
    if stores_a != stores_b:
        problems.append(f"stores differ: {[str(s) for s in stores_a]} vs {[str(s) for s in stores_b]}")
    for store in sorted(set(stores_a) & set(stores_b)):
        problems += [f"{store}: {problem}" for problem in store_differences(a / store, b / store)]
    files_a, files_b = result_files(a), result_files(b)
    if files_a != files_b:
        problems.append(f"files differ: {[str(f) for f in files_a]} vs {[str(f) for f in files_b]}")
    for path in sorted(set(files_a) & set(files_b)):
        if (a / path).read_bytes() != (b / path).read_bytes():
            problems.append(f"{path}: bytes differ")
    return problems


# ----- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_reference(tmp_path_factory) -> Path:
    """Workdir of one complete, uninterrupted run of config/tiny.yaml (read it, do not modify it)."""
    if SNAKEMAKE is None:
        pytest.skip("snakemake is not installed")
    workdir = tmp_path_factory.mktemp("tiny-reference")
    run = run_snakemake(workdir, "--configfile", str(TINY))
    assert run.returncode == 0, output_of(run)[-4000:]
    return workdir


def copy_workdir(source: Path, target: Path) -> Path:
    """Copy a workdir with its .snakemake metadata and modification times (an up-to-date copy)."""
    shutil.copytree(source, target, symlinks=True)
    return target


def age(path: Path, seconds: float) -> None:
    """Set the modification time of ``path`` to ``seconds`` ago."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def merged(*paths: Path) -> dict:
    """The validated config Snakemake builds from config/config.yaml and ``paths`` (mappings merged
    key by key, lists replaced)."""
    from snakemake.utils import update_config

    from neurorecon.config import load_yaml, validate_config

    config = load_yaml(DEFAULT)
    for path in paths:
        update_config(config, copy.deepcopy(load_yaml(path)))
    return validate_config(config)
