"""Capture, verify and show evidence.

Network I/O never happens inside a database transaction (a slow site would
hold SQLite's write lock): `capture_items` checks the actor and reads the
items in a read session, fetches and stores the files, and only then writes
each Evidence row, its audit event and the item's state in one short write
transaction (files first, row last: a row never points at a missing file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any, BinaryIO

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, NotFound
from comity.evidence import screenshot as shots
from comity.evidence.fetch import Fetcher, FetchResult
from comity.evidence.groups import after_capture
from comity.evidence.hashes import ObjectHash, document_text, hash_warc
from comity.evidence.models import CaptureText, Evidence
from comity.evidence.similar import record_hashes
from comity.evidence.store import Store
from comity.evidence.warc import write_warc
from comity.intake.models import Item
from comity.users.service import require

__all__ = [
    "Captured",
    "capture_configured",
    "capture_items",
    "evidence_dict",
    "fetch_and_store",
    "list_evidence",
    "mirrors",
    "record_capture",
    "verify",
]

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_STORED_OUTCOMES = frozenset({"ok", "http_error"})
# The searchable text kept per capture (comity.web.textsearch): the first this many
# characters of the page title and visible text; the WARC keeps everything.
MAX_SEARCH_TEXT = 100_000


@dataclass
class Captured:
    """A fetch and the files stored for it, not yet recorded in the database."""

    item_id: int
    result: FetchResult
    content: tuple[str, str, int] | None = None  # path, sha256, size
    warc: tuple[str, str] | None = None  # path, sha256
    screenshot: tuple[str, str] | None = None
    text: str | None = None  # visible text of the document, for search
    notes: tuple[str, ...] = ()
    hashes: tuple[ObjectHash, ...] = ()


def _title(body: bytes) -> str | None:
    match = _TITLE.search(body[:65536])
    if match is None:
        return None
    text = unescape(match.group(1).decode("utf-8", "replace"))
    return " ".join(text.split())[:500] or None


def fetch_and_store(
    *, item_id: int, url: str, actor: str, fetcher: Fetcher, store: Store, screenshot: bool
) -> Captured:
    """Fetch `url` and seal what came back into the store (no database access)."""
    result = fetcher.fetch(url)
    captured = Captured(item_id=item_id, result=result)
    if result.outcome not in _STORED_OUTCOMES or result.body is None:
        return captured

    def write(handle: BinaryIO) -> None:
        write_warc(handle, result, captured_by=actor)

    warc = store.put("evidence", write)
    body = store.put_bytes("objects", result.body)
    captured.warc = (warc.path, warc.sha256)
    captured.hashes = _hash(store, warc.path, result.requested_url)
    captured.content = (body.path, body.sha256, body.size)
    captured.text = document_text(result.header("content-type") or "", result.body, MAX_SEARCH_TEXT)
    if screenshot:
        try:
            png = store.put_bytes("screenshots", shots.render(result.body))
            captured.screenshot = (png.path, png.sha256)
        except shots.ScreenshotUnavailable as exc:
            captured.notes = (f"no screenshot: {exc}",)
    return captured


def _hash(store: Store, warc_path: str, url: str) -> tuple[ObjectHash, ...]:
    """Hashes of the objects in the sealed WARC; a failure is a row, never a failed capture."""
    try:
        return tuple(hash_warc(store.path(warc_path)))
    except Exception as exc:
        reason = f"WARC not hashable: {type(exc).__name__}: {exc}"[:500]
        return (ObjectHash(url, "other", "sha256", None, reason=reason),)


def _mark_captured(session: Session, item: Item, actor: str) -> None:
    """Advance reported -> captured through the case state machine (never backwards)."""
    from comity.cases.states import advance

    advance(session=session, item=item, to="captured", actor=actor, reason="evidence captured")


def record_capture(*, session: Session, captured: Captured, actor: str) -> Evidence:
    """Insert the Evidence row for `captured`, with its audit event, in `session`."""
    require(session=session, actor=actor, action="capture")
    item = session.get(Item, captured.item_id)
    if item is None:
        raise NotFound(f"item {captured.item_id} does not exist")
    result = captured.result
    error = "; ".join(e for e in (result.error, *captured.notes) if e) or None
    evidence = Evidence(
        item_id=item.id,
        captured_at=utcnow(),
        requested_url=result.requested_url,
        final_url=result.final_url,
        status=result.status,
        outcome=result.outcome,
        headers=[list(h) for h in (result.final.headers if result.final else [])],
        content_type=(result.header("content-type") or None),
        title=_title(result.body) if result.body is not None else None,
        error=error,
        captured_by=actor,
    )
    if captured.content is not None:
        evidence.content_path, evidence.content_sha256, evidence.content_length = captured.content
    if captured.warc is not None:
        evidence.warc_path, evidence.warc_sha256 = captured.warc
    if captured.screenshot is not None:
        evidence.screenshot_path, evidence.screenshot_sha256 = captured.screenshot
    session.add(evidence)
    session.flush()
    searchable = " ".join(t for t in (evidence.title, captured.text) if t)
    if searchable:
        session.add(CaptureText(evidence_id=evidence.id, item_id=item.id, text=searchable))
    hashed = record_hashes(
        session=session, item_id=item.id, evidence_id=evidence.id, hashes=captured.hashes
    )
    state = evidence_dict(evidence)
    audit.record(
        session=session,
        actor=actor,
        action="evidence.capture",
        object_type="evidence",
        object_id=evidence.id,
        state=state,
        data={
            "item_id": item.id,
            "outcome": evidence.outcome,
            "status": evidence.status,
            "final_url": evidence.final_url,
            "content_sha256": evidence.content_sha256,
            "warc_sha256": evidence.warc_sha256,
            "object_hashes": hashed,
        },
    )
    if evidence.outcome == "ok":
        _mark_captured(session, item, actor)
        after_capture(session=session, evidence=evidence, actor=actor)
    return evidence


def _targets(session: Session, item_ids: Sequence[int], everything: bool) -> list[Item]:
    if everything:
        return list(session.scalars(select(Item).order_by(Item.id)))
    if not item_ids:
        raise BadInput("capture: give item ids or --all")
    found = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(item_ids)))}
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise NotFound(f"item {missing[0]} does not exist (see: comity items list)")
    return [found[i] for i in dict.fromkeys(item_ids)]


def capture_items(
    *,
    engine: Engine,
    item_ids: Sequence[int],
    everything: bool = False,
    actor: str | None,
    fetcher: Fetcher,
    store: Store,
    screenshot: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Capture each item; one dict per capture (with the mirrors found)."""
    store.sweep()
    with read_session(engine) as session:
        require(session=session, actor=actor, action="capture")
        targets = [(i.id, i.url) for i in _targets(session, item_ids, everything)]
    assert actor is not None  # require() refused a missing actor
    done: list[dict[str, Any]] = []
    for item_id, url in targets:
        captured = fetch_and_store(
            item_id=item_id,
            url=url,
            actor=actor,
            fetcher=fetcher,
            store=store,
            screenshot=screenshot,
        )
        with session_scope(engine) as session:
            evidence = record_capture(session=session, captured=captured, actor=actor)
            entry = evidence_dict(evidence) | {"mirrors": mirrors(session=session, item_id=item_id)}
        done.append(entry)
        if progress is not None:
            progress(entry)
    return done


