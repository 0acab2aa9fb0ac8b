"""Kazakhstan's law is cited in the letter's language, from the official texts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from tests.dossiers.test_service import Pipeline

from comity.dossiers import build
from comity.law.kb.loader import load_kb

KAZAKH_TITLE_256 = "Терроризмдi насихаттау немесе терроризм актiсiн жасауға жария түрде шақыру"
RUSSIAN_TITLE_256 = "Пропаганда терроризма или публичные призывы к совершению акта терроризма"


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> Pipeline:
    return Pipeline(engine)


def _requesting(pipe: Pipeline, language: str) -> dict[str, str]:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    pipe.issue(draft.id)
    record = json.loads(pipe.export(draft.id, "json", language))
    (provision,) = record["legal_basis"]["requesting"]
    return dict(provision)


def test_the_kazakh_letter_cites_kazakh_law_in_kazakh(pipe: Pipeline) -> None:
    provision = _requesting(pipe, "kk")
    assert provision["citation"] == "ҚР ҚК 256-бабы"
    assert provision["title"] == KAZAKH_TITLE_256
    assert provision["source"] == "https://adilet.zan.gov.kz/kaz/docs/K1400000226"


def test_the_russian_letter_cites_kazakh_law_from_the_russian_text(pipe: Pipeline) -> None:
    provision = _requesting(pipe, "ru")
    assert provision["citation"].startswith("УК РК ст. 256")
    assert provision["title"] == RUSSIAN_TITLE_256
    assert provision["source"] == "https://adilet.zan.gov.kz/rus/docs/K1400000226"


def test_a_german_letter_gives_the_russian_title_labelled_with_an_english_translation(
    pipe: Pipeline,
) -> None:
    provision = _requesting(pipe, "de")
    assert provision["title"].startswith(RUSSIAN_TITLE_256 + " (amtliche Bezeichnung, Sprache: ")
    assert "Russisch; nichtamtliche Übersetzung ins Englische: Public calls" in provision["title"]


def test_a_provision_without_a_kazakh_title_is_cited_in_russian_and_says_so() -> None:
    # The Law on Countering Terrorism was not read in Kazakh: no Kazakh title is made up.
    texts = build.provision_texts(load_kb(), "KZ.LCT.1.6-1")
    assert texts is not None and "kk" not in texts["official"]
    data = {"citation": "", "title": "", "source": "s", "texts": texts}
    citation, title, _ = build.cited(data, "kk")
    assert citation == "Закон РК «О противодействии терроризму», ст. 1 п. 6-1"
    assert "(ресми атауы, тілі: орыс тілі; ағылшын тіліне ресми емес аудармасы: " in title


def test_a_host_provision_is_cited_in_its_own_language_in_the_hosts_letter() -> None:
    kb = load_kb()
    german = next(p for p in kb.jurisdictions["DE"].provisions if p.kind == "offence")
    texts = build.provision_texts(kb, german.id)
    assert texts is not None
    data = {"citation": "", "title": "", "source": "s", "texts": texts}
    assert build.cited(data, "de")[:2] == (german.citation, german.title)


def test_every_kazakh_provision_without_a_kazakh_title_is_known() -> None:
    # The report of what is missing: the lawyer reads this list, not a silence.
    kb = load_kb()
    missing = sorted(
        p.id
        for p in kb.jurisdictions["KZ"].provisions
        if "kk" not in {o.language for o in p.official}
    )
    assert missing == [
        "KZ.LCE.1.7",
        "KZ.LCE.1.9",
        "KZ.LCT.1.14-1",
        "KZ.LCT.1.17",
        "KZ.LCT.1.6-1",
    ]
