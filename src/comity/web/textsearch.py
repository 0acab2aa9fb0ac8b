"""The worklist's text search, through the text indexes of migration 0020.

An item matches a query when
- its URL contains the query, case folded (3 characters or more: through the
  trigram index, FTS5 `trigram` on SQLite and `pg_trgm` on PostgreSQL; a
  shorter query is a LIKE scan of the URLs, as every query was before), or
- one of its report notes, or one of its captures (page title and visible
  text), has every word of the query as a word or the start of one. SQLite
  folds case in every script (unicode61); PostgreSQL's 'russian'
  configuration also stems Russian and English words, on both sides.

The user's text is never query syntax. For FTS5 it is a quoted string (the
URL part) and one quoted prefix phrase per run of letters and digits (the word
part), so `"a" OR b*`, `NEAR(` or a lone `"` are searched as text; for
PostgreSQL the words are runs of letters and digits only, each quoted as a
lexeme, and the URL part is a LIKE pattern with its wildcards escaped.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, column, select, table, text, union
from sqlalchemy.sql import Select

from comity.core.errors import BadInput
from comity.evidence.models import CaptureText
from comity.intake.models import Item, Report

__all__ = ["SEARCH_PARAMS", "search_params", "text_matches"]

# Bound-parameter names a search sets (comity.web.worklist keys statements by them).
SEARCH_PARAMS = frozenset({"q_url", "q_like", "q_words"})
_TRIGRAM = 3  # the shortest URL fragment the trigram indexes can look up
_MAX_WORDS = 32
_WORD = re.compile(r"[^\W_]+")  # letters and digits, in any script

_search_urls = table("search_urls", column("rowid", Integer))
_search_notes = table("search_notes", column("rowid", Integer))
_search_captures = table("search_captures", column("rowid", Integer))

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


def text_matches(names: frozenset[str], dialect: str) -> Select[Any]:
    """Ids of the items matching a search whose parameters are `names` (see search_params)."""
    parts: list[Select[Any]] = []
    url_pattern: BindParameter[str] = bindparam("q_like" if "q_like" in names else "q_url")
    if dialect == "sqlite" and "q_url" in names:
        fts = select(_search_urls.c.rowid).where(text("search_urls MATCH :q_url"))
        parts.append(select(Item.id).where(Item.id.in_(fts)))
    elif dialect == "sqlite":  # SQLite's LIKE folds ASCII case; lower() both sides costs 2x
        parts.append(select(Item.id).where(Item.url.like(url_pattern, escape="\\")))
    else:
        parts.append(select(Item.id).where(Item.url.ilike(url_pattern, escape="\\")))
    if "q_words" in names:
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
    return select(union(*parts).subquery().c[0])
