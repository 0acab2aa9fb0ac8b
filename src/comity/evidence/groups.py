"""Content groups: items whose captured objects are the same content (issue 17).

When a successful capture has an object whose SHA-256 equals, or whose PDQ is
within the distance of, an object of another item's successful capture, the
item joins that item's content group (the group is named by its first item).
Only successful captures count on both sides: a removed item's 404 page, or a
host's error page, would otherwise link every removed item of that host.

PDQ hashes of quality below 50 are left out of matching on both sides: flat or
near-empty images (a blank banner, a one-colour placeholder) have hashes that
sit close to each other whatever the picture, so they would link unrelated
items. Videos link to videos by vPDQ's comparison of their frame sets
(comity.evidence.similar.video_near; the member's distance is the median
frame distance), never a single frame to a still image. Documents (PDF) link to
documents by the TLSH of their text within `DOCUMENT_TLSH_DISTANCE`, stricter
than the 100 `evidence similar` lists: an edited copy of a leaflet or manual
is the same content. Web pages are not linked by text: pages of one site share
their template text, and a page's text match is left to `comity evidence
similar`, where a person judges. The document comparison reads every stored
document hash (TLSH has no index here): linear in their number, fine for the
thousands of PDFs a centre captures, not for millions.

An item joins one group, the first time it matches; a later match to another
group is not merged (groups are small, and a merge rewrites what earlier
decisions were shown against; `evidence similar` still lists every match).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tlsh  # no type stubs: see the mypy overrides in pyproject.toml
from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.evidence.models import ContentMember, Evidence, ObjectHashRow
from comity.evidence.similar import (
    DEFAULT_PDQ_DISTANCE,
    MIN_PDQ_QUALITY,
    pdq_near,
    video_near,
    videos,
)
from comity.intake.models import Item

# The demo's edited leaflet is at 21, the tests' edited PDF at 77 and unrelated
# texts at 200 and more (tests/evidence/test_content_groups.py).
DOCUMENT_TLSH_DISTANCE = 80

__all__ = [
    "DOCUMENT_TLSH_DISTANCE",
    "MIN_PDQ_QUALITY",
    "after_capture",
    "content_group",
    "link_capture",
    "register_on_captured",
    "register_on_linked",
]

# Called after an item joins a group: fn(session, actor, item_id, group_id).
OnLinked = Callable[[Session, str, int, int], None]
_ON_LINKED: dict[str, OnLinked] = {}


def register_on_linked(name: str, fn: OnLinked) -> None:
    """What another domain does when an item joins a group (tracking: `reappeared`)."""
    _ON_LINKED[name] = fn


# Called after every successful capture: fn(session, actor, evidence).
OnCaptured = Callable[[Session, str, Evidence], None]
_ON_CAPTURED: dict[str, OnCaptured] = {}


def register_on_captured(name: str, fn: OnCaptured) -> None:
    """What another domain does with a new successful capture (the hash exchange: flags)."""
    _ON_CAPTURED[name] = fn


def after_capture(*, session: Session, evidence: Evidence, actor: str) -> None:
    """Link the capture into a content group, then run the registered capture hooks."""
    link_capture(session=session, evidence=evidence, actor=actor)
    from comity.cases.hooks import load_hooks

    load_hooks()
    for _, fn in sorted(_ON_CAPTURED.items()):
        fn(session, actor, evidence)


def _successful(item_id: int) -> Any:
    ok = select(Evidence.id).where(Evidence.outcome == "ok")
    return (ObjectHashRow.evidence_id.in_(ok), ObjectHashRow.item_id != item_id)


def _candidates(session: Session, evidence_id: int, item_id: int) -> list[tuple[int, str, int]]:
    """(other item, algorithm, distance) for every match of this capture's objects."""
    own = list(
        session.scalars(
            select(ObjectHashRow).where(
                ObjectHashRow.evidence_id == evidence_id, ObjectHashRow.value.is_not(None)
            )
        )
    )
    found: list[tuple[int, str, int]] = []
    shas = [r.value for r in own if r.algorithm == "sha256"]
    if shas:
        query = select(ObjectHashRow.item_id).where(
            ObjectHashRow.algorithm == "sha256",
            ObjectHashRow.value.in_(shas),
            *_successful(item_id),
        )
        found += [(other, "sha256", 0) for other in session.scalars(query)]
    near: list[tuple[ObjectHashRow, int]] = []
    for mine in own:
        if mine.frame_ms is not None:
            continue  # a video's frames: compared as a video below
        if mine.algorithm == "pdq" and (mine.quality or 0) >= MIN_PDQ_QUALITY:
            assert mine.value is not None  # selected above
            near += pdq_near(
                session=session,
                value=mine.value,
                distance=DEFAULT_PDQ_DISTANCE,
                exclude_item=item_id,
            )
    near = [
        (row, d)
        for row, d in near
        if (row.quality or 0) >= MIN_PDQ_QUALITY and row.frame_ms is None
    ]
    seen = [
        match
        for frames in videos(own).values()
        for match in video_near(
            session=session, frames=frames, distance=DEFAULT_PDQ_DISTANCE, exclude_item=item_id
        )
    ]
    evidence_ids = {row.evidence_id for row, _ in near} | {m.evidence_id for m in seen}
    ok = set(
        session.scalars(
            select(Evidence.id).where(Evidence.id.in_(evidence_ids), Evidence.outcome == "ok")
        )
    )
    found += [(row.item_id, "pdq", d) for row, d in near if row.evidence_id in ok]
    found += _documents(session, own, item_id)
    return found + [(m.item_id, "vpdq", m.comparison.distance) for m in seen if m.evidence_id in ok]


