"""Fixtures shared by the whole suite: ground-truth trajectory stores made to order, and the
test-only ``toy`` surrogate family registered as a plug-in (an entry point, the way another
package would register a family).

Tests under ``tests/workflow`` run Snakemake and take minutes: they are marked ``slow`` here, so
``pytest -m "not slow"`` gives a quick local run (``make test`` and CI run everything).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    for item in items:
        if "workflow" in item.path.parts:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def trajectory_store():
    """Factory: ``trajectory_store(model, values, n_ic=1, parameter_set=None, seed=1, **times)``
    simulates ``model`` at the control ``values`` and returns the trajectory store (in memory);
    ``times`` are the :class:`~neurorecon.simulate.SimulationSpec` time settings."""
    from neurorecon.models import get_model
    from neurorecon.simulate import SimulationSpec, simulate
    from neurorecon.simulate.to_store import trajectories_dataset

    def make(name, values, n_ic=1, parameter_set=None, seed=1, **times):
        model = get_model(name)
        spec = SimulationSpec(control_values=list(values), n_ic=n_ic, seed=seed, parameter_set=parameter_set,
                              **times)
        return trajectories_dataset(model, simulate(model, spec), parameter_set or model.default_set)

    return make


@pytest.fixture(scope="session")
def toy_family(tmp_path_factory):
    """Register the ``toy`` family (tests/surrogates/toy_family.py) through a ``neurorecon.families``
    entry point, in this process and (through PYTHONPATH) in the Snakemake jobs the tests start."""
    site = tmp_path_factory.mktemp("plugin-site")
    info = site / "neurorecon_toy_family-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: neurorecon-toy-family\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text("[neurorecon.families]\ntoy = tests.surrogates.toy_family:ENTRY\n")
    paths = [str(site), str(ROOT)]
    sys.path[:0] = paths
    importlib.invalidate_caches()
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(paths + ([previous] if previous else []))
    yield "toy"
    for path in paths:
        sys.path.remove(path)
    if previous is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = previous
