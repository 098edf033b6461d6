"""The ``neurorecon recording`` subcommands: ``info``, ``import`` and ``features`` of a recording."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..io.stores import (
    check_store_output,
    check_table_output,
    provenance,
    write_dataset,
    write_table,
)
from .epochs import step_epochs
from .read import read_recording
from .recording import Recording, RecordingError
from .resources import resolve_recording
from .store import KIND, recording_dataset


def _input(args: argparse.Namespace) -> Path:
    """The recording FILE argument as a path (a shipped recording's name resolved)."""
    return resolve_recording(args.file)


def _load(args: argparse.Namespace) -> Recording:
    return read_recording(_input(args), args.channel)


def _sweeps(recording: Recording, requested: list[int] | None) -> list[int] | None:
    """``requested`` checked against the recording (None: all sweeps)."""
    for sweep in requested or []:
        if not 0 <= sweep < recording.n_sweeps:
            raise RecordingError(f"{recording.file_name}: sweep {sweep} is out of range; the file has "
                                 f"{recording.n_sweeps} sweeps (0 to {recording.n_sweeps - 1})")
    return requested


def _check_store(args: argparse.Namespace) -> None:
    """Refuse ``-o`` before any work if the output-path policy does."""
    check_store_output(args.output, KIND, inputs=[_input(args)], overwrite=args.overwrite)


def _write_store(args: argparse.Namespace, recording: Recording, sweeps: list[int] | None, rule: str) -> None:
    ds = recording_dataset(recording, provenance(rule=rule))
    if sweeps is not None:
        ds = ds.isel(sweep=sweeps)
    write_dataset(ds, args.output, inputs=[_input(args)], overwrite=args.overwrite)
    print(f"wrote {args.output}", file=sys.stderr)


def cmd_info(args: argparse.Namespace) -> int:
    """Print sweeps, channels, units, sampling rate and protocol epochs; write the store with -o."""
    if args.output is not None:
        _check_store(args)
    rec = _load(args)
    print(f"{rec.file_name}: {rec.file_format.upper()}, recorded {rec.recorded or 'unknown'}, "
          f"sha256 {rec.file_sha256[:12]}")
    for channel in rec.channels:
        print(f"  channel {channel.name!r} [{channel.unit}]{' (response)' if channel.name == rec.channel else ''}")
    print(f"  {rec.n_sweeps} sweeps of {rec.time_s.size / rec.rate_hz:g} s at {rec.rate_hz:g} Hz; "
          "V in mV, command I in pA")
    for sweep, epochs in enumerate(rec.epochs):
        steps = {index for index, _ in step_epochs(epochs)}
        text = "  ".join(f"{e.start_s:.4g}-{e.stop_s:.4g} s: {e.level_pA:g}{'*' if i in steps else ''}"
                         for i, e in enumerate(epochs))
        print(f"  sweep {sweep}: {text}")
    print("  (pA; * marks step epochs)")
    if args.output is not None:
        _write_store(args, rec, None, "cli:recording info")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Write a recording store from an ABF or NWB file."""
    _check_store(args)
    rec = _load(args)
    _write_store(args, rec, _sweeps(rec, args.sweep), "cli:recording import")
    return 0


def _pa(value: float) -> str:
    return "none" if math.isnan(value) else f"{value:g} pA"


def cmd_features(args: argparse.Namespace) -> int:
    """Features of every step epoch to a CSV; print the per-recording summary."""
    # imported here: spike and burst analysis is not needed by the other commands
    from .features import FEATURE_COLUMNS, StepRegime, features_table, step_features
    from .summary import summarise

    check_table_output(args.csv, FEATURE_COLUMNS, inputs=[_input(args)], overwrite=args.overwrite)
    rec = _load(args)
    steps = step_features(rec, sweeps=_sweeps(rec, args.sweep))
    summary = summarise(steps)
    counts = {regime: sum(s.regime == regime for s in steps) for regime in StepRegime}
    print(f"{rec.file_name} [{rec.channel}]: {len(steps)} step epochs; "
          + ", ".join(f"{regime.name.lower()} {n}" for regime, n in counts.items() if n))
    print(f"  rheobase {_pa(summary.rheobase_pA)}; f-I slope {summary.fi_slope_hz_per_pA:.3g} Hz/pA; "
          f"excitability type {summary.excitability.type} ({summary.excitability.reason}); "
          f"depolarisation block from {_pa(summary.block_onset_pA)}")
    write_table(features_table(steps), args.csv, inputs=[_input(args)], overwrite=args.overwrite)
    print(f"wrote {args.csv}", file=sys.stderr)
    return 0


def add_recording_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``recording`` with its subcommands to the ``neurorecon`` sub-parsers ``sub``."""
    parser = sub.add_parser("recording", help="read real current-clamp recordings (ABF, NWB)")
    commands = parser.add_subparsers(dest="recording_command", required=True)

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_text)
        p.add_argument("file", help="ABF or NWB file, a recording store (.zarr), or the name of a shipped recording")
        p.add_argument("--channel", default=None,
                       help="response channel (ABF input name, NWB electrode; default: the one in volts)")
        p.add_argument("--overwrite", action="store_true",
                       help="replace an existing file or store of another kind at the output path (an output of "
                            "the same kind is always replaced; a folder that is not a neurorecon output never is)")
        p.set_defaults(func=func)
        return p

    p_info = add("info", "sweeps, channels, units, sampling rate, protocol epochs", cmd_info)
    p_info.add_argument("-o", "--output", default=None, help="also write the recording store (.zarr)")
    p_import = add("import", "write a recording store (.zarr)", cmd_import)
    p_import.add_argument("-o", "--output", required=True, help="recording store to write (.zarr)")
    p_features = add("features", "features of every step epoch to a CSV, with the f-I summary", cmd_features)
    p_features.add_argument("--csv", required=True, help="table to write, one row per (sweep, step epoch)")
    for p in (p_import, p_features):
        p.add_argument("--sweep", type=int, action="append", default=None,
                       help="sweep index to use (repeatable; default: all)")
