"""The record of the workflow's runs: when, on what machine, how long (``results/workflow_run.json``).

The Snakefile's ``onstart``/``onsuccess`` hooks append one entry after every invocation that ran
jobs and succeeded (a dry run, or one with nothing to do, adds nothing), so a study finished in
several invocations (interrupted and resumed, or extended) has one entry per invocation; the
generated docs/results.md reads them, so no wall time or machine is typed by hand. Removing
``results/`` removes the record with the results it describes.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
from pathlib import Path

from ..io.outputs import write_json


def _cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else :func:`platform.processor`."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    """Names of the CUDA devices torch sees; [] without torch or CUDA (never initialises CUDA)."""
    try:
        import torch
    except ImportError:
        return []
    try:
        if not torch.cuda.is_available():
            return []
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # a broken driver must not fail the run's record
        return []


def machine() -> dict[str, object]:
    """What ran the study: host name, OS, CPU model and count, memory (GiB), GPUs, Python."""
    memory = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "host": platform.node(),
        "system": f"{platform.system()} {platform.release()}",
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
        "gpus": _gpus(),
        "python": platform.python_version(),
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages at the end of the run (a shared machine shows here)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def write_run_record(
    path: str | os.PathLike,
    started: _dt.datetime,
    finished: _dt.datetime,
    *,
    jobs: int,
    cores: int | None,
    configfiles: list[str],
    snakemake_version: str = "",
) -> Path:
    """Append the entry of a finished invocation to the record at ``path`` (JSON, under the output
    policy; ``{"runs": [entry, ...]}``, oldest first).

    Args:
        started, finished: the invocation's start and end (timezone-aware).
        jobs: jobs the invocation ran (the whole study on a fresh ``results/``; fewer on a rerun).
        cores: the ``--cores`` it ran with.
        configfiles: the configuration files it read.
    """
    runs = read_run_record(path) or []
    runs.append({
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "wall_time_s": round((finished - started).total_seconds(), 1),
        "jobs": int(jobs),
        "cores": cores,
        "configfiles": [str(item) for item in configfiles],
        "snakemake": snakemake_version,
        "machine": machine(),
    })
    return write_json(path, {"runs": runs})


def read_run_record(path: str | os.PathLike) -> list[dict[str, object]] | None:
    """The entries of the record at ``path``, oldest first (a record of one entry written before
    entries were appended counts as that entry); None when there is no record or it is unreadable."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        return [entry for entry in data["runs"] if isinstance(entry, dict)]
    if isinstance(data, dict) and "wall_time_s" in data:
        return [data]
    return None


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).astimezone()