def _documents(
    session: Session, own: list[ObjectHashRow], item_id: int
) -> list[tuple[int, str, int]]:
    """(other item, "tlsh", distance) for documents of other successful captures whose
    text is within DOCUMENT_TLSH_DISTANCE of one of this capture's documents."""
    mine = [r.value for r in own if r.kind == "pdf" and r.algorithm == "tlsh" and r.value]
    if not mine:
        return []
    query = select(ObjectHashRow.item_id, ObjectHashRow.value).where(
        ObjectHashRow.kind == "pdf",
        ObjectHashRow.algorithm == "tlsh",
        ObjectHashRow.value.is_not(None),
        *_successful(item_id),
    )
    found = []
    for other, value in session.execute(query):
        distance = min(int(tlsh.diff(m, value)) for m in mine)
        if distance <= DOCUMENT_TLSH_DISTANCE:
            found.append((int(other), "tlsh", distance))
    return found


def link_capture(*, session: Session, evidence: Evidence, actor: str) -> dict[str, Any] | None:
    """Link the captured item into a content group if one of its objects matches; audited."""
    if evidence.outcome != "ok" or session.get(ContentMember, evidence.item_id) is not None:
        return None
    found = _candidates(session, evidence.id, evidence.item_id)
    if not found:
        return None
    other, algorithm, distance = min(found, key=lambda m: (m[2], m[0]))
    founder = session.get(ContentMember, other)
    if founder is None:
        founder = ContentMember(item_id=other, group_id=other)
        session.add(founder)
        _audit(session, actor, founder)
    member = ContentMember(
        item_id=evidence.item_id,
        group_id=founder.group_id,
        matched_item_id=other,
        evidence_id=evidence.id,
        algorithm=algorithm,
        distance=distance,
    )
    session.add(member)
    session.flush()
    _audit(session, actor, member)
    from comity.cases.hooks import load_hooks

    load_hooks()  # the domains that react register themselves in their cases_hooks
    for _, fn in sorted(_ON_LINKED.items()):
        fn(session, actor, member.item_id, member.group_id)
    return content_group(session=session, item_id=member.item_id)


def _audit(session: Session, actor: str, member: ContentMember) -> None:
    audit.record(
        session=session,
        actor=actor,
        action="item.content_group",
        object_type="item",
        object_id=member.item_id,
        state={"item_id": member.item_id, "group_id": member.group_id},
        data={
            "group_id": member.group_id,
            "matched_item_id": member.matched_item_id,
            "evidence_id": member.evidence_id,
            "algorithm": member.algorithm,
            "distance": member.distance,
        },
    )


def content_group(*, session: Session, item_id: int) -> dict[str, Any] | None:
    """The item's content group (id and members, each with how it matched), or None."""
    mine = session.get(ContentMember, item_id)
    if mine is None:
        return None
    rows = session.execute(
        select(ContentMember, Item.url, Item.state)
        .join(Item, Item.id == ContentMember.item_id)
        .where(ContentMember.group_id == mine.group_id)
        .order_by(ContentMember.item_id)
    ).all()
    return {
        "id": mine.group_id,
        "members": [
            {
                "item_id": m.item_id,
                "url": url,
                "state": state,
                "matched_item_id": m.matched_item_id,
                "algorithm": m.algorithm,
                "distance": m.distance,
                "linked_at": m.linked_at.isoformat() if m.linked_at else None,
            }
            for m, url, state in rows
        ],
    }