def evidence_dict(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "item_id": evidence.item_id,
        "captured_at": evidence.captured_at.isoformat() if evidence.captured_at else None,
        "requested_url": evidence.requested_url,
        "final_url": evidence.final_url,
        "status": evidence.status,
        "outcome": evidence.outcome,
        "content_sha256": evidence.content_sha256,
        "content_length": evidence.content_length,
        "content_type": evidence.content_type,
        "content_path": evidence.content_path,
        "warc_sha256": evidence.warc_sha256,
        "warc_path": evidence.warc_path,
        "screenshot_sha256": evidence.screenshot_sha256,
        "screenshot_path": evidence.screenshot_path,
        "title": evidence.title,
        "error": evidence.error,
        "captured_by": evidence.captured_by,
    }


def mirrors(*, session: Session, item_id: int) -> list[dict[str, Any]]:
    """Other items whose captured content is byte-identical to one of this item's."""
    # Only successful, non-empty captures count: every 404 page of a host, or
    # every empty body, is "identical" without being a re-upload.
    good = (Evidence.outcome == "ok", Evidence.content_length > 0)
    hashes = select(Evidence.content_sha256).where(Evidence.item_id == item_id, *good)
    rows = session.execute(
        select(Item.id, Item.url, Item.state, Evidence.content_sha256)
        .join(Evidence, Evidence.item_id == Item.id)
        .where(Evidence.content_sha256.in_(hashes), Item.id != item_id, *good)
        .order_by(Item.id)
    ).all()
    seen: dict[int, dict[str, Any]] = {}
    for other_id, url, state, sha in rows:
        seen.setdefault(other_id, {"item_id": other_id, "url": url, "state": state, "sha256": sha})
    return list(seen.values())


def list_evidence(*, session: Session, item_id: int) -> list[Evidence]:
    if session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} does not exist (see: comity items list)")
    return list(
        session.scalars(select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id))
    )


def _check(
    store: Store, rel: str | None, sha: str | None, evidence_id: int, what: str
) -> str | None:
    problem = store.check(rel, sha)
    return None if problem is None else f"evidence {evidence_id}: {what} {problem}"


def verify(*, session: Session, store: Store) -> dict[str, Any]:
    """Re-hash every stored file named by an Evidence row; sweep dead temp files."""
    problems: list[str] = []
    checked = 0
    for evidence in session.scalars(select(Evidence).order_by(Evidence.id)):
        for what, rel, sha in (
            ("warc", evidence.warc_path, evidence.warc_sha256),
            ("content", evidence.content_path, evidence.content_sha256),
            ("screenshot", evidence.screenshot_path, evidence.screenshot_sha256),
        ):
            if rel is not None or sha is not None:
                checked += 1
            problem = _check(store, rel, sha, evidence.id, what)
            if problem:
                problems.append(problem)
    # A row pointed at another capture's file, or deleted, still passes the
    # re-hash: the audit chain recorded what each row was.
    from comity.integrity.verify import verify_data

    chain = verify_data(session=session, store=None, kinds=("evidence",))
    problems += [d.line() for d in chain.differences]
    swept = store.sweep()
    return {
        "files_checked": checked,
        "rows_compared": chain.objects,
        "problems": problems,
        "ok": not problems,
        "temp_swept": swept,
    }


def capture_configured(
    *, engine: Engine, settings: Any, item_ids: Sequence[int], actor: str | None, screenshot: bool
) -> list[dict[str, Any]]:
    """`capture_items` with the fetcher and store the settings configure (pages and API)."""
    return capture_items(
        engine=engine,
        item_ids=item_ids,
        actor=actor,
        fetcher=Fetcher.from_settings(settings),
        store=Store(settings.home),
        screenshot=screenshot,
    )
