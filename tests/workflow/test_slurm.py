"""The SLURM profile on a real SLURM cluster: one node on localhost, started by the test.

Needs root and the Debian packages munge, slurmctld, slurmd and slurm-client (.ci/run installs
them); skipped otherwise. The tiny study runs through ``--profile workflow/profiles/slurm``;
every job must have gone through SLURM and every array must be bit-for-bit the same as in the
session's local run of it (``tiny_reference``). The paper study (config/paper.yaml), shrunk by its
override config/paper_tiny.yaml and otherwise unedited, runs through the same profile for one
run of every family and dataset kind (``PAPER_TARGETS``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurorecon.io.stores import read_dataset

from .conftest import merged
from .slurm_cluster import ClusterError, SlurmCluster, unavailable_reason

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
TINY = (ROOT / "config" / "tiny.yaml",)
PAPER_TINY = (ROOT / "config" / "paper.yaml", ROOT / "config" / "paper_tiny.yaml")
SNAKEMAKE = shutil.which("snakemake", path=str(Path(sys.executable).parent)) or shutil.which("snakemake")

# Attrs that legitimately differ between two runs of the same job.
VOLATILE_ATTRS = {"created_utc", "slurm_job_id"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed"),
]


@pytest.fixture(scope="module")
def cluster():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no local SLURM cluster: {reason}")
    # find_spec, not import: importing the plugin runs SLURM commands (slow without a cluster).
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm is not installed (pip install '.[workflow]')")
    slurm = SlurmCluster()
    try:
        slurm.start()
    except ClusterError as error:  # installed and root, yet it does not come up: a real failure
        slurm.remove()
        pytest.fail(f"could not start the local SLURM cluster: {error}", pytrace=False)
    try:
        yield slurm
    finally:
        try:
            slurm.stop()
        finally:
            slurm.remove()


@contextlib.contextmanager
def _daemon_logs_on_failure(cluster: SlurmCluster):
    """Append the daemons' logs and the queue to a failure (teardown output is not shown)."""
    try:
        yield
    except (AssertionError, pytest.fail.Exception) as failure:
        pytest.fail(f"{failure}\n\n{cluster.logs(lines=60)}", pytrace=False)


def _snakemake(workdir: Path, configfiles: tuple[Path, ...], *args: str, env: dict[str, str], timeout: float):
    cmd = [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--configfile", *map(str, configfiles),
           *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as expired:
        captured = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part
            for part in (expired.stdout or "", expired.stderr or "")
        )
        pytest.fail(f"snakemake ran longer than {timeout:.0f} s: {' '.join(cmd)}\n"
                    f"{captured[-6000:]}", pytrace=False)


def _job_logs(workdir: Path, lines: int = 30) -> str:
    """The ends of the SLURM jobs' own logs (what sbatch --output captured)."""
    parts = []
    for path in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log")):
        text = path.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"----- {path.relative_to(workdir)} -----\n" + "\n".join(text))
    return "\n".join(parts)


def _stores(workdir: Path) -> list[Path]:
    return sorted(
        path.relative_to(workdir)
        for path in (workdir / "results").rglob("*.zarr")
        if path.is_dir() and not path.name.startswith(".")
    )


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return a.tolist() == b.tolist()
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _differences(local: Path, slurm: Path) -> list[str]:
    """Everything that differs between two stores, volatile provenance attrs aside."""
    a, b = read_dataset(local), read_dataset(slurm)
    problems = []
    if set(a.variables) != set(b.variables):
        problems.append(f"variables {sorted(a.variables)} != {sorted(b.variables)}")
    for name in sorted(set(a.variables) & set(b.variables)):
        if not _same_bits(a[name].values, b[name].values):
            problems.append(f"{name}: values differ ({a[name].dtype} vs {b[name].dtype})")
        if a[name].attrs != b[name].attrs:
            problems.append(f"{name}: attrs differ")
    attrs_a = {k: v for k, v in a.attrs.items() if k not in VOLATILE_ATTRS}
    attrs_b = {k: v for k, v in b.attrs.items() if k not in VOLATILE_ATTRS}
    if attrs_a != attrs_b:
        keys = sorted(k for k in attrs_a | attrs_b if attrs_a.get(k) != attrs_b.get(k))
        problems.append(f"dataset attrs differ: {keys}")
    return problems


def test_cluster_runs_srun_inside_a_batch_job(cluster, tmp_path):
    with _daemon_logs_on_failure(cluster):
        _check_srun_inside_a_batch_job(cluster, tmp_path)


def test_tiny_study_through_slurm_profile_equals_local_run(cluster, tmp_path, tiny_reference):
    with _daemon_logs_on_failure(cluster):
        _check_tiny_study(cluster, tmp_path, tiny_reference)


def test_shrunk_paper_study_runs_through_slurm_profile(cluster, tmp_path):
    with _daemon_logs_on_failure(cluster):
        _check_paper_study(cluster, tmp_path)


def _check_srun_inside_a_batch_job(cluster, tmp_path):
    # What the Snakemake job step does: srun inside sbatch, with the SLURM_* variables stripped.
    out = tmp_path / "job.out"
    job = cluster.client(
        "sbatch", "--parsable", f"--output={out}", "--ntasks=1", "--cpus-per-task=1",
        "--wrap", "env -u SLURM_CONF srun -n1 sh -c 'echo step of job $SLURM_JOB_ID'",
    )
    assert job.returncode == 0, job.stdout + job.stderr
    job_id = job.stdout.strip().split(";")[0]
    state = cluster.wait_for_job(job_id, timeout=60)
    log = out.read_text() if out.exists() else "(no job output)"
    assert state == "COMPLETED", f"job {job_id}: {state}\n{log}"
    assert f"step of job {job_id}" in log, log


