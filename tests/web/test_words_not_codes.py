"""Pages in Russian and Kazakh show words, never the program's codes.

A small world (tests/reports/conftest.py) plus one assessed item and one proposal
awaiting review; each main page is rendered in ru and kk as a supervisor. The
visible text (tags stripped, attribute values and the technical-details
disclosure ignored) must hold no known code and no English label of a code
where the language has its own.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine

from comity.cases.states import STATES
from comity.core.countries import country_names
from comity.core.db import session_scope
from comity.dossiers.schemas import KINDS
from comity.evidence.models import OUTCOMES
from comity.law.kb import load_kb
from comity.law.store import assess_item
from comity.tracking.classify import VERDICTS
from comity.tracking.service import DECISIONS, REASONS
from comity.users.roles import Role
from comity.web import labels
from comity.web.labels import labeller
from tests.cases.conftest import attribute_directly, make_proposal
from tests.reports.conftest import build_world
from tests.web.conftest import TestClient, log_in


class _Visible(HTMLParser):
    """Text a reader sees: no tags, no attribute values, nothing inside `details.technical`."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.parts: list[str] = []
        self._hidden = 0  # depth inside a hidden element
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
            return
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        # Text marked as another language (a draft letter to a foreign addressee, a
        # provision's English title from the knowledge base) is quoted, not interface.
        foreign = tag != "html" and attributes.get("lang") not in (None, self.lang)
        hide = (
            tag in {"script", "style", "title"}
            or (tag == "details" and "technical" in classes)
            or "quoted" in classes  # words of a captured page, not of the interface
            or foreign
        )
        self._stack.append(hide)
        self._hidden += hide

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
            return
        if self._stack:
            self._hidden -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str, lang: str) -> str:
    parser = _Visible(lang)
    parser.feed(html)
    return "\n".join(parser.parts)


def known_codes() -> dict[str, set[str]]:
    vocabulary = load_kb().vocabulary
    return {
        "conduct": set(vocabulary.conducts),
        "channel": set(vocabulary.channels),
        "fact": set(vocabulary.facts),
        "verdict": set(VERDICTS),
        "state": set(STATES),
        "reason": set(REASONS),
        "role": {r.value for r in Role},
        "host_role": set(vocabulary.roles),
        "decision": set(DECISIONS),
        "dossier_kind": set(KINDS),
        "priority": {"standard", "crisis", "threat_to_life"},
        # The audit actions and object kinds the seeded world's item histories show.
        "action": {
            "item.create",
            "report.add",
            "item.state",
            "item.attribute",
            "item.assess",
            "proposal.create",
            "proposal.approve",
            "proposal.reject",
            "safeguards.override",
            "request.answer",
            "dossier.dispatch",
        },
        "object": {"item", "proposal", "report", "request", "dossier"},
        "treaty_status": {"in_force", "conditional"},
        "legal_system": set(vocabulary.legal_systems),
        "confidence": {"high", "medium", "low"},
        "capture_outcome": set(OUTCOMES),
        # Every region code with a CLDR name: a page shows a country by its name.
        "country": set(country_names()["en"]),
    }


ISO_3166 = Path("/usr/share/iso-codes/json/iso_3166-1.json")
ISO_DATE = re.compile(r"(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}\S*)?")
# What separates values shown side by side ("DE · hosting", "intent=True", "a, b").
_SEPARATORS = re.compile(r"[·=:,;|()\[\]\n]")


def codes_shown(text: str) -> set[str]:
    """Codes shown as values. A code with `.` or `_` counts anywhere; a one-word code
    ("up", "public") only standing alone between separators, so that English prose
    quoted from the law ("disturbing the public peace") is not mistaken for a code."""
    tokens = {token.strip() for token in _SEPARATORS.split(text)}
    found = set()
    for codes in known_codes().values():
        for code in codes:
            if "." in code or "_" in code:
                if re.search(rf"(?<![\w.\-/]){re.escape(code)}(?![\w\-/]|\.\w)", text):
                    found.add(code)
            elif code in tokens:
                found.add(code)
    return found


def english_labels_shown(text: str, lang: str) -> set[str]:
    own, english = labeller(lang), labeller("en")
    found = set()
    for kind, codes in known_codes().items():
        for code in codes:
            words, theirs = english.label(kind, code), own.label(kind, code)
            shown = re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text)
            # "CDN" inside "сеть доставки контента (CDN)" is the language's own label.
            if words != theirs and words not in theirs and shown:
                found.add(f"{kind}:{code} ({words!r})")
    return found


