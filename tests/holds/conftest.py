"""Fixtures for deconfliction holds: captured objects with hashes, and held items."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow
from comity.evidence.hashes import ObjectHash
from comity.evidence.models import Evidence
from comity.evidence.similar import record_hashes
from comity.holds import service
from tests.cases.conftest import review  # noqa: F401 (a fixture the tests use)

# A PDQ hash and copies 20 bits (a re-encoded copy) and 40 bits (other content) away.
PDQ = "f" * 16 + "0" * 16 + "a5" * 8 + "3c" * 8
# The group distance is 31 bits (comity.evidence.similar.DEFAULT_PDQ_DISTANCE).


def flip(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def capture_objects(
    engine: Engine, item_id: int, *, sha: str, pdq: str | None = None, quality: int = 100
) -> int:
    """A successful capture of the item whose one image has `sha` (and `pdq`); its id."""
    with session_scope(engine) as session:
        evidence = Evidence(
            item_id=item_id,
            captured_at=utcnow(),
            requested_url="https://terror.example/",
            outcome="ok",
            headers=[],
            content_sha256="cd" * 32,
            captured_by="alice",
        )
        session.add(evidence)
        session.flush()
        hashes = [ObjectHash("https://img.example/a.jpg", "image", "sha256", sha)]
        if pdq is not None:
            hashes.append(ObjectHash("https://img.example/a.jpg", "image", "pdq", pdq, quality))
        record_hashes(session=session, item_id=item_id, evidence_id=evidence.id, hashes=hashes)
        return evidence.id


def add_hold(engine: Engine, kind: str, value: str, *, by: str = "leo", **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "agency": "Financial Monitoring Agency",
        "contact": "duty officer, +7 7172 111111",
        "legal_basis": "Law on counter-terrorism, art. 10 (operational measures)",
        "reason": "the channel is under observation; removal would warn its operators",
        "until": date.today() + timedelta(days=30),
    }
    args.update(kwargs)
    with session_scope(engine) as session:
        return service.add_hold(
            session=session, actor=by, scope_kind=kind, scope_value=value, **args
        ).id


def approve(engine: Engine, hold_id: int, by: str = "sam") -> None:
    with session_scope(engine) as session:
        service.approve_hold(session=session, actor=by, hold_id=hold_id)


def active_hold(engine: Engine, kind: str, value: str, **kwargs: Any) -> int:
    hold_id = add_hold(engine, kind, value, **kwargs)
    approve(engine, hold_id)
    return hold_id
