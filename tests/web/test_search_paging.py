"""A search's page from its looked-up ids (comity.web.worklist._page_of_matches) and
the URL fragment looked up by its rarest part (comity.web.textsearch.narrow_url_search):
both must find exactly what the plain statements find, in worklist order."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, select, text, update

from comity.cases.priority import PRIORITIES
from comity.core.db import read_session, session_scope
from comity.intake.models import Item
from comity.web import textsearch, worklist
from comity.web.textsearch import narrow_url_search, rare_fragment, search_params
from comity.web.worklist import ItemFilter, ItemPage, search_items
from tests.web.test_search import _add


def _page(engine: Engine, filters: ItemFilter, page: int, per_page: int) -> ItemPage:
    with read_session(engine) as session:
        return search_items(session=session, filters=filters, page=page, per_page=per_page)


def test_a_page_of_looked_up_ids_is_the_worklist_order_with_a_capped_count(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small bounds, so that the count is capped and the ids are probed in several chunks.
    monkeypatch.setattr("comity.web.worklist.COUNT_CAP", 7)
    monkeypatch.setattr("comity.web.worklist._PROBE_FIRST", 2)
    ids = [
        _add(engine, f"https://paging{n % 3}.example/p/{n}", note=f"общий {n}") for n in range(30)
    ]
    _add(engine, "https://other.example/", note="другой")
    priority = {i: PRIORITIES[(n * 7) % 11 % 3] for n, i in enumerate(ids)}
    state = {i: "sent" if n % 4 == 0 else "reported" for n, i in enumerate(ids)}
    with session_scope(engine) as session:
        for i in ids:
            session.execute(
                update(Item).where(Item.id == i).values(priority=priority[i], state=state[i])
            )
    cases = [
        (ItemFilter(q="общий"), lambda i: True),
        (ItemFilter(q="общий", priority="crisis"), lambda i: priority[i] == "crisis"),
        (ItemFilter(q="общий", state="sent"), lambda i: state[i] == "sent"),
        (ItemFilter(q="paging1"), lambda i: ids.index(i) % 3 == 1),
        # 4 of 10: the count below the cap is of the filtered items only.
        (
            ItemFilter(q="paging1", priority="crisis"),
            lambda i: ids.index(i) % 3 == 1 and priority[i] == "crisis",
        ),
    ]
    for filters, keep in cases:
        wanted = sorted(
            (i for i in ids if keep(i)), key=lambda i: (PRIORITIES.index(priority[i]), -i)
        )
        for number in range(1, 6):
            looked_up = _page(engine, filters, number, 4)
            assert [r["id"] for r in looked_up.items] == wanted[(number - 1) * 4 : number * 4]
            assert looked_up.total == min(len(wanted), 7)
            assert looked_up.total_is_lower_bound == (len(wanted) > 7)
            # The same page through the statements that run the search as a subquery.
            monkeypatch.setattr("comity.web.worklist._MAX_IDS", {"sqlite": 1, "postgresql": 1})
            planned = _page(engine, filters, number, 4)
            monkeypatch.undo()
            monkeypatch.setattr("comity.web.worklist.COUNT_CAP", 7)
            monkeypatch.setattr("comity.web.worklist._PROBE_FIRST", 2)
            assert planned.items == looked_up.items
            assert (planned.total, planned.has_next) == (looked_up.total, looked_up.has_next)


def test_a_page_of_the_most_urgent_level_alone_is_read_from_that_level_only(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the most urgent level's index-only look-up is PostgreSQL's")
    monkeypatch.setattr("comity.web.worklist._PROBE_FIRST", 2)
    ids = [_add(engine, f"https://urgent.example/{n}", note=f"срочно {n}") for n in range(12)]
    urgent = [i for n, i in enumerate(ids) if n % 2]  # 6 of 12, every other one
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id.in_(urgent)).values(priority=PRIORITIES[0]))
    served = []
    most_urgent = worklist._most_urgent
    monkeypatch.setattr(
        worklist, "_most_urgent", lambda *a: served.append(most_urgent(*a)) or served[-1]
    )
    wanted = sorted(urgent, reverse=True) + sorted(set(ids) - set(urgent), reverse=True)
    for number in (1, 2, 3):
        page = _page(engine, ItemFilter(q="срочно"), number, 4)
        assert [r["id"] for r in page.items] == wanted[(number - 1) * 4 : number * 4]
        assert (page.total, page.total_is_lower_bound) == (12, False)
    # Pages 1 (4 of 6) from the urgent level alone; page 2 needs 8: every level is probed.
    assert [found is not None for found in served] == [True, False, False]
    # A filter besides the words makes the count depend on it: the general probe counts.
    served.clear()
    page = _page(engine, ItemFilter(q="срочно", state="reported"), 1, 4)
    assert [r["id"] for r in page.items] == wanted[:4]
    assert served == []


def test_the_rarest_part_of_a_url_fragment_is_the_longest_without_a_common_trigram() -> None:
    common = {"hos": 100, "ost": 100, "st4": 50, "exa": 90, "xam": 90, "amp": 90, "mpl": 90}
    shares = Counter(common | {"ple": 90})
    assert rare_fragment("host4567", shares, 100) == "t4567"
    assert rare_fragment("HOST4567.Example", shares, 100) == "t4567"
    assert rare_fragment("t4567", shares, 100) is None  # already rare: the whole is looked up
    assert rare_fragment("host", shares, 100) is None  # nothing rare to look up by
    assert rare_fragment("example", shares, 100) is None
    assert rare_fragment("ab/cd", shares, 100) is None  # no part of 3 letters or digits


def test_a_url_fragment_looked_up_by_its_rare_part_finds_exactly_the_whole_fragment(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's FTS5 trigram index looks up the whole phrase")
    monkeypatch.setattr(textsearch, "_samples", {})
    for n in range(100):  # "hos" and "ost" in every URL: common
        _add(engine, f"https://host{1000 + n}.example/post/{n}")
    wanted = [
        _add(engine, "https://host4567.example/post/1"),
        _add(engine, "https://HOST4567.example/upper"),
        _add(engine, "https://www.host45678.example/"),
    ]
    _add(engine, "https://host4566.example/lost4567")  # holds st4567, not host4567
    with read_session(engine) as session:
        narrowed = narrow_url_search(session, "Host4567", search_params("Host4567", "postgresql"))
        assert narrowed["q_url_index"] == "%st4567%"  # "st4" is in 4 of 104 URLs: rare
        assert "q_url" not in narrowed
        common = narrow_url_search(session, "example", search_params("example", "postgresql"))
        assert "q_url_index" not in common
        page = search_items(session=session, filters=ItemFilter(q="Host4567"), per_page=200)
    assert sorted(r["id"] for r in page.items) == sorted(wanted)
    assert page.total == 3


def test_a_large_table_is_sampled_across_its_pages_not_by_its_newest_urls(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's FTS5 trigram index looks up the whole phrase")
    old = [_add(engine, f"https://host{1000 + n}.example/post/{n}") for n in range(60)]
    for n in range(60):  # the newest URLs hold no "hos": sampled alone, it would look rare
        _add(engine, f"https://fresh{n}.example/p/{n}")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE items"))
    monkeypatch.setattr(textsearch, "_samples", {})
    monkeypatch.setattr(textsearch, "_SAMPLE", 60)  # the 60 newest: no "hos" among them
    with read_session(engine) as session:
        newest = narrow_url_search(session, "host1007", search_params("host1007", "postgresql"))
        # 120 rows analysed, under the small-table bound: the newest are sampled, and
        # "hos" looks rare, so the whole fragment is looked up.
        assert "q_url_index" not in newest
        monkeypatch.setattr(textsearch, "_samples", {})
        monkeypatch.setattr(textsearch, "_SMALL_TABLE", 100)  # now "large": every page
        across = narrow_url_search(session, "host1007", search_params("host1007", "postgresql"))
        page = search_items(session=session, filters=ItemFilter(q="host1007"), per_page=200)
    # The sample is now the 60 host URLs (every page, in table order): "hos", "ost",
    # "st1", "t10" are in all of them and "100" in 10, so only "007" is rare.
    assert across["q_url_index"] == "%007%"
    assert [r["id"] for r in page.items] == [old[7]]


def test_a_search_with_too_many_matches_to_keep_is_checked_row_by_row_and_counted_right(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("comity.web.worklist.COUNT_CAP", 3)
    monkeypatch.setattr("comity.web.worklist._MAX_IDS", {"sqlite": 5, "postgresql": 5})
    # Three items each matching twice (URL and note): 6 rows, more than 5 are kept,
    # yet only 3 items, so the count must not be taken as over the cap.
    twice = [_add(engine, f"https://dupword{n}.example/", note=f"dupword {n}") for n in range(3)]
    page = _page(engine, ItemFilter(q="dupword"), 1, 10)
    assert [r["id"] for r in page.items] == sorted(twice, reverse=True)
    assert (page.total, page.total_is_lower_bound) == (3, False)
    many = [_add(engine, f"https://manyword.example/{n}", note="manyword") for n in range(8)]
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == many[1]).values(priority="threat_to_life"))
    page = _page(engine, ItemFilter(q="manyword"), 1, 4)
    wanted = [many[1], *[i for i in reversed(many) if i != many[1]]][:4]
    assert [r["id"] for r in page.items] == wanted
    assert (page.total, page.total_is_lower_bound) == (3, True)
    assert page.has_next


# Notes whose words share stems and prefixes, in Russian, Kazakh and English.
_NOTES = (
    "Вербовка молодёжи через закрытый чат",
    "вербовщики вербуют в ёлочных чатах",
    "Вербовочный пункт",
    "Recruitment videos; recruiting and recruiters",
    "the recruit",
    "Террористік ұйымның үндеуі",
    "ұйым жариялады",
    "host4458 and host4459 mirrors",
    "1989 2024 версия",
)


@pytest.mark.parametrize(
    "q",
    [
        "вербовка",  # stem "вербовк": only the first note
        "вербо",  # a prefix of several stems
        "ВЕРБУЮТ",
        "ёлочный",  # ё folded to е on both sides
        "recruiting",  # English stemming: "recruit", a prefix of "recruitment"
        "the recruit",  # a stop word and one word: one lexeme
        "recruiters recruiter",  # two forms, one stem
        "ұйымның",
        "host445",
        "1989",
    ],
)
def test_a_one_word_search_through_search_words_finds_what_the_gin_index_finds(
    engine: Engine, staff: dict[str, str], q: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("search_words is PostgreSQL's (migration 0026)")
    for n, note in enumerate(_NOTES):
        _add(engine, f"https://notes{n}.example/", note=note)
    with read_session(engine) as session:
        span = textsearch.word_range(session, q)
        assert span is not None
        params = search_params(q, "postgresql")
        gin = set(session.scalars(textsearch.text_matches(frozenset(params), "postgresql"), params))
        ranged = textsearch.with_word_range(params, span)
        assert "q_words" not in ranged
        words = set(
            session.scalars(textsearch.text_matches(frozenset(ranged), "postgresql"), ranged)
        )
        # And the row-by-row check of the worklist (matches_row) through (item_id, word).
        checked = set(
            session.scalars(
                select(Item.id).where(textsearch.matches_row(frozenset(ranged))), ranged
            )
        )
    assert gin  # every query above matches some note or URL
    assert words == gin == checked


def test_several_stems_keep_the_gin_indexes_which_intersect_them(
    engine: Engine, staff: dict[str, str]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("search_words is PostgreSQL's (migration 0026)")
    with read_session(engine) as session:
        assert textsearch.word_range(session, "вербовка чат") is None  # two lexemes
        assert textsearch.word_range(session, "the and") is None  # stop words only
        assert textsearch.word_range(session, "!!!") is None  # no word at all
        assert textsearch.word_range(session, "Вербовка") == ("вербовк", "вербовл")
