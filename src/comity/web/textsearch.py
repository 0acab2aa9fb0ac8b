"""The worklist's text search, through the text indexes of migration 0020.

An item matches a query when
- its URL contains the query, case folded (3 characters or more: through the
  trigram index, FTS5 `trigram` on SQLite and `pg_trgm` on PostgreSQL; a
  shorter query is a LIKE scan of the URLs, as every query was before), or
- one of its report notes, or one of its captures (page title and visible
  text), has every word of the query as a word or the start of one. SQLite
  folds case in every script (unicode61); PostgreSQL's 'russian'
  configuration also stems Russian and English words, on both sides.

On PostgreSQL a URL fragment is looked up in the trigram index by its rarest part
only: a fragment like "host4567" holds trigrams ("hos", "ost") that nearly every
URL has, and the index walks their lists of millions of rows for each match (97 ms
of 100 at 10,000,000 items, bench_scale). `narrow_url_search` picks the longest
part of the fragment whose trigrams are rare in a sample of the table's URLs; the
whole fragment is then checked on each row the index gives, so the items found
are the same whichever part is chosen.

The user's text is never query syntax. For FTS5 it is a quoted string (the
URL part) and one quoted prefix phrase per run of letters and digits (the word
part), so `"a" OR b*`, `NEAR(` or a lone `"` are searched as text; for
PostgreSQL the words are runs of letters and digits only, each quoted as a
lexeme, and the URL part is a LIKE pattern with its wildcards escaped.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    bindparam,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from comity.core.errors import BadInput
from comity.evidence.models import CaptureText
from comity.intake.models import Item, Report

__all__ = [
    "SEARCH_PARAMS",
    "matches_row",
    "narrow_url_search",
    "rare_fragment",
    "search_params",
    "text_matches",
    "with_word_range",
    "word_range",
]

# Bound-parameter names a search sets (comity.web.worklist keys statements by them).
SEARCH_PARAMS = frozenset(
    {"q_url", "q_like", "q_words", "q_url_index", "q_text", "q_word_low", "q_word_high"}
)
_TRIGRAM = 3  # the shortest URL fragment the trigram indexes can look up
_MAX_WORDS = 32
_WORD = re.compile(r"[^\W_]+")  # letters and digits, in any script

_search_urls = table("search_urls", column("rowid", Integer))
_search_notes = table("search_notes", column("rowid", Integer))
_search_captures = table("search_captures", column("rowid", Integer))
# PostgreSQL: (word, item_id, source) per lexeme of each note and capture (migration 0026).
_search_words = table("search_words", column("word"), column("item_id", Integer))

_PG_NOTES = (
    "to_tsvector('russian'::regconfig, coalesce(reports.note, '')) "
    "@@ to_tsquery('russian'::regconfig, :q_words)"
)
_PG_CAPTURES = (
    "to_tsvector('russian'::regconfig, coalesce(capture_texts.text, '')) "
    "@@ to_tsquery('russian'::regconfig, :q_words)"
)


def _like(q: str) -> str:
    # LIKE wildcards typed by the user are escaped to match themselves.
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_params(q: str, dialect: str) -> dict[str, str]:
    """The bound values of a search for `q` (stripped, non-empty), by parameter name."""
    if "\x00" in q:  # no stored text holds one, and PostgreSQL refuses it in a parameter
        raise BadInput("q: a NUL character cannot be searched for", field="q")
    params: dict[str, str] = {}
    if len(q) < _TRIGRAM:
        params["q_like"] = _like(q)
    elif dialect == "sqlite":
        params["q_url"] = '"' + q.replace('"', '""') + '"'  # an FTS5 string: a phrase
    else:
        params["q_url"] = _like(q)
    words = _WORD.findall(q)[:_MAX_WORDS]
    if words:
        if dialect == "sqlite":
            params["q_words"] = " ".join(f'"{w}"*' for w in words)
        else:
            params["q_words"] = " & ".join(f"'{w}':*" for w in words)
    return params


# A trigram in more than this share of the sampled URLs is not looked up in the index.
_COMMON = 0.05
_SAMPLE = 2_000  # URLs sampled for the trigrams' shares
_SAMPLE_TTL = 300.0  # seconds a process keeps its sample
_samples: dict[str, tuple[float, int, Counter[str]]] = {}


def _trigrams(s: str) -> set[str]:
    return {s[n : n + _TRIGRAM] for n in range(len(s) - _TRIGRAM + 1)}


def rare_fragment(q: str, shares: Counter[str], sampled: int) -> str | None:
    """The longest part of `q` (3 characters or more, letters and digits) none of whose
    trigrams is in more than _COMMON of the `sampled` URLs (`shares`: trigram -> in how
    many), or None when that part is `q` itself or there is none."""
    folded = q.lower()
    limit = _COMMON * sampled
    best = ""
    for run in _WORD.findall(folded):
        start = 0  # the longest stretch of `run` whose every trigram is rare
        for end in range(_TRIGRAM, len(run) + 1):
            if shares[run[end - _TRIGRAM : end]] > limit:
                start = end - _TRIGRAM + 1
            elif end - start > len(best):
                best = run[start:end]
    if len(best) < _TRIGRAM or best == folded:
        return None
    return best


_SMALL_TABLE = 20 * _SAMPLE  # below it (or never analysed: -1) the newest URLs are sampled
_TABLE_SIZE = text("SELECT reltuples FROM pg_class WHERE oid = 'items'::regclass")
# SYSTEM picks whole pages at random: about twice the URLs wanted, read in a few ms.
_PAGES_SAMPLED = text("SELECT url FROM items TABLESAMPLE SYSTEM (:percent) LIMIT :n")


def _sampled_urls(session: Session) -> list[str]:
    """About _SAMPLE URLs from the whole table, which is what the trigram index walks.

    Not the newest ones: new items can look nothing like the millions before them (at
    10,000,000 items under bench_scale's writers, the 2,000 newest URLs held no "hos",
    so "host2778" was looked up whole: 100 ms instead of 15)."""
    rows = float(session.scalar(_TABLE_SIZE) or 0)
    if rows < _SMALL_TABLE:  # the newest are most of it
        newest = select(Item.url).order_by(Item.id.desc()).limit(_SAMPLE)
        return list(session.scalars(newest))
    percent = min(100.0, 200.0 * _SAMPLE / rows)
    return list(session.scalars(_PAGES_SAMPLED, {"percent": percent, "n": _SAMPLE}))


def _url_sample(session: Session) -> tuple[int, Counter[str]]:
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _samples.get(key)
    if cached is None or now - cached[0] > _SAMPLE_TTL:
        urls = _sampled_urls(session)
        shares: Counter[str] = Counter()
        for url in urls:
            shares.update(_trigrams(url.lower()))
        cached = (now, len(urls), shares)
        _samples[key] = cached
    return cached[1], cached[2]


def narrow_url_search(session: Session, q: str, params: dict[str, str]) -> dict[str, str]:
    """`params` (search_params of `q` on PostgreSQL), its URL part looked up by its
    rarest part (see the module's doc); unchanged when no part is rarer than the whole."""
    if "q_url" not in params:
        return params
    sampled, shares = _url_sample(session)
    part = rare_fragment(q, shares, sampled) if sampled else None
    if part is None:
        return params
    narrowed = {k: v for k, v in params.items() if k != "q_url"}
    return narrowed | {"q_url_index": _like(part), "q_text": q}


_LEXEMES = text(
    "SELECT array(SELECT DISTINCT lexeme FROM unnest(CAST(:words AS text[])) AS w, "
    "unnest(to_tsvector('russian'::regconfig, w)))"
)


def word_range(session: Session, q: str) -> tuple[str, str] | None:
    """PostgreSQL: when the words of `q` come down to one lexeme L (one word, or its
    other words stop words or the same stem), the range [L, L') of the words that
    start with L in the "C" collation (byte order), for `search_words`; else None,
    and the search keeps the GIN indexes, which intersect several words' lists.

    Each word is normalised as to_tsquery normalises it (the same configuration, one
    word at a time), so the range holds exactly the lexemes that `'word':*` matches.
    """
    words = _WORD.findall(q)[:_MAX_WORDS]
    if not words:
        return None
    lexemes: list[str] = session.scalar(_LEXEMES, {"words": words}) or []
    if len(lexemes) != 1 or not lexemes[0]:
        return None
    low = lexemes[0]
    last = ord(low[-1]) + 1
    if last > 0x10FFFF or 0xD800 <= last <= 0xDFFF:  # no character follows it in UTF-8
        return None
    return low, low[:-1] + chr(last)


def with_word_range(params: dict[str, str], span: tuple[str, str] | None) -> dict[str, str]:
    """`params` with its word part looked up in `search_words` over `span` (word_range)."""
    if span is None or "q_words" not in params:
        return params
    rest = {k: v for k, v in params.items() if k != "q_words"}
    return rest | {"q_word_low": span[0], "q_word_high": span[1]}


def _in_word_range() -> list[ColumnElement[bool]]:
    word = _search_words.c.word
    return [word >= bindparam("q_word_low"), word < bindparam("q_word_high")]


def matches_row(names: frozenset[str]) -> ColumnElement[bool]:
    """PostgreSQL: the item row matches the search, checked on the row itself.

    For a search matching more items than the worklist looks up (a short URL
    fragment like "host7", a common prefix: hundreds of thousands at 10,000,000
    items), the set of matches is never built: the worklist walks its own order and
    checks each row, and with M matches among N items a page is found after about
    50 x N / M rows (10,000 at the look-up's bound, far fewer for the densest).
    OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hashed set of every
    match (1.5 s for one page of "bateli"; as an IN subquery "host7" took 33 s:
    bench_scale).
    """
    url: BindParameter[str] = bindparam("q_like" if "q_like" in names else "q_url")
    checks: list[ColumnElement[bool]] = [Item.url.ilike(url, escape="\\")]
    if "q_word_low" in names:  # one probe of ix_search_words_item (item_id, word)
        held = _search_words.c.item_id == Item.id
        row = select(literal(1)).where(held, *_in_word_range()).offset(0)
        checks.append(row.correlate(Item).exists())
    elif "q_words" in names:
        for condition, owner in ((_PG_NOTES, Report.item_id), (_PG_CAPTURES, CaptureText.item_id)):
            row = select(literal(1)).where(owner == Item.id, text(condition)).offset(0)
            checks.append(row.correlate(Item).exists())
    return or_(*checks)


def text_matches(names: frozenset[str], dialect: str, *, every_row: bool = False) -> Select[Any]:
    """Ids of the items matching a search whose parameters are `names` (see search_params);
    with `every_row`, an id once per matching URL, note or capture, streamed as found
    (no set built first, so a LIMIT stops the look-up early)."""
    parts: list[Select[Any]] = []
    url_pattern: BindParameter[str] = bindparam("q_like" if "q_like" in names else "q_url")
    if dialect == "sqlite" and "q_url" in names:
        fts = select(_search_urls.c.rowid).where(text("search_urls MATCH :q_url"))
        parts.append(select(Item.id).where(Item.id.in_(fts)))
    elif dialect == "sqlite":  # SQLite's LIKE folds ASCII case; lower() both sides costs 2x
        parts.append(select(Item.id).where(Item.url.like(url_pattern, escape="\\")))
    elif "q_url_index" in names:
        # The index finds the rows holding the rare part; strpos on lower() (which no
        # index serves, so it stays a filter) checks the whole fragment on each.
        whole = func.strpos(func.lower(Item.url), func.lower(bindparam("q_text"))) > 0
        rare: BindParameter[str] = bindparam("q_url_index")
        parts.append(select(Item.id).where(Item.url.ilike(rare, escape="\\"), whole))
    else:
        parts.append(select(Item.id).where(Item.url.ilike(url_pattern, escape="\\")))
    if "q_word_low" in names:  # an index-only range scan of search_words' primary key
        parts.append(select(_search_words.c.item_id).where(*_in_word_range()))
    elif "q_words" in names:
        if dialect == "sqlite":
            notes = select(_search_notes.c.rowid).where(text("search_notes MATCH :q_words"))
            captures = select(_search_captures.c.rowid).where(
                text("search_captures MATCH :q_words")
            )
            parts.append(select(Report.item_id).where(Report.id.in_(notes)))
            parts.append(select(CaptureText.item_id).where(CaptureText.evidence_id.in_(captures)))
        else:
            parts.append(select(Report.item_id).where(text(_PG_NOTES)))
            parts.append(select(CaptureText.item_id).where(text(_PG_CAPTURES)))
    return select((union_all if every_row else union)(*parts).subquery().c[0])
