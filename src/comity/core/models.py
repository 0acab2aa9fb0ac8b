"""Every domain's tables, imported in one place so that `Base.metadata` is complete.

Alembic's autogenerate and the models-match-migrations test read this list.
"""

from __future__ import annotations

from comity.cases.models import Case, CaseItem, Proposal
from comity.core.audit import AuditEvent, AuditHead
from comity.core.db import Base
from comity.dossiers.models import DossierEntry, DossierFile, DossierRecord, DossierSequence
from comity.evidence.models import Evidence
from comity.hosting.models import AttributionIp, AttributionRecord
from comity.intake.models import Item, ItemConduct, Report
from comity.jobs.models import JobRun  # noqa: F401
from comity.law.models import StoredAssessment
from comity.tracking.models import Dispatch, MonitorCheck, MonitorState, TrackedRequest  # noqa: F401
from comity.users.models import User
from comity.web.models import ApiToken, LoginFailure, WebSession  # noqa: F401

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Base",
    "Case",
    "CaseItem",
    "DossierEntry",
    "DossierFile",
    "DossierRecord",
    "DossierSequence",
    "Evidence",
    "Item",
    "ItemConduct",
    "Proposal",
    "Report",
    "User",
    "metadata",
]

metadata = Base.metadata
