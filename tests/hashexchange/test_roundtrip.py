"""Exports round-trip through import into a fresh database: same hashes, same metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope, utcnow
from comity.evidence.models import ObjectHashRow
from comity.hashexchange import service
from comity.hashexchange.models import ExternalHash, HashImport
from comity.hashexchange.records import HashRecord
from comity.intake.models import Item
from comity.law.kb.loader import load_kb
from tests.evidence.servers import WebServer
from tests.hashexchange.conftest import HOSTILE_CASE

ORG_NAME = load_kb().register.require("al-qaida").name


def _export(engine: Engine, fmt: str, **kwargs: object) -> bytes:
    with session_scope(engine) as session:
        text, _ = service.export_hashes(session=session, fmt=fmt, actor="leo", **kwargs)  # type: ignore[arg-type]
    return text.encode()


def _import(engine: Engine, data: bytes, fmt: str, source: str = "partner") -> dict[str, object]:
    with session_scope(engine) as session:
        return service.import_hashes(
            session=session, data=data, fmt=fmt, source=source, actor="alice", file_name="x"
        )


def _stored(engine: Engine) -> set[HashRecord]:
    with read_session(engine) as session:
        rows = session.scalars(select(ExternalHash))
        return {
            HashRecord(
                algorithm=r.algorithm,
                value=r.value,
                reference=r.reference,
                url=r.url,
                conduct=r.conduct,
                organisation=r.organisation,
                organisation_name=r.organisation_name,
                decision=r.decision,
                decided_on=r.decided_on,
                case_name=r.case_name,
            )
            for r in rows
        }


def _expected(engine: Engine, item_ids: list[int]) -> set[HashRecord]:
    """What Comity holds of the approved items, read straight from its tables."""
    today = utcnow().date().isoformat()
    found = set()
    with read_session(engine) as session:
        for item_id in item_ids:
            item = session.get(Item, item_id)
            assert item is not None
            rows = session.scalars(
                select(ObjectHashRow).where(
                    ObjectHashRow.item_id == item_id, ObjectHashRow.value.is_not(None)
                )
            )
            for row in rows:
                assert row.value is not None
                found.add(
                    HashRecord(
                        algorithm=row.algorithm,
                        value=row.value,
                        reference=f"item-{item_id}",
                        url=item.url,
                        conduct="terrorism.incitement",
                        organisation=item.org_id,
                        organisation_name=ORG_NAME if item.org_id else None,
                        decision="approved",
                        decided_on=today,
                        case_name=HOSTILE_CASE if item.org_id else None,
                    )
                )
    return found


@pytest.mark.parametrize("fmt", ["tcap-csv", "stix"])
def test_an_export_imported_into_a_fresh_database_has_the_same_hashes_and_metadata(
    engine: Engine, fresh_engine: Engine, approved_site: tuple[WebServer, list[int]], fmt: str
) -> None:
    _, (poster, call, other) = approved_site
    expected = _expected(engine, [poster, call])
    assert {r.algorithm for r in expected} == {"sha256", "md5", "pdq", "tlsh"}

    summary = _import(fresh_engine, _export(engine, fmt), fmt)

    stored = _stored(fresh_engine)
    assert stored == expected
    assert summary["added"] == len(expected) and summary["rows"] == len(expected)
    assert f"item-{other}" not in {r.reference for r in stored}  # captured, never approved


def test_a_threatexchange_signal_file_round_trips_its_hashes(
    engine: Engine, fresh_engine: Engine, approved_site: tuple[WebServer, list[int]]
) -> None:
    _, (poster, call, _) = approved_site
    data = _export(engine, "threatexchange")
    lines = data.decode().splitlines()
    assert lines and all(line.split(" ")[0] in ("pdq", "video_md5", "tlsh") for line in lines)
    _import(fresh_engine, data, "threatexchange")
    expected = {
        (r.algorithm, r.value) for r in _expected(engine, [poster, call]) if r.algorithm != "sha256"
    }
    stored = _stored(fresh_engine)
    assert {(r.algorithm, r.value) for r in stored} == expected
    # The format carries hashes only: nothing else is made up on the way in.
    assert {(r.reference, r.url, r.conduct, r.case_name) for r in stored} == {
        ("", None, None, None)
    }


def test_reimporting_adds_nothing_and_every_import_and_export_is_audited(
    engine: Engine, approved_site: tuple[WebServer, list[int]], tmp_path: Path
) -> None:
    data = _export(engine, "stix")
    first = _import(engine, data, "stix", source="TCAP")
    again = _import(engine, data, "stix", source="TCAP")
    assert first["added"] and again["added"] == 0 and again["already_imported"] is True
    # A new export of the same decisions is another file (new STIX ids) with the same rows.
    other = _import(engine, _export(engine, "stix"), "stix", source="TCAP")
    assert other["added"] == 0 and other["already_imported"] is False
    with read_session(engine) as session:
        imports = [
            (i.source, i.imported_by, i.added, i.file_sha256)
            for i in session.scalars(select(HashImport).order_by(HashImport.id))
        ]
        count = len(session.scalars(select(ExternalHash)).all())
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("hashes.%"))
        ).all()
    assert count == first["added"]
    assert imports == [
        ("TCAP", "alice", first["added"], hashlib.sha256(data).hexdigest()),
        ("TCAP", "alice", 0, imports[1][3]),
    ]
    assert actions.count("hashes.export") == 2 and actions.count("hashes.import") == 3


def test_since_leaves_out_older_decisions(
    engine: Engine, approved_site: tuple[WebServer, list[int]]
) -> None:
    from datetime import timedelta

    tomorrow = utcnow().date() + timedelta(days=1)
    assert _export(engine, "threatexchange", since=tomorrow) == b""
    assert _export(engine, "threatexchange", since=utcnow().date()) != b""
