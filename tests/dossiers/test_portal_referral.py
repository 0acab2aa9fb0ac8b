"""Referrals to platforms end to end: a portal sheet where the platform takes requests
through its form, a refusal naming the platform where no route is known, and the
portal's ticket number recorded at dispatch."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from tests.dossiers.test_service import Pipeline, fake_attribution

from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.hosting.attribution import Attribution
from comity.hosting.directory import platform_for_host
from comity.tracking import service as tracking


class PlatformPipeline(Pipeline):
    """Attribution names the platform of the bundled directory that serves the host."""

    def attribute(self, urls: Sequence[str]) -> list[Attribution]:
        out = []
        for url in urls:
            found = fake_attribution(url, self.where.get(url, "US"))
            platform = platform_for_host(urlsplit(url).hostname or "")
            out.append(dataclasses.replace(found, platform=platform))
        return out


def _dispatch(engine: Engine, ref: str, item: int, **extra: str) -> dict[str, object]:
    with session_scope(engine) as session:
        row = tracking.record_dispatch(
            session=session,
            actor="leo",
            ref=ref,
            item_ids=[item],
            channel="provider_referral",
            host="US",
            addressee="provider:platform",
            **extra,
        )
        return tracking.dispatch_dict(session, row)


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> PlatformPipeline:
    return PlatformPipeline(engine)


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/watch?v=abc123", "YouTube"),
        ("https://www.facebook.com/groups/123/posts/456", "Facebook"),
        ("https://x.com/someone/status/1", "X (Twitter)"),
        ("https://www.tiktok.com/@someone/video/1", "TikTok"),
    ],
)
def test_a_referral_to_a_platform_with_a_form_is_a_portal_sheet_not_a_refusal(
    pipe: PlatformPipeline, url: str, platform: str
) -> None:
    pipe.approved(url, host="US", channel="provider_referral")
    result = pipe.build()
    assert result.refused == []
    (draft,) = result.created
    assert (draft.kind, draft.addressee_key) == ("portal_referral", f"provider:{platform}")
    issued = pipe.issue(draft.id)
    files = {(f["format"], f["language"]) for f in pipe.state(issued.id)["files"]}
    assert files == {(f, lang) for f in ("sheet.txt", "csv", "json") for lang in ("en", "kk", "ru")}
    sheet = pipe.export(issued.id, "sheet", "en").decode()
    assert issued.reference in sheet and url in sheet
    assert "https://" in sheet.split("Form: ", 1)[1].splitlines()[1]  # the portal's address


def test_a_referral_to_telegram_goes_by_e_mail_to_its_published_address(
    pipe: PlatformPipeline,
) -> None:
    pipe.approved("https://t.me/somechannel/42", host="US", channel="provider_referral")
    (draft,) = pipe.build().created
    assert (draft.kind, draft.addressee["email"]) == ("provider_referral", "abuse@telegram.org")


@pytest.mark.parametrize(
    ("url", "platform", "offered"),
    [
        ("https://vk.com/wall-1_2", "'VKontakte'", "host state RU"),
        ("https://www.dailymotion.com/video/x1", "'Dailymotion'", "competent authority of FR"),
    ],
)
def test_a_platform_without_a_route_is_refused_by_name_before_issue(
    pipe: PlatformPipeline, url: str, platform: str, offered: str
) -> None:
    pipe.approved(url, host="US", channel="provider_referral")
    result = pipe.build()
    assert result.created == []  # no half-made dossier
    (refusal,) = result.refused
    assert platform in refusal["reason"] and "has no route" in refusal["reason"]
    assert offered in refusal["reason"]


def test_the_portal_ticket_number_is_recorded_at_dispatch_and_shown(
    pipe: PlatformPipeline, engine: Engine
) -> None:
    item = pipe.approved("https://youtu.be/abc123", host="US", channel="provider_referral")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    ref = issued.reference
    assert ref is not None

    def dispatch(**extra: str) -> dict[str, object]:
        return _dispatch(engine, ref, item, **extra)

    with pytest.raises(BadInput, match=r"--ticket: dossier .* record the ticket number"):
        dispatch()
    shown = dispatch(ticket_number="  GOV-2026-118833 ")
    assert shown["ticket_number"] == "GOV-2026-118833"
    with read_session(engine) as session:
        row = tracking.get_dispatch(session=session, ref=ref)
        assert "GOV-2026-118833" in tracking.reminder_text(row, [], now=row.recorded_at)


def test_a_ticket_number_is_refused_for_what_was_not_typed_into_a_portal(
    pipe: PlatformPipeline, engine: Engine
) -> None:
    item = pipe.approved("https://t.me/somechannel/42", host="US", channel="provider_referral")
    (draft,) = pipe.build().created
    ref = pipe.issue(draft.id).reference
    assert ref is not None
    with pytest.raises(BadInput, match="only a portal referral"):
        _dispatch(engine, ref, item, ticket_number="T-1")