def _run_through_slurm(cluster, workdir: Path, configfiles: tuple[Path, ...], timeout: float,
                       targets: tuple[str, ...] = ()) -> dict[str, dict]:
    """Run the study (its ``targets``, or all) through the SLURM profile; check that it succeeded and that every job went
    through SLURM (all of this run's SLURM jobs completed, each left its log, every store records
    the SLURM job that wrote it). Returns this run's SLURM jobs by id."""
    started = time.monotonic()
    run = _snakemake(
        workdir, configfiles,
        "--profile", str(PROFILE),
        # Faster polling than on a real cluster, no retries, keep every SLURM log to check below.
        "--slurm-init-seconds-before-status-checks", "1",
        "--seconds-between-status-checks", "1",
        "--retries", "0",
        "--slurm-keep-successful-logs",
        *targets,
        env=cluster.env(),
        timeout=timeout,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, (
        f"snakemake --profile {PROFILE} failed:\n{output[-8000:]}\n{_job_logs(workdir)}"
    )
    print(f"\nSLURM run of {' '.join(path.name for path in configfiles)}: {time.monotonic() - started:.0f} s")
    run_id = re.search(r"SLURM run ID: (\S+)", output)
    assert run_id, output[-3000:]
    jobs = {job_id: job for job_id, job in cluster.jobs().items() if job["name"] == run_id.group(1)}
    assert jobs, f"no SLURM job named {run_id.group(1)}: {cluster.jobs()}"
    assert {job["state"] for job in jobs.values()} == {"COMPLETED"}, jobs
    logs = {path.stem for path in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert logs == set(jobs), (logs, set(jobs))
    stores = _stores(workdir)
    assert stores
    for store in stores:
        attrs = read_dataset(workdir / store).attrs
        assert attrs.get("slurm_job_id") in jobs, (store, attrs.get("slurm_job_id"), sorted(jobs))
    return jobs


PAPER_TARGETS = (
    "results/srk/vae_map/seed0/metrics.json",
    "results/hh/hybrid_ode/seed0/metrics.json",
    "results/hh/reservoir_steps/seed0/metrics.json",
    "results/cell_0018/hybrid_ode_recording/seed0/metrics.json",
    "results/stg_dic/truth/dic_regimes.tsv",
    "results/inference/evaluation/summary.json",
)
"""Targets of the paper study's SLURM run: every family (vae_map on srk, hybrid_ode on hh and on a
recording, the reservoir on a step protocol), the population and the spike-time inference, each
with its whole chain of jobs (about 50; the shrunk study's 259 jobs took over half an hour through a
one-node test cluster, and it has 275 now). ``test_paper_config.py`` plans all of them through the profile."""


def _check_paper_study(cluster, tmp_path):
    """config/paper.yaml shrunk by config/paper_tiny.yaml, unedited, through the SLURM profile: one
    run of every family and dataset kind, every job in SLURM."""
    workdir = tmp_path / "paper"
    # a guard against a hung cluster, not a measurement
    _run_through_slurm(cluster, workdir, PAPER_TINY, timeout=1200, targets=PAPER_TARGETS)
    for target in PAPER_TARGETS:
        assert (workdir / target).stat().st_size > 0, target
    surrogates = merged(*PAPER_TINY)["surrogates"]
    covered = {surrogates[target.split("/")[2]]["kind"] for target in PAPER_TARGETS if target.split("/")[2] in surrogates}
    assert covered == {entry["kind"] for entry in surrogates.values()}, "a family of the paper study has no target here"


def _check_tiny_study(cluster, tmp_path, local_dir: Path):
    """The tiny study through the SLURM profile: every job in SLURM, results bit for bit those of
    the uninterrupted local run ``local_dir`` (the session's tiny reference)."""
    slurm_dir = tmp_path / "slurm"
    # a guard against a hung cluster, not a measurement: a fresh clone compiles the numba kernels
    # (simulation and Lyapunov separation) in the first jobs, about a minute per kernel
    _run_through_slurm(cluster, slurm_dir, TINY, timeout=600)

    stores = _stores(slurm_dir)
    assert stores == _stores(local_dir)
    assert len(stores) >= 6  # 3 chunks, train, heldout, regimes
    for store in stores:
        assert "slurm_job_id" not in read_dataset(local_dir / store).attrs, store

    # ... and produced bit-for-bit the same results as the local run.
    differences = {
        str(store): problems
        for store in stores
        if (problems := _differences(local_dir / store, slurm_dir / store))
    }
    assert not differences, differences
    tables = sorted(  # the regime tables (other tables may one day carry wall-clock times)
        path.relative_to(local_dir) for path in (local_dir / "results").rglob("regimes.tsv")
    )
    assert tables
    for table in tables:
        assert (slurm_dir / table).read_bytes() == (local_dir / table).read_bytes(), table
    figures = sorted(path.relative_to(local_dir) for path in (local_dir / "results").rglob("*.png"))
    assert figures and all((slurm_dir / figure).stat().st_size > 10_000 for figure in figures)
