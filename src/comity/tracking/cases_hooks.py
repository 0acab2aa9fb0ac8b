"""Plug the tracking domain into `comity item show` and the safeguards (comity.cases.hooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section, register_refusal_source
from comity.evidence.groups import register_on_linked
from comity.evidence.models import Evidence
from comity.tracking.models import Dispatch, TrackedRequest
from comity.tracking.monitor import monitor_section
from comity.tracking.reappeared import mark_reappeared

__all__: list[str] = []


def _refusals(session: Session, content_sha256: str, host: str) -> list[dict[str, Any]]:
    """Earlier refusals, by the host state `host`, of items with this exact content."""
    rows = session.execute(
        select(TrackedRequest.item_id, TrackedRequest.reason, Dispatch.dossier_ref)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .join(Evidence, Evidence.item_id == TrackedRequest.item_id)
        .where(Evidence.content_sha256 == content_sha256, Dispatch.host_country == host)
        .where(TrackedRequest.decision == "refused")
        .distinct()
    ).all()
    return [{"kind": f"refused:{reason}", "ref": ref, "item_id": i} for i, reason, ref in rows]


register_item_section("monitor", monitor_section)
register_refusal_source("tracking", _refusals)


def _on_linked(session: Session, actor: str, item_id: int, group_id: int) -> None:
    mark_reappeared(session, actor, item_id, group_id)


register_on_linked("tracking", _on_linked)
