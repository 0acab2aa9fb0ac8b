"""PostgreSQL: the words of notes and captures, by word and by item (search postings)

A GIN index finds the note and capture rows holding a word, but it cannot return
their item ids: PostgreSQL visits each row for it. For a word or prefix common in
the corpus that is most of a search's cost: "badere:*" matches 32,397 notes and
76,349 captures at 10,000,000 items, and finding their items took 150-190 ms warm,
500 ms cold (bench_scale, EXPLAIN ANALYZE), where the index itself took 55 ms.

`search_words` holds one row per word (lexeme) of each note and capture, with its
item: (word, item_id, source), source being the report id, or minus the evidence id
for a capture. Its primary key (word, item_id, source) gives the items of a word or
prefix from the index alone (an index-only range scan: 50,001 rows of "bavik" in
9 ms at 10,000,000 items); `ix_search_words_item` (item_id, word) answers "does
this item hold a word starting with ..." for the worklist's row-by-row check of very common words.
`word` is in the "C" collation, so a prefix is a plain byte range of the index.

The words are the lexemes of to_tsvector('russian', ...), the configuration of
the GIN indexes of 0020 and of the query side (comity.web.textsearch): the same
stemming on both sides, so a prefix of a stemmed query word finds the same rows
as `@@ to_tsquery('russian', 'word':*)`.

Triggers keep the table in step with reports.note and capture_texts.text on every
write path (the ORM, bulk imports, retention's anonymisation, cascades, TRUNCATE), as the
FTS5 triggers of 0020 do on SQLite. Creating them locks both tables against
writes until this migration commits, so no row is written between the back-fill's
snapshot and the triggers. At bench_scale's 10,000,000 items (10 million notes, 2
million captures) the back-fill wrote 112.8 million rows, 12.7 GB with both
indexes, in 351 s (the indexes built after the rows).

SQLite needs none of it: its FTS5 tables return their rowids from the index.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_FUNCTIONS = (
    """
CREATE FUNCTION search_words_of_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM search_words WHERE item_id = OLD.item_id AND source = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO search_words (word, item_id, source)
        SELECT lexeme, NEW.item_id, NEW.id
        FROM unnest(to_tsvector('russian'::regconfig, coalesce(NEW.note, '')))
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$""",
    """
CREATE FUNCTION search_words_of_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM search_words WHERE item_id = OLD.item_id AND source = -OLD.evidence_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO search_words (word, item_id, source)
        SELECT lexeme, NEW.item_id, -NEW.evidence_id
        FROM unnest(to_tsvector('russian'::regconfig, coalesce(NEW.text, '')))
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER search_words_reports AFTER INSERT OR DELETE OR UPDATE OF note, item_id "
    "ON reports FOR EACH ROW EXECUTE FUNCTION search_words_of_report()",
    "CREATE TRIGGER search_words_captures AFTER INSERT OR DELETE OR UPDATE OF text, item_id "
    "ON capture_texts FOR EACH ROW EXECUTE FUNCTION search_words_of_capture()",
    # TRUNCATE fires no row trigger: the words of the emptied table go with it.
    """
CREATE FUNCTION search_words_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'reports' THEN
        DELETE FROM search_words WHERE source > 0;
    ELSE
        DELETE FROM search_words WHERE source < 0;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER search_words_reports_truncated AFTER TRUNCATE ON reports "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_words_truncated()",
    "CREATE TRIGGER search_words_captures_truncated AFTER TRUNCATE ON capture_texts "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_words_truncated()",
)

_BACKFILL = (
    "INSERT INTO search_words (word, item_id, source) "
    "SELECT w.lexeme, r.item_id, r.id "
    "FROM reports r, unnest(to_tsvector('russian'::regconfig, r.note)) w "
    "WHERE r.note IS NOT NULL",
    "INSERT INTO search_words (word, item_id, source) "
    "SELECT w.lexeme, c.item_id, -c.evidence_id "
    "FROM capture_texts c, unnest(to_tsvector('russian'::regconfig, c.text)) w",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        'CREATE TABLE search_words (word text COLLATE "C" NOT NULL, '
        "item_id integer NOT NULL, source integer NOT NULL)"
    )
    for statement in _FUNCTIONS:
        op.execute(statement)
    for statement in _BACKFILL:
        op.execute(statement)
    # After the rows: one sort per index instead of a page split per row.
    op.execute(
        "ALTER TABLE search_words ADD CONSTRAINT pk_search_words "
        "PRIMARY KEY (word, item_id, source)"
    )
    op.execute("CREATE INDEX ix_search_words_item ON search_words (item_id, word)")
    # Statistics for the planner now. The visibility map, which index-only scans need
    # to skip the table's rows, is set by the autovacuum that this many inserted rows
    # start within a minute or so of the commit (VACUUM cannot run in this
    # transaction); until it has run, the scans also read the rows: slower, same answers.
    op.execute("ANALYZE search_words")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, suffix in (
        ("reports", "reports"),
        ("capture_texts", "captures"),
        ("reports", "reports_truncated"),
        ("capture_texts", "captures_truncated"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS search_words_{suffix} ON {table}")
    for function in ("of_report", "of_capture", "truncated"):
        op.execute(f"DROP FUNCTION IF EXISTS search_words_{function}()")
    op.execute("DROP TABLE IF EXISTS search_words")
