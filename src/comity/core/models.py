"""Every domain's tables, imported in one place so that `Base.metadata` is complete.

Alembic's autogenerate and the models-match-migrations test read `metadata`.
A new domain with tables adds its models module to the list below.
"""

from __future__ import annotations

import importlib

from comity.core.db import Base

__all__ = ["MODEL_MODULES", "metadata"]

MODEL_MODULES = (
    "comity.core.audit",
    "comity.users.models",
    "comity.intake.models",
    "comity.evidence.models",
    "comity.cases.models",
    "comity.web.models",
    "comity.hosting.models",
    "comity.law.models",
    "comity.tracking.models",
    "comity.jobs.models",
    "comity.dossiers.models",
    "comity.complaints.models",
    "comity.webhooks.models",
    "comity.hashexchange.models",
    "comity.holds.models",
    "comity.reports.models",
)

for _name in MODEL_MODULES:
    importlib.import_module(_name)

metadata = Base.metadata
