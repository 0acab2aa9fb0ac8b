"""Hostile and broken hash lists: refused by row and field, nothing half-written."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import Engine, func, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.hashexchange import service
from comity.hashexchange.models import ExternalHash, HashImport
from tests.evidence.servers import WebServer
from tests.hashexchange.conftest import HOSTILE_CASE

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "cab08b36195edb1a1231d2d09fa450e0"


def _import(engine: Engine, data: bytes, fmt: str) -> dict[str, object]:
    with session_scope(engine) as session:
        return service.import_hashes(
            session=session, data=data, fmt=fmt, source="partner", actor="alice"
        )


def _nothing_written(engine: Engine) -> None:
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ExternalHash)) == 0
        assert session.scalar(select(func.count()).select_from(HashImport)) == 0
        assert session.scalar(select(func.count()).where(AuditEvent.action == "hashes.import")) == 0


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        # good rows first: the bad last one must undo them all
        (
            "threatexchange",
            f"pdq {PDQ}\nvideo_md5 {MD5}\npdq {PDQ[:-2]}\n",
            r"row 3, field signal: .* 64 hex",
        ),
        (
            "threatexchange",
            f"pdq {PDQ}\npdq {PDQ[:-1]}g\n",
            r"row 2, field signal: .*not a pdq hash",
        ),
        ("threatexchange", f"pdq {PDQ}\nraw_text hello\n", r"row 2, field signal_type: 'raw_text'"),
        (
            "threatexchange",
            f"pdq {PDQ}\npdq {'a' * 100_000}\n",
            r"row 2, field line: 100004 characters",
        ),
        (
            "threatexchange",
            f"video_md5 {MD5}\nvideo_md5 {MD5}00\n",
            r"row 2, field signal: .*32 hex",
        ),
        ("tcap-csv", f"hash_type,hash_value\nPDQ,{PDQ}\nPDQ,{PDQ}ff\n", r"row 3, field hash_value"),
        ("tcap-csv", f"hash_type,hash_value\nSHA1,{MD5}\n", r"row 2, field hash_type: 'SHA1'"),
        (
            "tcap-csv",
            f"hash_type,hash_value,entity\nMD5,{MD5},{'x' * 5000}\n",
            r"row 2, field entity: 5000 characters",
        ),
        (
            "tcap-csv",
            f'hash_type,hash_value\nMD5,"{"x" * 200_000}"\n',
            r"row \d+, field row: not CSV: field larger",
        ),
        (
            "tcap-csv",
            f"hash_type,hash_value,decision_date\nMD5,{MD5},2026-13-40\n",
            r"row 2, field decision_date",
        ),
        (
            "tcap-csv",
            f"type,value\nMD5,{MD5}\n",
            r"row 1, field hash_type: the header has no such column",
        ),
        ("tcap-csv", f"hash_type,hash_value\nMD5,{MD5},extra\n", r"row 2, field row: 3 cells"),
        ("stix", "[" * 100_000, r"not JSON"),
        ("stix", '{"type": "report"}', r"not a STIX bundle"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_naming_row_and_field(
    engine: Engine, staff: dict[str, str], fmt: str, data: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        _import(engine, data.encode(), fmt)
    _nothing_written(engine)


def _bundle(*objects: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "type": "bundle",
            "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
            "objects": list(objects),
        }
    ).encode()


def test_stix_custom_content_and_bad_hashes_are_refused_by_object(
    engine: Engine, staff: dict[str, str]
) -> None:
    good = {
        "type": "file",
        "spec_version": "2.1",
        "id": "file--4b8e0b3b-2b3a-5a4e-8a2e-2f3c9d1e0a11",
        "hashes": {"MD5": MD5},
    }
    custom = good | {"id": "file--5b8e0b3b-2b3a-5a4e-8a2e-2f3c9d1e0a11", "x_note": "custom"}
    with pytest.raises(BadInput, match=r"object 2, field object: file--5b8e.*x_note"):
        _import(engine, _bundle(good, custom), "stix")
    pdq_hash = good | {"id": "file--6b8e0b3b-2b3a-5a4e-8a2e-2f3c9d1e0a11", "hashes": {"PDQ": PDQ}}
    with pytest.raises(BadInput, match=r"object 2, field object: .*custom hash algorithm: PDQ"):
        _import(engine, _bundle(good, pdq_hash), "stix")
    short = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--7b8e0b3b-2b3a-4a4e-8a2e-2f3c9d1e0a11",
        "created": "2026-12-06T00:00:00Z",
        "modified": "2026-12-06T00:00:00Z",
        "pattern": f"[file:hashes.PDQ = '{PDQ[:60]}']",
        "pattern_type": "stix",
        "valid_from": "2026-12-06T00:00:00Z",
    }
    with pytest.raises(BadInput, match=r"object 2, field pattern: .*64 hex digits"):
        _import(engine, _bundle(good, short), "stix")
    _nothing_written(engine)


def test_not_utf8_and_oversized_files_are_refused(engine: Engine, staff: dict[str, str]) -> None:
    with pytest.raises(BadInput, match=r"not UTF-8 text \(byte 4\)"):
        _import(engine, b"pdq \xff\xfe", "threatexchange")
    with pytest.raises(BadInput, match=r"at most 50000000"):
        _import(engine, b"\n" * 50_000_001, "threatexchange")
    with pytest.raises(BadInput, match=r"--source"), session_scope(engine) as session:
        service.import_hashes(session=session, data=b"", fmt="stix", source=" \n", actor="alice")
    _nothing_written(engine)


def test_csv_export_neutralises_formula_cells_and_import_restores_them(
    engine: Engine, approved_site: tuple[WebServer, list[int]]
) -> None:
    with session_scope(engine) as session:
        text, _ = service.export_hashes(session=session, fmt="tcap-csv", actor="leo")
    rows = list(csv.DictReader(io.StringIO(text)))
    cases = {r["case"] for r in rows if r["case"]}
    assert cases == {"'" + HOSTILE_CASE}  # a spreadsheet shows it as text, never runs it
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    _import(engine, text.encode(), "tcap-csv")
    with read_session(engine) as session:
        names = set(
            session.scalars(
                select(ExternalHash.case_name).where(ExternalHash.case_name.is_not(None))
            )
        )
    assert names == {HOSTILE_CASE}


def test_only_liaison_or_supervisor_exports_and_an_auditor_cannot_import(
    engine: Engine, staff: dict[str, str]
) -> None:
    from comity.core.errors import Refused

    with pytest.raises(Refused), session_scope(engine) as session:
        service.export_hashes(session=session, fmt="stix", actor="alice")
    with pytest.raises(Refused), session_scope(engine) as session:
        service.import_hashes(
            session=session,
            data=f"pdq {PDQ}\n".encode(),
            fmt="threatexchange",
            source="x",
            actor="aud",
        )
    _nothing_written(engine)


def test_a_bundle_of_bare_file_hashes_imports_the_hashes_alone(
    engine: Engine, staff: dict[str, str]
) -> None:
    bare = {
        "type": "file",
        "spec_version": "2.1",
        "id": "file--4b8e0b3b-2b3a-5a4e-8a2e-2f3c9d1e0a11",
        "hashes": {"MD5": MD5.upper(), "SHA-512": "ab" * 64},
    }
    summary = _import(engine, _bundle(bare), "stix")
    assert summary["added"] == 1 and summary["ignored"] == []
    with read_session(engine) as session:
        row = session.scalars(select(ExternalHash)).one()
        assert (row.algorithm, row.value, row.reference, row.url) == ("md5", MD5, "", None)
