"""Fuzz: report files through the intake reader and validation, and URLs through the
canonicaliser and intake validation. Nothing may escape but BadInput, the error
that names the file, row or field (issue 13; COMITY_FUZZ_EXAMPLES per target).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from comity.core.errors import BadInput
from comity.intake.service import MAX_REPORTED_ERRORS, import_file, prepare
from comity.urls import canonicalize
from tests.fuzz.strategies import CODES, FUZZ, csv_files, raw_urls, texts

pytestmark = pytest.mark.fuzz
ALLOW = ("127.0.0.1", "::1", "10.0.0.0/8", "intranet.test")


def test_no_report_file_crashes_the_import_and_a_write_is_idempotent(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "fuzz.csv"

    @FUZZ
    @given(
        body=csv_files(),
        strict=st.booleans(),
        conduct=st.sampled_from([None, "terrorism.threat"]),
        # One file in sixteen is written (twice) rather than dry-run: writes cost milliseconds.
        write=st.integers(0, 15).map(lambda n: n == 0),
    )
    def run(body: bytes, strict: bool, conduct: str | None, write: bool) -> None:
        path.write_bytes(body)
        args = {"engine": engine, "path": path, "actor": "alice", "conduct": conduct}
        try:
            result = import_file(**args, strict=strict, dry_run=not write)
        except BadInput:
            return  # a file-level problem (header, empty file), named
        assert result.rows == result.valid + result.invalid
        assert len(result.errors) == min(result.invalid, MAX_REPORTED_ERRORS)
        lines = len(body.splitlines()) + 1
        assert all(2 <= e.line <= lines for e in result.errors), result.errors
        if write:
            again = import_file(**args, strict=strict)
            assert (again.items_created, again.reports_created) == (0, 0)
            assert again.to_json()["errors"] == result.to_json()["errors"]

    run()


@FUZZ
@given(raw=raw_urls, note=st.one_of(st.none(), texts), source=st.one_of(st.none(), texts))
def test_no_url_crashes_the_canonicaliser_or_the_intake_validation(
    raw: str, note: str | None, source: str | None
) -> None:
    try:
        canon = canonicalize(raw, allow=ALLOW)
    except BadInput:
        canon = None
    try:
        prepared = prepare(raw_url=raw, conduct=CODES[0], note=note, source=source, allow=ALLOW)
    except BadInput as exc:
        assert exc.message  # says why
        return
    assert canon is not None and prepared.url == canon.url
