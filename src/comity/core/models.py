"""Every domain's tables, imported in one place so that `Base.metadata` is complete.

Alembic's autogenerate and the models-match-migrations test read this list.
"""

from __future__ import annotations

from comity.core.audit import AuditEvent, AuditHead
from comity.core.db import Base
from comity.intake.models import Item, ItemConduct, Report
from comity.users.models import User

__all__ = ["AuditEvent", "AuditHead", "Base", "Item", "ItemConduct", "Report", "User", "metadata"]

metadata = Base.metadata
