"""The item page is a case file: what the item is and its deadline, the evidence, the
legal reasoning, proposals and reviews, requests sent and answers, monitor checks and a
timeline in words, with dates as dates and deadlines as "in 3 days" / "2 days late"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow
from comity.tracking.models import MonitorCheck
from comity.web.dates import Dates
from tests.reports.conftest import build_world
from tests.web.conftest import TestClient, log_in
from tests.web.test_words_not_codes import visible_text

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "due", "words"),
    [
        ("en", NOW + timedelta(days=3, hours=2), "in 3 days"),
        ("en", NOW - timedelta(days=2, hours=1), "2 days late"),
        ("en", NOW + timedelta(hours=25), "in 1 day"),
        ("en", NOW + timedelta(hours=5, minutes=10), "in 5 h"),
        ("ru", NOW + timedelta(days=3, hours=2), "через 3 дн."),
        ("ru", NOW - timedelta(days=2, hours=1), "просрочено на 2 дн."),
        ("kk", NOW + timedelta(days=3, hours=2), "3 күннен кейін"),
        ("kk", NOW - timedelta(days=2, hours=1), "2 күн кешікті"),
    ],
)
def test_a_deadline_reads_as_a_distance_from_now(lang: str, due: datetime, words: str) -> None:
    assert Dates(lang, NOW).relative(due) == words


def test_dates_read_as_dates_in_each_language() -> None:
    moment = "2026-12-08T14:05:09.123456+00:00"
    assert Dates("en", NOW).text(moment) == "8 Dec 2026, 14:05 UTC"
    assert Dates("ru", NOW).text(moment) == "08.12.2026 14:05 UTC"
    shown = Dates("kk", NOW).due(moment)
    assert 'datetime="2026-12-08T14:05:09.123456+00:00"' in shown and "2 күннен кейін" in shown


@pytest.fixture
def world_ids(engine: Engine, staff: dict[str, str]) -> list[int]:
    world = build_world(engine)
    with session_scope(engine) as session:
        session.add(
            MonitorCheck(item_id=world.item_ids[5], checked_at=utcnow(), verdict="up", status=200)
        )
    return world.item_ids


def test_the_item_page_is_a_case_file_of_the_whole_job(
    client: TestClient, passwords: str, world_ids: list[int]
) -> None:
    log_in(client, "sam")
    # Dispatched to DE 20 days ago, no answer, its time limit passed a day ago.
    html = client.get(f"/items/{world_ids[5]}").text
    text = visible_text(html, "en")
    for heading in (
        "What it is",
        "Evidence",
        "Attribution",
        "Legal assessment",
        "Proposals",
        "Dossiers",
        "Requests sent and answers",
        "Removal monitor",
        "Monitor checks",
        "Timeline",
    ):
        assert f">{heading}<" in html, heading
    assert "Not available in this installation yet" not in text
    assert "1 day late" in text  # the deadline, in words
    assert "Hostinger Abuse Desk Gmbh" in text and "KZ-CTC-2099-0001" in text
    assert "waiting for an answer" in text
    assert "Reason: lawful and narrow" in text  # the reviewer's words
    for event in ("item created", "request proposed", "proposal approved", "dossier sent"):
        assert event in text, event
    assert "provider_referral" not in text and "T00:00:00" not in text
    # Answered "removed": the answer in words and no deadline running.
    answered = visible_text(client.get(f"/items/{world_ids[3]}").text, "en")
    assert "No request is waiting for an answer." in answered
    assert "removed" in answered and "days late" not in answered


def test_the_case_file_in_kazakh_keeps_the_sections_and_the_deadline_in_words(
    client: TestClient, passwords: str, world_ids: list[int]
) -> None:
    log_in(client, "sam")
    client.cookies.set("comity_lang", "kk")
    text = visible_text(client.get(f"/items/{world_ids[5]}").text, "kk")
    assert "Хронология" in text and "Жіберілген сұраулар мен жауаптар" in text
    assert "1 күн кешікті" in text
