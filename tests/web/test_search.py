"""Text search through the indexes (migration 0020), on SQLite and PostgreSQL alike:
URL fragments, words of notes and of captured pages in Russian, Kazakh and English,
user text that is never query syntax, and an index that forgets what was changed,
deleted or erased."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, text, update

from comity.complaints import retention
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput
from comity.core.settings import Settings
from comity.evidence.models import CaptureText, Evidence
from comity.evidence.service import capture_configured
from comity.intake.models import Item, Report
from comity.intake.service import add_report
from comity.web.worklist import ItemFilter, items_after, search_items
from tests.evidence.servers import WebServer, page

PAGE = (
    "<html><head><title>Жиһад үндеуі</title><script>var hidden='сценарий'</script></head>"
    "<body><p>Барлық бауырларды <b>қасиетті соғысқа</b> шақырамыз. Join the fight.</p>"
    "</body></html>"
).encode()


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


def _add(engine: Engine, url: str, note: str | None = None) -> int:
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url=url,
            conduct="terrorism.incitement",
            note=note,
            actor="alice",
            allow=("127.0.0.1", "::1"),
        )
        return item.id


def _found(engine: Engine, q: str) -> list[int]:
    with read_session(engine) as session:
        page = search_items(session=session, filters=ItemFilter(q=q), per_page=200)
    return sorted(int(i["id"]) for i in page.items)


@pytest.fixture
def items(engine: Engine, staff: dict[str, str]) -> dict[str, int]:
    return {
        "forum": _add(
            engine,
            "https://forum.kavkaz-example.org/threads/Recruit-2291?page=3",
            note="Вербовка молодёжи через закрытый чат",
        ),
        "blog": _add(
            engine,
            "https://blog.example.kz/post/77",
            note="Террористік ұйымның үндеуі, қайта жарияланған",
        ),
        "video": _add(
            engine, "https://video.example.com/watch/abc", note="Recruitment video in English"
        ),
        "plain": _add(engine, "https://news.example.net/sport/football", note="Футбол"),
    }


def test_a_url_fragment_finds_the_item_in_any_case(engine: Engine, items: dict[str, int]) -> None:
    assert _found(engine, "kavkaz-exam") == [items["forum"]]
    assert _found(engine, "THREADS/recruit-22") == [items["forum"]]
    assert _found(engine, "example.kz/po") == [items["blog"]]
    assert _found(engine, "?page=3") == [items["forum"]]
    # shorter than a trigram: the URL scan of old, wildcards still literal
    assert _found(engine, "kz") == [items["blog"]]
    assert _found(engine, "%") == []


def test_a_russian_word_in_a_note_is_found_by_word_prefix_and_any_case(
    engine: Engine, items: dict[str, int]
) -> None:
    assert _found(engine, "вербовка") == [items["forum"]]
    assert _found(engine, "ВЕРБОВКА") == [items["forum"]]
    assert _found(engine, "вербов") == [items["forum"]]
    assert _found(engine, "закрытый ВЕРБОВКА") == [items["forum"]]  # every word, any order
    assert _found(engine, "вербовка футбол") == []  # not in one note


def test_stemming_on_postgresql_finds_another_form_of_the_word(
    engine: Engine, items: dict[str, int]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's unicode61 index has no stemmer: words and prefixes only")
    assert _found(engine, "вербовки") == [items["forum"]]  # the 'russian' configuration
    assert _found(engine, "recruiting") == [items["video"]]  # English stems through it too


def test_kazakh_and_english_words_are_found(engine: Engine, items: dict[str, int]) -> None:
    assert _found(engine, "ұйымның") == [items["blog"]]
    assert _found(engine, "ҮНДЕУІ") == [items["blog"]]
    assert _found(engine, "террористік") == [items["blog"]]
    assert _found(engine, "recruitment") == [items["video"]]
    # the URL fragment and the note word are one search: both items come back
    assert _found(engine, "recruit") == sorted([items["forum"], items["video"]])


def test_no_false_hit(engine: Engine, items: dict[str, int]) -> None:
    assert _found(engine, "взрывчатка") == []
    assert _found(engine, "қала") == []
    assert _found(engine, "ербовка") == []  # inside a word of a note: not a word or prefix
    assert _found(engine, "football") == [items["plain"]]  # its URL, not its note


@pytest.mark.parametrize(
    "hostile",
    [
        '"a" OR b*',
        "NEAR(",
        'NEAR("a" "b", 2)',
        '"',
        '""',
        '"""',
        'x"y"z',
        "*",
        "a AND",
        "-вербовка",
        "^вербовка",
        "note:вербовка",
        "{note}: x",
        "вербовка'; DROP TABLE items; --",
        "'",
        "\\",
        "a & b | !c",
        "вербовка:*",
        "(вербовка",
        "_",
        "%_%",
        "a" * 500,
    ],
)
def test_hostile_queries_are_text_never_syntax(
    engine: Engine, items: dict[str, int], hostile: str
) -> None:
    found = _found(engine, hostile)
    meant = {"-вербовка", "^вербовка", "вербовка:*", "(вербовка"}
    assert found == ([items["forum"]] if hostile in meant else []), hostile


