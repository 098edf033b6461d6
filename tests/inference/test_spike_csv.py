"""Spike2Pop CSV reading: per-row errors naming the row, file-level errors naming the file."""

import numpy as np
import pytest

from neurorecon.inference.spike_csv import SpikeFileError, parse_times, read_spike_csv


def test_parse_times_reads_lists_with_any_separator():
    np.testing.assert_array_equal(parse_times("[1.5, 2.5, 4]"), [1.5, 2.5, 4.0])
    np.testing.assert_array_equal(parse_times("1;2;3"), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(parse_times(" 1 2  3 "), [1.0, 2.0, 3.0])


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path):
    path = tmp_path / "spikes.csv"
    path.write_text('ID,spike_times\n'
                    'good,"[10, 20, 35, 50]"\n'
                    'few,"[10, 20]"\n'
                    'back,"[10, 30, 20, 40]"\n'
                    'text,"[10, abc, 30]"\n'
                    'extra,"[1, 2, 3]",oops\n'
                    ',"[1, 2, 3]"\n'
                    '\n'
                    'good2,"[0.5, 1.5, 2.5]"\n')
    rows = read_spike_csv(path)
    by_id = {row.id: row for row in rows}
    assert [row.id for row in rows if row.error is None] == ["good", "good2"]
    np.testing.assert_array_equal(by_id["good"].times, [10.0, 20.0, 35.0, 50.0])
    assert by_id["few"].line == 3 and "at least 3" in by_id["few"].error
    assert "do not increase" in by_id["back"].error and by_id["back"].line == 4
    assert "'abc' is not a number" in by_id["text"].error
    assert "malformed CSV" in by_id["extra"].error
    assert by_id[""].error == "empty ID" and by_id[""].line == 7
    assert by_id["good2"].line == 9


def test_the_spike_column_may_have_another_name(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('ID,Spikes (ms)\nc1,"[1,2,3]"\n')
    (row,) = read_spike_csv(path)
    assert row.error is None and row.times.size == 3


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV text file"),
    (b"name,times\nc1,[1]\n", "no column 'ID'"),
    (b"ID\nc1\n", "no spike-time column"),
    (b"", "is empty"),
])
def test_file_level_problems_name_the_file(tmp_path, content, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpikeFileError, match=message) as info:
        read_spike_csv(path)
    assert str(path) in str(info.value)
