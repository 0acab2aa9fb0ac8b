"""Fixtures for the cases domain: items, fresh evidence and proposals on either database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from comity.cases import service
from comity.cases.models import Proposal
from comity.core.db import session_scope, utcnow
from comity.evidence.models import Evidence
from comity.intake.service import add_report

# Dual criminality `yes` in Germany, with an EU removal order and a provider referral offered.
GOOD_FACTS = {"public": "true", "intent": "true"}


def make_item(
    engine: Engine,
    url: str = "https://terror.example/post/1",
    conduct: str = "terrorism.incitement",
    by: str = "alice",
) -> int:
    with session_scope(engine) as session:
        item, _, _ = add_report(session=session, url=url, conduct=conduct, actor=by)
        return item.id


def add_evidence(
    engine: Engine, item_id: int, *, sha: str = "ab" * 32, at: datetime | None = None
) -> None:
    with session_scope(engine) as session:
        session.add(
            Evidence(
                item_id=item_id,
                captured_at=at or utcnow(),
                requested_url="https://terror.example/",
                outcome="ok",
                headers=[],
                content_sha256=sha,
                captured_by="alice",
            )
        )


def attribute_directly(engine: Engine, item_id: int, country: str) -> None:
    """A stored attribution to one hosting country, without DNS (the law is what is tested)."""
    from comity.hosting.models import AttributionRecord

    with session_scope(engine) as session:
        session.add(
            AttributionRecord(
                item_id=item_id,
                observed_at=utcnow(),
                countries=country,
                asns="",
                data={"jurisdictions": [{"country": country, "role": "hosting"}]},
            )
        )


def make_proposal(engine: Engine, item_id: int, **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "host": "DE",
        "channel": "provider_referral",
        "note": "one URL, one post: the narrowest request that removes it",
        "actor": "alice",
        "facts": GOOD_FACTS,
    }
    args.update(kwargs)
    with session_scope(engine) as session:
        return service.propose(session=session, item_id=item_id, **args).id


def load_proposal(engine: Engine, proposal_id: int) -> Proposal:
    with session_scope(engine) as session:
        return service.get_proposal(session=session, proposal_id=proposal_id)


@pytest.fixture
def ready_item(engine: Engine, staff: dict[str, str]) -> int:
    """An item reported by alice with a fresh capture: nothing blocks a URL-level request."""
    item_id = make_item(engine)
    add_evidence(engine, item_id)
    return item_id


@pytest.fixture
def proposal(engine: Engine, ready_item: int) -> int:
    return make_proposal(engine, ready_item)


@pytest.fixture
def review(engine: Engine) -> Callable[..., Proposal]:
    def _review(proposal_id: int, by: str, approve: bool = True, **kwargs: Any) -> Proposal:
        with session_scope(engine) as session:
            return service.review(
                session=session,
                proposal_id=proposal_id,
                approve=approve,
                reason=kwargs.pop("reason", "lawful, necessary and narrow"),
                actor=by,
                **kwargs,
            )

    return _review


def days(n: float) -> timedelta:
    return timedelta(days=n)
