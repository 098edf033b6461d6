"""Start-up of the ``neurorecon`` command: light commands import nothing heavy they do not use, and
the console entry (``neurorecon.__main__``) keeps the garbage collector out of the imports without
leaving it off."""

import json
import subprocess
import sys

import pytest

# Heavy packages that simulating or listing models never uses: importing any of them in such a
# command is start-up time thrown away (torch alone is seconds).
HEAVY = ("torch", "matplotlib", "seaborn", "jsonschema", "h5py", "pynwb", "pyabf", "sklearn",
         "scipy.integrate", "scipy.signal")


def _run_entry(args, cwd):
    """Run the console entry in a fresh interpreter; return (exit code, heavy modules, gc state)."""
    code = (
        "import gc, json, sys\n"
        "from neurorecon.__main__ import main\n"
        f"sys.argv = ['neurorecon', *{list(args)!r}]\n"
        "status = main()\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps({'status': status, 'heavy': heavy, 'gc_enabled': gc.isenabled(),"
        " 'frozen': gc.get_freeze_count()}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ["models"],
    ["simulate", "srk", "--values", "-40", "--transient", "0", "--duration", "1", "-o", "X.zarr"],
])
def test_light_commands_import_no_torch_and_no_plotting(tmp_path, args):
    result = _run_entry(args, tmp_path)
    assert result["status"] == 0
    assert result["heavy"] == []
    # the imports' objects were frozen and the collector is back on for the command's own objects
    assert result["gc_enabled"] and result["frozen"] > 10_000


def test_python_dash_m_runs_the_command(tmp_path):
    run = subprocess.run([sys.executable, "-m", "neurorecon", "models"], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "srk:" in run.stdout


def test_an_error_exits_with_the_commands_status(tmp_path):
    run = subprocess.run([sys.executable, "-m", "neurorecon", "simulate", "no_such_model", "--values", "1",
                          "-o", "x.zarr"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 2
    assert "no_such_model" in run.stderr
