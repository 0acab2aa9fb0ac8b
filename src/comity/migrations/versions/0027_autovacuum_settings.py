"""PostgreSQL: per-table autovacuum settings for the tables that searches read index-only

An index-only scan skips the heap only for pages the visibility map marks
all-visible, and only (auto)vacuum sets those bits. At the default scale factors a
table is vacuumed after 20 % of its rows died (or, PostgreSQL 13 on, 20 % were
inserted): at bench_scale's 10,000,000 items `items` held 995,815 dead rows and had
not been vacuumed for hours, and 73 % of its pages were all-visible (211,051 of
289,476), so the worklist's and the search probe's index-only reads of
`ix_items_priority_id` fetched the heap for the rest. `search_words` (112.8 million
rows) would wait for 22 million new words before its newest rows, the ones a search
reads first, became all-visible.

At 1 % a vacuum runs after about 100,000 changed items or 1.1 million new words: it
reads only the pages not yet all-visible, so it costs in proportion to the writes.
The analyze thresholds stay at their defaults (statistics move slowly here).

SQLite has no autovacuum of this kind: nothing to do.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# table -> storage parameters (reloptions) this revision sets
SETTINGS: dict[str, dict[str, str]] = {
    "items": {
        "autovacuum_vacuum_scale_factor": "0.01",
        "autovacuum_vacuum_insert_scale_factor": "0.01",
    },
    "search_words": {
        "autovacuum_vacuum_scale_factor": "0.01",
        "autovacuum_vacuum_insert_scale_factor": "0.01",
    },
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, options in SETTINGS.items():
        pairs = ", ".join(f"{name} = {value}" for name, value in options.items())
        op.execute(f"ALTER TABLE {table} SET ({pairs})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, options in SETTINGS.items():
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(options)})")
