"""Text search (issue 19): an index over URLs, report notes and captured text

`capture_texts` holds what a capture says: its page title, then the visible
text of the captured document (bounded). It is a table of its own because
every column of `evidence` is sealed in the audit chain (comity.integrity), and
retention must be able to erase this text with the files it came from.

SQLite: three FTS5 *external-content* tables, one per source table, kept in
step by triggers on that table (insert, delete, update of the indexed
column). External content stores no second copy of the text, and `rebuild` or
`integrity-check` can be run against the source at any time; triggers rather
than the write paths because the text changes through many of them (the ORM,
Core bulk imports, retention's anonymisation, foreign-key cascades), and a
trigger cannot be forgotten by the next one. URLs use the trigram tokenizer
(any substring of 3 characters or more, case folded, like the LIKE it
replaces); notes and captured text use unicode61 (words, case folded in every
script) with prefix indexes of 2 and 3 characters.

A later migration that rebuilds `items`, `reports` or `capture_texts` with a
batch ALTER on SQLite drops these triggers with the old table: it must create
them again (tests/web/test_search.py checks that they exist at head).

PostgreSQL: `pg_trgm` GIN on items.url (the ILIKE search keeps its meaning and
becomes an index scan for 3 characters or more), and GIN expression indexes on
to_tsvector('russian', ...) for notes and captured text: the 'russian'
configuration stems Russian words with the Russian Snowball stemmer and ASCII
words with the English one; Kazakh words go through the Russian stemmer on both
sides (document and query), which keeps them findable by word and prefix.
CREATE EXTENSION pg_trgm needs CREATE on the database (a trusted extension
since PostgreSQL 13); downgrade leaves the extension installed.

Back-fill: existing URLs and notes are indexed in batches of id ranges; existing
captures get their page title as their text (the visible text of older
captures is read from their WARCs by nothing yet).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 20_000

# (FTS table, source table, source key, indexed column, tokenizer options)
_FTS = (
    ("search_urls", "items", "id", "url", "tokenize='trigram'"),
    (
        "search_notes",
        "reports",
        "id",
        "note",
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3'",
    ),
    (
        "search_captures",
        "capture_texts",
        "evidence_id",
        "text",
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3'",
    ),
)

_PG = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_items_url_trgm ON items USING gin (url gin_trgm_ops)",
    "CREATE INDEX ix_reports_note_fts ON reports "
    "USING gin (to_tsvector('russian'::regconfig, coalesce(note, '')))",
    "CREATE INDEX ix_capture_texts_fts ON capture_texts "
    "USING gin (to_tsvector('russian'::regconfig, coalesce(text, '')))",
)


def _sqlite_statements(fts: str, table: str, key: str, column: str, options: str) -> list[str]:
    # Names from _FTS only (constants), never from data.
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.{key}, new.{column});"  # noqa: S608
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.{key}, old.{column});"  # noqa: S608
    )
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
        f"content_rowid='{key}', {options})",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN {delete} {insert} END",
    ]


def _batched(sql: str, table: str, key: str) -> None:
    """Run `sql` (with :low and :high) over `table`'s key range, _BATCH keys at a time."""
    bind = op.get_bind()
    top = bind.execute(sa.text(f"SELECT max({key}) FROM {table}")).scalar() or 0  # noqa: S608
    for low in range(0, top, _BATCH):
        bind.execute(sa.text(sql), {"low": low, "high": low + _BATCH})


def upgrade() -> None:
    op.create_table(
        "capture_texts",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("evidence_id"),
    )
    op.create_index("ix_capture_texts_item_id", "capture_texts", ["item_id"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for fts, table, key, column, options in _FTS:
            for statement in _sqlite_statements(fts, table, key, column, options):
                op.execute(statement)
        for fts, table, key, column, _ in _FTS[:2]:
            _batched(
                f"INSERT INTO {fts}(rowid, {column}) SELECT {key}, {column} FROM {table} "  # noqa: S608
                f"WHERE {key} > :low AND {key} <= :high AND {column} IS NOT NULL",
                table,
                key,
            )
    # Existing captures: their title (the triggers index them on SQLite).
    _batched(
        "INSERT INTO capture_texts (evidence_id, item_id, text) SELECT id, item_id, title "
        "FROM evidence WHERE id > :low AND id <= :high AND title IS NOT NULL",
        "evidence",
        "id",
    )
    if not sqlite:
        for statement in _PG:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, _table, _key, _column, _options in _FTS:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_items_url_trgm")
        op.execute("DROP INDEX IF EXISTS ix_reports_note_fts")
    op.drop_index("ix_capture_texts_item_id", table_name="capture_texts")
    op.drop_table("capture_texts")