def test_a_nul_character_is_refused_naming_q(engine: Engine, items: dict[str, int]) -> None:
    with pytest.raises(BadInput) as refused:
        _found(engine, "abc\x00def")
    assert refused.value.field == "q"


def test_fts_operators_keep_their_meaning_as_words(engine: Engine, staff: dict[str, str]) -> None:
    both = _add(engine, "https://ops.example/1", note="alpha or beta")
    _add(engine, "https://ops.example/2", note="only beta here")
    # As FTS syntax this would be "alpha" OR any word starting with beta: both items.
    # (PostgreSQL drops the stop word "or" from the query; SQLite keeps it as a word.)
    assert _found(engine, '"alpha" OR beta*') == [both]
    near = _add(engine, "https://ops.example/3", note="NEAR the border")
    assert _found(engine, "NEAR(") == [near]


def test_words_of_a_captured_page_are_found_and_hidden_text_is_not(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/appeal"] = page(PAGE, Content_Type="text/html; charset=utf-8")
    item_id = _add(engine, web.url("/appeal"))
    capture_configured(
        engine=engine, settings=settings, item_ids=[item_id], actor="alice", screenshot=False
    )
    assert _found(engine, "жиһад") == [item_id]  # the title
    assert _found(engine, "соғысқа бауырлар") == [item_id]  # visible text, word prefixes
    assert _found(engine, "fight") == [item_id]
    assert _found(engine, "сценарий") == []  # inside <script>: never shown, not indexed
    with read_session(engine) as session:
        stored = session.scalars(select(CaptureText.text)).one()
    assert stored.startswith("Жиһад үндеуі Барлық бауырларды")


def test_the_index_follows_updates_and_deletes(engine: Engine, items: dict[str, int]) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Report).where(Report.item_id == items["plain"]).values(note="Хоккей")
        )
        session.execute(
            update(Item).where(Item.id == items["video"]).values(url="https://moved.example/v")
        )
    assert _found(engine, "футбол") == []
    assert _found(engine, "хоккей") == [items["plain"]]
    assert _found(engine, "watch/abc") == []
    assert _found(engine, "moved.example") == [items["video"]]
    with session_scope(engine) as session:
        session.execute(delete(Report).where(Report.item_id == items["blog"]))
        session.execute(delete(Item).where(Item.id == items["forum"]))  # reports cascade
    assert _found(engine, "ұйымның") == []
    assert _found(engine, "вербовка") == []
    assert _found(engine, "kavkaz") == []
    _fts_is_consistent(engine)


