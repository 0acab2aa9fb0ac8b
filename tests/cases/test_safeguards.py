"""The safeguard checks as pure functions, and the hosting facts read from storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from comity.cases.context import hosting_facts
from comity.cases.safeguards import SHARED_HOST_THRESHOLD, Context, check_all
from comity.core.db import session_scope, utcnow
from comity.hosting.models import AttributionIp, AttributionRecord
from comity.intake.service import get_item
from tests.cases.conftest import make_item

NOW = datetime(2025, 6, 1, tzinfo=UTC)
CLEAN = Context(now=NOW, evidence_captured_at=NOW - timedelta(days=1), channels_offered=None)


def _codes(**changes: object) -> list[str]:
    from dataclasses import replace

    return [f.code for f in check_all(replace(CLEAN, **changes))]  # type: ignore[arg-type]


def test_clean_context_has_no_findings() -> None:
    assert check_all(CLEAN) == []


def test_each_check_names_its_finding() -> None:
    assert _codes(target="domain") == ["target_broader_than_content"]
    assert _codes(cdn="Fastly") == ["cdn_address"]
    assert _codes(shared_host_domains=SHARED_HOST_THRESHOLD - 1) == []
    assert _codes(shared_host_domains=SHARED_HOST_THRESHOLD) == ["shared_host"]
    assert _codes(purpose="research") == ["excluded_purpose"]
    assert _codes(channel="mla_request", dual_criminality="no") == [
        "governmental_channel_without_dual_criminality"
    ]
    assert _codes(channel="diplomatic_request", dual_criminality="unsupported") == [
        "governmental_channel_without_dual_criminality"
    ]
    assert _codes(channel="mla_request", dual_criminality="conditional") == []
    assert _codes(channel="provider_referral", dual_criminality="no") == []
    assert _codes(channel="mla_request", channels_offered=("provider_referral",)) == [
        "channel_not_offered"
    ]
    assert _codes(evidence_captured_at=None) == ["evidence_missing"]
    assert _codes(evidence_captured_at=NOW - timedelta(days=31)) == ["evidence_stale"]
    assert _codes(evidence_captured_at=NOW - timedelta(days=29)) == []
    assert _codes(prior_refusals=({"kind": "refused", "ref": 7, "item_id": 3},)) == [
        "refused_before"
    ]


def test_stored_attribution_supplies_cdn_and_shared_host(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine, "https://victim.example/p")
    with session_scope(engine) as session:
        record = AttributionRecord(
            item_id=item_id,
            observed_at=utcnow(),
            countries="US",
            asns="13335",
            cdn="Cloudflare",
            data={},
        )
        session.add(record)
        session.flush()
        session.add(
            AttributionIp(
                attribution_id=record.id,
                ip="192.0.2.7",
                registrable_domain="victim.example",
                cdn="Cloudflare",
            )
        )
        for n in range(SHARED_HOST_THRESHOLD + 2):
            other = AttributionRecord(
                item_id=item_id,
                observed_at=utcnow() - timedelta(days=9),
                countries="US",
                asns="13335",
                data={},
            )
            session.add(other)
            session.flush()
            session.add(
                AttributionIp(
                    attribution_id=other.id, ip="192.0.2.7", registrable_domain=f"other{n}.example"
                )
            )
    with session_scope(engine) as session:
        item = get_item(session=session, item_id=item_id)
        facts = hosting_facts(session=session, item=item)
        assert facts.cdn == "Cloudflare"
        assert facts.shared_host_domains == SHARED_HOST_THRESHOLD + 2
        explicit = hosting_facts(session=session, item=item, cdn="Akamai")
        assert explicit.cdn == "Akamai"
