"""The ``neurorecon`` console script (also ``python -m neurorecon``): :func:`neurorecon.cli.main`
with the cyclic garbage collector kept out of the start-up.

Importing what a command needs (numpy, numba, pandas, xarray, zarr, the package) creates a few
hundred thousand objects that live until the process exits. CPython's collector walks every
tracked object on each full collection, and the collections that these imports trigger, plus the
ones during numba's first call and at shutdown that walk them again, were about a third of the
CPU time of a short command (``neurorecon simulate srk --values -40 --transient 0 --duration 1``;
docs/measurements.md, "Start-up"). So the collector is off while :mod:`neurorecon.cli` is
imported, and the objects the imports created are then frozen (:func:`gc.freeze`: moved to a
generation no collection walks or frees). Everything the command itself allocates is collected as
usual, so a long command (``train``) keeps its memory in check. This module imports nothing heavy
itself; tests call :func:`neurorecon.cli.main` directly, without the freeze.

OpenBLAS (numpy and scipy each load their own copy) starts its worker threads when it is loaded, and
they spin for a while (``OPENBLAS_THREAD_TIMEOUT``: 2^28 cycles by default) before they sleep, on a
2-core machine against the start-up itself: 0.1 s of CPU time of the short command above. The entry
makes them sleep at once unless the variable is already set; BLAS calls still use every thread.
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> int:
    """Run the ``neurorecon`` command line; returns its exit status."""
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # read when numpy loads OpenBLAS
    enabled = gc.isenabled()
    gc.disable()
    try:
        from .cli import main as cli_main
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