def test_retention_erases_the_text_from_the_index(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/gone"] = page(PAGE, Content_Type="text/html")
    item_id = _add(engine, web.url("/gone"), note="Секретное свидетельство очевидца")
    capture_configured(
        engine=engine, settings=settings, item_ids=[item_id], actor="alice", screenshot=False
    )
    assert _found(engine, "очевидца") == _found(engine, "бауырларды") == [item_id]
    with session_scope(engine) as session:
        session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(state="withdrawn", updated_at=utcnow() - timedelta(days=400))
        )
    done = retention.run(engine=engine, actor="sam", dry_run=False)
    assert done["items"] == [item_id] and done["reports_anonymised"] == 1
    assert _found(engine, "очевидца") == []  # the reporter's note
    assert _found(engine, "бауырларды") == []  # text read from the deleted WARC
    assert _found(engine, "жиһад") == [item_id]  # the title stays on the evidence row
    with read_session(engine) as session:
        assert session.scalars(select(CaptureText.text)).all() == ["Жиһад үндеуі"]
        assert session.scalars(select(Evidence.warc_path)).all() == [None]
    if engine.dialect.name == "sqlite":
        # Not only unmatched: the words are gone from the index's own vocabulary.
        with engine.begin() as conn:
            conn.execute(
                text("CREATE VIRTUAL TABLE temp.v_notes USING fts5vocab(main, search_notes, row)")
            )
            conn.execute(
                text("CREATE VIRTUAL TABLE temp.v_caps USING fts5vocab(main, search_captures, row)")
            )
            words = set(
                conn.execute(
                    text("SELECT term FROM v_notes UNION SELECT term FROM v_caps")
                ).scalars()
            )
        assert {"очевидца", "секретное", "бауырларды"}.isdisjoint(words)
        assert "жиһад" in words
    _fts_is_consistent(engine)


def test_search_results_are_keyset_paged_in_worklist_order(
    engine: Engine, staff: dict[str, str]
) -> None:
    ids = [_add(engine, f"https://paged.example/{n}", note=f"страница {n}") for n in range(7)]
    _add(engine, "https://elsewhere.example/")
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == ids[2]).values(priority="threat_to_life"))
    seen: list[int] = []
    after = None
    with read_session(engine) as session:
        while True:
            rows, after = items_after(
                session=session, filters=ItemFilter(q="страница"), after=after, limit=3
            )
            seen += [int(r["id"]) for r in rows]
            if after is None:
                break
    assert seen == [ids[2], *[i for i in reversed(ids) if i != ids[2]]]


def test_more_matches_than_a_bound_list_holds_give_the_same_page(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [_add(engine, f"https://many.example/{n}", note="общий текст") for n in range(4)]
    listed = _found(engine, "общий")
    monkeypatch.setattr("comity.web.worklist._MAX_IDS", {"sqlite": 1, "postgresql": 1})
    assert _found(engine, "общий") == listed == sorted(ids)
    assert _found(engine, "many.example") == sorted(ids)


def test_the_sqlite_index_triggers_exist_at_head(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's search_words triggers are checked by test_migrations (0026)")
    with engine.connect() as conn:
        names = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
    wanted = {
        f"{fts}_{op}"
        for fts in ("search_urls", "search_notes", "search_captures")
        for op in ("ai", "ad", "au")
    }
    assert wanted <= names, "a batch ALTER of items/reports/capture_texts dropped them"


# PostgreSQL: what search_words should hold, recomputed from the notes and captures.
POSTINGS_FROM_SOURCE = (
    "SELECT w.lexeme, r.item_id, r.id FROM reports r, "
    "unnest(to_tsvector('russian'::regconfig, coalesce(r.note, ''))) w "
    "UNION ALL SELECT w.lexeme, c.item_id, -c.evidence_id FROM capture_texts c, "
    "unnest(to_tsvector('russian'::regconfig, c.text)) w"
)


def _fts_is_consistent(engine: Engine) -> None:
    """FTS5's own check of each index against its content table (SQLite); on
    PostgreSQL, search_words row for row against the words of the notes and captures."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            kept = set(conn.execute(text("SELECT word, item_id, source FROM search_words")))
            assert kept == set(conn.execute(text(POSTINGS_FROM_SOURCE)))
        return
    with engine.begin() as conn:
        for fts in ("search_urls", "search_notes", "search_captures"):
            conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
