"""Per-model kernel compilation: cache names follow the right-hand side's file; cache location."""

import importlib.util
import sys
import tempfile

import numba
import pytest

from neurorecon import numba_cache
from neurorecon.models import get_model
from neurorecon.simulate import dopri5, rk4
from neurorecon.simulate.kernels import compiled, rhs_tag

RHS_SOURCE = """
import numba

@numba.njit
def rhs(y, p, dydt):
    dydt[0] = {coefficient} * y[0]
"""


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def rhs_file(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "decay_rhs.py"
    yield path
    sys.modules.pop("decay_rhs", None)


def test_editing_the_rhs_file_changes_the_cache_name(rhs_file):
    rhs_file.write_text(RHS_SOURCE.format(coefficient="-1.0"))
    first = rhs_tag(_load(rhs_file, "decay_rhs").rhs)
    same = rhs_tag(_load(rhs_file, "decay_rhs").rhs)
    rhs_file.write_text(RHS_SOURCE.format(coefficient="-2.0"))
    edited = rhs_tag(_load(rhs_file, "decay_rhs").rhs)
    assert first is not None and first.startswith("decay_rhs_rhs_")
    assert first == same != edited


def test_rhs_without_source_file_compiles_uncached():
    namespace = {}
    exec(RHS_SOURCE.format(coefficient="-1.0"), namespace)  # noqa: S102 (test source: no file behind it)
    assert rhs_tag(namespace["rhs"]) is None
    assert compiled(rk4.kernel, namespace["rhs"])._cache.__class__.__name__ == "NullCache"


def test_each_model_and_method_gets_its_own_cached_kernel():
    srk, hh = get_model("srk").rhs, get_model("hh").rhs
    kernels = {compiled(template, rhs) for template in (rk4.kernel, dopri5.kernel) for rhs in (srk, hh)}
    assert len(kernels) == 4
    assert compiled(rk4.kernel, srk) is compiled(rk4.kernel, srk)
    assert all(kernel._cache.__class__.__name__ == "FunctionCache" for kernel in kernels)
    assert "srk_rhs" in compiled(dopri5.kernel, srk).py_func.__qualname__


def test_unwritable_install_falls_back_to_a_temporary_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setattr(numba_cache, "_writable", lambda directory: False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    chosen = numba_cache.ensure_cache_dir()
    assert chosen is not None and chosen.parent == tmp_path and chosen.is_dir()
    assert str(chosen) == numba.config.CACHE_DIR


def test_user_cache_dir_setting_is_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    assert numba_cache.ensure_cache_dir() is None
    assert str(tmp_path) == numba.config.CACHE_DIR
