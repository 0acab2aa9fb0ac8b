"""Atomic writes: a failed write leaves the previous file whole and no temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from comity.core.files import write_atomically


def test_the_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "hashes.csv"
    target.write_bytes(b"old list\n")
    write_atomically(target, b"new list\n")
    assert target.read_bytes() == b"new list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hashes.csv"]


def test_a_write_that_fails_half_way_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the report sent yesterday")

    # text where bytes belong: the write fails after the temporary file was opened
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"the report sent yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
