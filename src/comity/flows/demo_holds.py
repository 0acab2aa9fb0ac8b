"""The demo's deconfliction hold (issue 17): another agency asks that content stay online.

After the re-upload, liaison officer leo enters a hold on the poster's PDQ hash
(an investigation follows who spreads it); supervisor sam approves it (leo may
not: four eyes). The copy at the other site is covered too, being within the
PDQ distance, so any proposal for it would be blocked by the safeguard.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from comity.core.db import session_scope

if TYPE_CHECKING:
    from comity.flows.demo import DemoContext

__all__ = ["deconfliction"]


def deconfliction(ctx: DemoContext) -> None:
    from comity.evidence.models import ObjectHashRow
    from comity.holds.matching import holds_covering_item
    from comity.holds.service import add_hold, approve_hold
    from comity.intake.service import get_item

    story = ctx.facts.get("reupload") or {}
    if not story:
        return
    with session_scope() as session:
        pdq = session.scalar(
            select(ObjectHashRow.value)
            .where(ObjectHashRow.item_id == story["removed"], ObjectHashRow.algorithm == "pdq")
            .limit(1)
        )
        if pdq is None:
            ctx.say("deconfliction hold: the poster has no PDQ hash; no hold entered")
            return
        hold = add_hold(
            session=session,
            actor="leo",
            scope_kind="pdq",
            scope_value=pdq,
            agency="Financial Monitoring Agency (demo)",
            contact="duty officer",
            legal_basis="Law on counter-terrorism, art. 10 (operational measures)",
            reason="the accounts sharing the poster are under observation",
            until=ctx.settings_today() + timedelta(days=90),
        )
        approve_hold(session=session, actor="sam", hold_id=hold.id)
        covered = holds_covering_item(
            session=session, item=get_item(session=session, item_id=story["copy"])
        )
        ctx.facts["hold"] = {"id": hold.id, "covers_copy": [h.id for h in covered] == [hold.id]}
    ctx.say(
        f"deconfliction hold {hold.id} entered by leo, approved by sam (four eyes): the poster's "
        f"content stays online until {hold.until}; it covers the copy, item {story['copy']}, "
        "so a proposal for it would be blocked by the safeguard"
    )
