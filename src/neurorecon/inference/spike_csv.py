"""Spike2Pop's spike-time CSV: one row per cell, a column ``ID`` and one column holding the cell's
spike times in ms as a list (``"[12.5, 40.1, 77.0]"``; brackets optional, items separated by commas,
semicolons or white space). The spike-time column is the one other column (any name; when there are
several, the first of ``spike_times``, ``spikes``, ``spiketimes``, ``times``).

A problem with the file (missing, unreadable, not text, no header with ``ID``, no spike-time
column) raises :class:`SpikeFileError`; a problem with a row (wrong number of fields, an empty ID,
a value that is not a number, fewer than three spikes, non-increasing times) is reported in that
row's :class:`Row` and the other rows are read.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import SpikeTrainError, check_train

TIME_COLUMNS = ("spike_times", "spikes", "spiketimes", "times")
_SEPARATORS = re.compile(r"[,;\s]+")


class SpikeFileError(ValueError):
    """A spike-time file that cannot be read at all; the message names the file."""


@dataclass(frozen=True)
class Row:
    """One data row of the file.

    Attributes:
        line: line number in the file (the header is line 1).
        id: the row's ``ID`` ("" if it had none).
        times: (n_spikes,) float64 checked spike times in ms, or None when ``error`` is set.
        error: what is wrong with the row, or None.
    """

    line: int
    id: str
    times: np.ndarray | None
    error: str | None


def parse_times(text: str) -> np.ndarray:
    """Spike times of one cell from its list text; raises :class:`SpikeTrainError`."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    items = [item for item in _SEPARATORS.split(body) if item]
    values = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise SpikeTrainError(f"{item!r} is not a number") from None
    return check_train(values)


def read_spike_csv(path: str | os.PathLike) -> list[Row]:
    """Every data row of a Spike2Pop CSV (format in the module docstring).

    Raises:
        SpikeFileError: the file is missing, unreadable, or not such a CSV.
    """
    path = Path(path)
    if not path.is_file():
        raise SpikeFileError(f"spike-time file {str(path)!r} does not exist" if not path.exists()
                             else f"{str(path)!r} is not a file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SpikeFileError(f"cannot read spike-time file {str(path)!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SpikeFileError(f"{str(path)!r} is not a CSV text file (not UTF-8 text)") from None
    if "\x00" in text:
        raise SpikeFileError(f"{str(path)!r} is not a CSV text file (binary content)")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise SpikeFileError(f"{str(path)!r} is empty; expected a CSV with columns ID and spike times") from None
    except csv.Error as exc:
        raise SpikeFileError(f"{str(path)!r} is not a readable CSV: {exc}") from None
    header = [name.strip() for name in header]
    if "ID" not in header:
        raise SpikeFileError(f"{str(path)!r} is not a spike-time CSV: its header {header[:5]} has no column 'ID'")
    others = [name for name in header if name != "ID"]
    named = [name for name in TIME_COLUMNS if name in others]
    if not others:
        raise SpikeFileError(f"{str(path)!r} has no spike-time column besides 'ID'")
    id_col, time_col = header.index("ID"), header.index(named[0] if named else others[0])
    rows = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(Row(reader.line_num, "", None, f"malformed CSV: {exc}"))
            continue
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue  # blank line
        if len(fields) != len(header):
            ident = fields[id_col].strip() if id_col < len(fields) else ""
            rows.append(Row(line, ident, None, f"malformed CSV: {len(fields)} fields, the header has {len(header)}"))
            continue
        ident = fields[id_col].strip()
        if not ident:
            rows.append(Row(line, "", None, "empty ID"))
            continue
        try:
            rows.append(Row(line, ident, parse_times(fields[time_col]), None))
        except SpikeTrainError as exc:
            rows.append(Row(line, ident, None, str(exc)))
    return rows