@pytest.fixture
def pages(engine: Engine, staff: dict[str, str]) -> list[str]:
    world = build_world(engine)
    ids = world.item_ids
    attribute_directly(engine, ids[2], "DE")
    with session_scope(engine) as session:
        assess_item(
            session=session,
            item_id=ids[2],
            facts={"public": "true", "intent": "true"},
            actor="rita",
        )
    # An item proposed and waiting: the review queue is not empty.
    with session_scope(engine) as session:
        from comity.intake.service import add_report

        item, _, _ = add_report(
            session=session,
            url="https://waiting.example/post",
            conduct="terrorism.threat",
            actor="alice",
        )
        waiting = item.id
    # Typed notes are the user's words, not labels: this one holds no English label.
    make_proposal(engine, waiting, facts={"public": "true", "intent": "true"}, note="1 URL")
    return [
        "/items",
        f"/items/{ids[2]}",
        f"/items/{ids[2]}/actions",
        f"/items/{waiting}/actions",
        "/intake",
        "/dossiers",
        f"/items/{ids[5]}",
        f"/items/{ids[9]}",
        f"/items/{ids[4]}",
        f"/items/{waiting}",
        "/review",
        "/proposals",
        "/tracking",
        "/dashboard",
        "/law",
        "/law/DE",
        "/law/compare?requesting=KZ&other=DE&other=GB&other=US",
        "/account",
    ]


def test_the_vocabulary_holds_every_code_in_every_language() -> None:
    for lang in ("en", "ru", "kk"):
        words = labeller(lang)
        for kind, codes in known_codes().items():
            for code in codes:
                # Actions, object kinds, capture outcomes: the label says it all.
                assert kind in {"action", "object", "capture_outcome", "country"} or words.hint(
                    kind, code
                ), f"{kind} {code}"
                # English labels may equal the code ("expired"); the others never do.
                assert lang == "en" or words.label(kind, code) != code, f"{lang}: {kind} {code}"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_pages_in_russian_and_kazakh_show_words_not_codes(
    client: TestClient, passwords: str, pages: list[str], lang: str
) -> None:
    log_in(client, "sam")
    client.cookies.set("comity_lang", lang)
    problems: list[str] = []
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.text, lang)
        codes, english = codes_shown(text), english_labels_shown(text, lang)
        if codes or english:
            problems.append(f"{path}: codes {sorted(codes)}; English labels {sorted(english)}")
        # Dates go through comity.web.dates (08.12.2026 14:05 UTC), never raw ISO.
        if raw := ISO_DATE.findall(text):
            problems.append(f"{path}: raw dates {raw[:3]}")
    assert not problems, "\n".join(problems)


def test_every_jurisdiction_and_country_has_a_name_in_every_language() -> None:
    """The knowledge base's jurisdictions and every ISO 3166-1 country are named (CLDR)."""
    countries = country_names()
    # Debian's iso-codes, where installed: an independent list of the ISO 3166-1 codes.
    iso = set()
    if ISO_3166.exists():
        iso = {c["alpha_2"] for c in json.loads(ISO_3166.read_text())["3166-1"]}
    for lang in ("en", "ru", "kk"):
        missing = (set(load_kb().jurisdictions) | iso) - set(countries[lang])
        assert not missing, f"{lang}: no name for {sorted(missing)}"
    assert labeller("kk").label("country", "KZ") == "Қазақстан"
    assert labeller("ru").label("country", "DE") == "Германия"
    assert str(labeller("ru").countries("KZ,RU")).count("code-label") == 2


def test_a_label_has_one_source() -> None:
    """The codes files never redefine a label that the reports' texts or the interface
    strings already hold: a translator corrects a label in one place."""

    for lang in ("en", "ru", "kk"):
        for kind, (source, where) in labels._EXISTING.items():
            for code, entry in labels._codes(lang).get(kind, {}).items():
                if source == "report":
                    elsewhere = (labels._report(lang).get(where) or {}).get(code)
                else:
                    elsewhere = labels.catalog(lang).get(where + code)
                assert not ("label" in entry and elsewhere), f"{lang}: {kind} {code} twice"
