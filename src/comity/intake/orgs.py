"""The organisation an item's content is of: an id of the organisations register.

Kept on the item (`items.org_id`) so that every assessment and proposal of it
derives `designated_in_host` / `designated_in_requesting` from the register
without the analyst repeating it. The id is checked against the register on
entry (an unknown one is refused with the closest names) and every change is
audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.intake.models import Item
from comity.users.service import require

__all__ = ["check_org", "set_item_org"]


def check_org(org: str, *, field: str = "org") -> str:
    """The register's id for `org`; BadInput suggesting the closest names when unknown."""
    from comity.law.kb.loader import load_kb

    return load_kb().register.require(org, field=field).id


def set_item_org(
    *, session: Session, item: Item, org: str | None, actor: str | None, action: str = "intake"
) -> bool:
    """Record (or with None, clear) the item's organisation; audited. False if unchanged.

    `action` is the permission the caller's step needs (intake, assess, propose)."""
    user = require(session=session, actor=actor, action=action)
    ident = None if org is None or not org.strip() else check_org(org)
    if item.org_id == ident:
        return False
    before = item.org_id
    item.org_id = ident
    item.updated_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=user.name,
        action="item.org",
        object_type="item",
        object_id=item.id,
        state={"org_id": ident},
        data={"from": before, "to": ident},
    )
    return True
