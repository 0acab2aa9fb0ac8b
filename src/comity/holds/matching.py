"""Which holds cover an item: its URL, domain, organisation, or its content.

Content holds match like content groups (comity.evidence.groups): a SHA-256
equal to, or a PDQ within `DEFAULT_PDQ_DISTANCE` of, an object of a successful
capture, PDQ hashes of low quality left out. They match the item's own objects
and those of every item in its content group, so the same content re-uploaded
at another URL stays held once intake has linked it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.evidence.groups import MIN_PDQ_QUALITY
from comity.evidence.models import ContentMember, Evidence, ObjectHashRow
from comity.evidence.similar import DEFAULT_PDQ_DISTANCE
from comity.holds.models import DeconflictionHold
from comity.intake.models import Item

__all__ = ["holds_covering_item"]


@dataclass(frozen=True)
class _Content:
    sha256: frozenset[str]
    pdq: tuple[int, ...]


def _content(session: Session, item_id: int) -> _Content:
    group = session.scalar(select(ContentMember.group_id).where(ContentMember.item_id == item_id))
    ids = {item_id}
    if group is not None:
        ids |= set(
            session.scalars(select(ContentMember.item_id).where(ContentMember.group_id == group))
        )
    ok = select(Evidence.id).where(Evidence.item_id.in_(ids), Evidence.outcome == "ok")
    rows = session.execute(
        select(ObjectHashRow.algorithm, ObjectHashRow.value, ObjectHashRow.quality).where(
            ObjectHashRow.evidence_id.in_(ok), ObjectHashRow.value.is_not(None)
        )
    ).all()
    bodies = session.scalars(
        select(Evidence.content_sha256).where(
            Evidence.id.in_(ok), Evidence.content_sha256.is_not(None)
        )
    )
    sha = {str(v) for a, v, _ in rows if a == "sha256"} | {str(b) for b in bodies}
    pdq = tuple(int(str(v), 16) for a, v, q in rows if a == "pdq" and (q or 0) >= MIN_PDQ_QUALITY)
    return _Content(frozenset(sha), pdq)


def _under(url: str, prefix: str) -> bool:
    """`url` is `prefix` or below it: a path boundary, so /chan never covers /channel2."""
    if url == prefix or prefix.endswith("/"):
        return url.startswith(prefix)
    return url.startswith((prefix + "/", prefix + "?"))


def holds_covering_item(
    *, session: Session, item: Item, states: Sequence[str] = ("active",)
) -> list[DeconflictionHold]:
    """The holds in `states` whose scope covers `item`, oldest first."""
    holds = list(
        session.scalars(
            select(DeconflictionHold)
            .where(DeconflictionHold.state.in_(tuple(states)))
            .order_by(DeconflictionHold.id)
        )
    )
    if not holds:
        return []
    content = (
        _content(session, item.id)
        if any(h.scope_kind in ("sha256", "pdq") for h in holds)
        else None
    )
    found = []
    for hold in holds:
        kind, value = hold.scope_kind, hold.scope_value
        if kind == "url":
            hit = item.url == value
        elif kind == "url_prefix":
            hit = _under(item.url, value)
        elif kind == "domain":
            hit = item.registrable_domain == value
        elif kind == "org":
            hit = item.org_id == value
        elif kind == "sha256":
            hit = content is not None and value in content.sha256
        else:  # pdq
            target = int(value, 16)
            hit = content is not None and any(
                (target ^ p).bit_count() <= DEFAULT_PDQ_DISTANCE for p in content.pdq
            )
        if hit:
            found.append(hold)
    return found
