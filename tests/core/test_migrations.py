"""Migrations: models match `alembic upgrade head`, and every revision goes up
and down with data in it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from comity.core.db import _create
from comity.core.migrate import alembic_config, current_revision, downgrade, upgrade
from comity.core.models import metadata
from tests.conftest import create_pg_database, drop_pg_database
from tests.web.test_search import POSTINGS_FROM_SOURCE


def _seed_0001(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO users (name, role, active, created_at) "
            "VALUES ('mig', 'analyst', true, CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO items (url, url_key, host, state, priority, created_at, "
            "updated_at) VALUES ('https://a.example/', 'k1', 'a.example', 'reported', "
            "'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )


def _check_0001(conn: Connection) -> None:
    assert conn.execute(text("SELECT role FROM users WHERE name = 'mig'")).scalar() == "analyst"
    assert conn.execute(text("SELECT host FROM items WHERE url_key = 'k1'")).scalar() == "a.example"


def _seed_0002(conn: Connection) -> None:
    item_id = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    conn.execute(
        text(
            "INSERT INTO evidence (item_id, captured_at, requested_url, outcome, headers, "
            "content_sha256, captured_by) VALUES (:item, CURRENT_TIMESTAMP, "
            "'https://a.example/', 'ok', '[]', :sha, 'mig')"
        ),
        {"item": item_id, "sha": "ab" * 32},
    )


def _check_0002(conn: Connection) -> None:
    row = conn.execute(
        text("SELECT outcome, content_sha256 FROM evidence WHERE captured_by = 'mig'")
    ).one()
    assert tuple(row) == ("ok", "ab" * 32)


def _seed_0003(conn: Connection) -> None:
    item_id = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    conn.execute(
        text(
            "INSERT INTO cases (name, created_by, created_at) "
            "VALUES ('mig-case', 'mig', CURRENT_TIMESTAMP)"
        )
    )
    case_id = conn.execute(text("SELECT id FROM cases WHERE name = 'mig-case'")).scalar()
    conn.execute(
        text(
            "INSERT INTO case_items (case_id, item_id, added_by, added_at) "
            "VALUES (:case, :item, 'mig', CURRENT_TIMESTAMP)"
        ),
        {"case": case_id, "item": item_id},
    )
    conn.execute(
        text(
            "INSERT INTO proposals (item_id, host, role, channel, conduct, facts, target, note, "
            "dual_criminality, assessment, kb_version, findings, state, proposed_by, "
            "proposed_at) VALUES (:item, 'DE', 'hosting', 'provider_referral', "
            "'terrorism.incitement', '{}', 'url', 'mig note', 'yes', '{}', 'kb', '[]', "
            "'proposed', 'mig', CURRENT_TIMESTAMP)"
        ),
        {"item": item_id},
    )


def _check_0003(conn: Connection) -> None:
    row = conn.execute(
        text(
            "SELECT c.name, p.channel, p.state FROM cases c JOIN case_items ci "
            "ON ci.case_id = c.id JOIN proposals p ON p.item_id = ci.item_id "
            "WHERE p.proposed_by = 'mig'"
        )
    ).one()
    assert tuple(row) == ("mig-case", "provider_referral", "proposed")


def _seed_0004(conn: Connection) -> None:
    user_id = conn.execute(text("SELECT id FROM users WHERE name = 'mig'")).scalar()
    conn.execute(
        text(
            "INSERT INTO web_sessions (id_sha256, user_id, csrf_token, created_at, last_seen_at, "
            "expires_at) VALUES (:sid, :user, 'csrf', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"
        ),
        {"sid": "cd" * 32, "user": user_id},
    )
    conn.execute(
        text(
            "INSERT INTO api_tokens (user_id, name, token_sha256, created_at, created_by) "
            "VALUES (:user, 'mig-token', :sha, CURRENT_TIMESTAMP, 'mig')"
        ),
        {"user": user_id, "sha": "ef" * 32},
    )
    conn.execute(
        text("INSERT INTO login_failures (key, at) VALUES ('user:mig', CURRENT_TIMESTAMP)")
    )


def _check_0004(conn: Connection) -> None:
    assert conn.execute(text("SELECT csrf_token FROM web_sessions")).scalar() == "csrf"
    assert conn.execute(text("SELECT name FROM api_tokens")).scalar() == "mig-token"
    assert conn.execute(text("SELECT key FROM login_failures")).scalar() == "user:mig"


def _seed_0005(conn: Connection) -> None:
    item = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    conn.execute(
        text(
            "INSERT INTO attributions (item_id, observed_at, countries, asns, data) "
            "VALUES (:i, CURRENT_TIMESTAMP, 'DE', '24940', '{}')"
        ),
        {"i": item},
    )
    conn.execute(
        text(
            "INSERT INTO assessments (item_id, assessed_at, assessed_by, host, role, conduct, "
            "on_date, outcome, kb_version, facts, result) VALUES (:i, CURRENT_TIMESTAMP, 'mig', "
            "'DE', 'hosting', 'terrorism.threat', '2026-01-01', 'yes', 'v', '{}', '{}')"
        ),
        {"i": item},
    )


def _check_0005(conn: Connection) -> None:
    assert conn.execute(text("SELECT countries FROM attributions")).scalar() == "DE"
    assert conn.execute(text("SELECT outcome FROM assessments")).scalar() == "yes"


def _seed_0006(conn: Connection) -> None:
    item_id = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    conn.execute(
        text(
            "INSERT INTO monitor_checks (item_id, checked_at, verdict, status, job_key) "
            "VALUES (:item, CURRENT_TIMESTAMP, 'removed', 410, 'monitor:1:v1')"
        ),
        {"item": item_id},
    )
    conn.execute(
        text(
            "INSERT INTO dispatches (dossier_ref, channel, host_country, addressee, sent_on, "
            "recorded_by, recorded_at) VALUES ('MIG-1', 'provider_referral', 'DE', 'abuse', "
            "'2026-01-02', 'mig', CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO tracked_requests (dispatch_id, item_id, decision, reason) "
            "SELECT id, :item, 'refused', 'protected_expression' FROM dispatches "
            "WHERE dossier_ref = 'MIG-1'"
        ),
        {"item": item_id},
    )
    conn.execute(
        text(
            "INSERT INTO job_runs (key, kind, object_id, version, params, state, attempts, "
            "created_at) VALUES ('monitor:1:v1', 'monitor', '1', 'v1', '{}', 'done', 1, "
            "CURRENT_TIMESTAMP)"
        )
    )


def _check_0006(conn: Connection) -> None:
    assert conn.execute(text("SELECT verdict FROM monitor_checks")).scalar() == "removed"
    assert conn.execute(text("SELECT reason FROM tracked_requests")).scalar() == (
        "protected_expression"
    )
    assert conn.execute(text("SELECT state FROM job_runs")).scalar() == "done"


def _seed_0007(conn: Connection) -> None:
    proposal = conn.execute(text("SELECT id, item_id FROM proposals")).first()
    assert proposal is not None
    conn.execute(
        text(
            "INSERT INTO dossiers (kind, channel, host, addressee_key, addressee, sender, "
            "languages, skipped_languages, priority, state, version, created_by, created_at) "
            "VALUES ('note_verbale', 'diplomatic_request', 'DE', 'DE.AA', '{}', '{}', '[\"en\"]', "
            "'{}', 'standard', 'draft', 1, 'mig', CURRENT_TIMESTAMP)"
        )
    )
    dossier = conn.execute(text("SELECT id FROM dossiers WHERE addressee_key = 'DE.AA'")).scalar()
    conn.execute(
        text(
            "INSERT INTO dossier_items (dossier_id, proposal_id, item_id, position, status) "
            "VALUES (:d, :p, :i, 1, 'included')"
        ),
        {"d": dossier, "p": proposal[0], "i": proposal[1]},
    )
    conn.execute(
        text(
            "INSERT INTO dossier_files (dossier_id, format, language, sha256, size, path, "
            "created_at) VALUES (:d, 'pdf', 'en', :sha, 10, 'objects/ab/x', CURRENT_TIMESTAMP)"
        ),
        {"d": dossier, "sha": "ab" * 32},
    )
    conn.execute(text("INSERT INTO dossier_sequences (year, last) VALUES (2026, 1)"))
    conn.execute(
        text(
            "UPDATE dossiers SET state = 'issued', reference = 'KZ-CTC/2026/000001' WHERE id = :d"
        ),
        {"d": dossier},
    )


def _check_0007(conn: Connection) -> None:
    row = conn.execute(
        text(
            "SELECT d.reference, f.sha256, i.status FROM dossiers d JOIN dossier_files f "
            "ON f.dossier_id = d.id JOIN dossier_items i ON i.dossier_id = d.id"
        )
    ).one()
    assert tuple(row) == ("KZ-CTC/2026/000001", "ab" * 32, "included")


def _seed_0008(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO item_conducts (item_id, conduct) SELECT id, 'terrorism.threat' "
            "FROM items WHERE url_key = 'k1' AND NOT EXISTS (SELECT 1 FROM item_conducts "
            "WHERE conduct = 'terrorism.threat')"
        )
    )


def _check_0008(conn: Connection) -> None:
    found = conn.execute(
        text("SELECT count(*) FROM item_conducts WHERE conduct = 'terrorism.threat'")
    ).scalar()
    assert found == 1


def _seed_0009(conn: Connection) -> None:
    conn.execute(text("UPDATE items SET priority = 'threat_to_life' WHERE url_key = 'k1'"))


def _check_0009(conn: Connection) -> None:
    found = conn.execute(
        text("SELECT url_key FROM items WHERE state = :s AND priority = 'threat_to_life'"),
        {"s": conn.execute(text("SELECT state FROM items WHERE url_key = 'k1'")).scalar()},
    ).scalars()
    assert list(found) == ["k1"]


def _seed_0010(conn: Connection) -> None:
    conn.execute(text("UPDATE users SET must_change_password = true WHERE name = 'mig'"))
    conn.execute(
        text(
            "INSERT INTO api_tokens (user_id, name, token_sha256, created_at, created_by, "
            "scopes, expires_at) SELECT id, 'scoped', :sha, CURRENT_TIMESTAMP, 'mig', "
            "'read intake', CURRENT_TIMESTAMP FROM users WHERE name = 'mig' AND NOT EXISTS "
            "(SELECT 1 FROM api_tokens WHERE name = 'scoped')"
        ),
        {"sha": "12" * 32},
    )
    conn.execute(text("UPDATE api_tokens SET scopes = 'read intake' WHERE name = 'scoped'"))


def _check_0010(conn: Connection) -> None:
    # The token from before 0010 came through with the read scope only and an expiry.
    rows = conn.execute(
        text("SELECT name, scopes, expires_at IS NOT NULL FROM api_tokens ORDER BY name")
    ).all()
    assert [tuple(r) for r in rows] == [
        ("mig-token", "read", True),
        ("scoped", "read intake", True),
    ]
    flag = conn.execute(text("SELECT must_change_password FROM users WHERE name = 'mig'"))
    assert flag.scalar() in (True, 1)


def _seed_0011(conn: Connection) -> None:
    conn.execute(text("UPDATE items SET org_id = 'hizb-ut-tahrir' WHERE url_key = 'k1'"))


def _check_0011(conn: Connection) -> None:
    found = conn.execute(text("SELECT org_id, priority FROM items WHERE url_key = 'k1'")).one()
    assert found[0] == "hizb-ut-tahrir"
    _check_0009(conn)  # the rest of the row survived the column's round trip


def _seed_0012(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, "
            "state_digest, row_digest, data, prev_hash, hash) SELECT 910, CURRENT_TIMESTAMP, "
            "'mig', 'test.mig', 'user', '1', :d, :d, '{}', :d, :h WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_events WHERE seq = 910)"
        ),
        {"d": "a" * 64, "h": "b" * 64},
    )
    # A downgrade drops the column, so a re-seed after it fills the digest again.
    conn.execute(text("UPDATE audit_events SET row_digest = :d WHERE seq = 910"), {"d": "a" * 64})


def _check_0012(conn: Connection) -> None:
    found = conn.execute(text("SELECT row_digest FROM audit_events WHERE seq = 910")).scalar()
    assert found == "a" * 64


def _seed_0013(conn: Connection) -> None:
    conn.execute(text("UPDATE dispatches SET ticket_number = 'GOV-1' WHERE dossier_ref = 'MIG-1'"))


def _check_0013(conn: Connection) -> None:
    found = conn.execute(
        text("SELECT ticket_number, channel FROM dispatches WHERE dossier_ref = 'MIG-1'")
    ).one()
    assert tuple(found) == ("GOV-1", "provider_referral")
    _check_0006(conn)  # the dispatch and its tracked request survived the column's round trip


def _seed_0014(conn: Connection) -> None:
    ids = conn.execute(text("SELECT item_id, id FROM evidence WHERE captured_by = 'mig'")).one()
    conn.execute(
        text(
            "INSERT INTO object_hashes (item_id, evidence_id, url, kind, algorithm, value, "
            "quality, c0, c15) VALUES (:item, :ev, 'https://a.example/x.png', 'image', 'pdq', "
            ":value, 90, 43981, 43981)"
        ),
        {"item": ids[0], "ev": ids[1], "value": "abcd" * 16},
    )


def _check_0014(conn: Connection) -> None:
    found = conn.execute(text("SELECT value, quality FROM object_hashes WHERE c0 = 43981")).one()
    assert tuple(found) == ("abcd" * 16, 90)


def _seed_0015(conn: Connection) -> None:
    item, request = conn.execute(
        text("SELECT item_id, id FROM tracked_requests ORDER BY id LIMIT 1")
    ).one()
    conn.execute(
        text(
            "INSERT INTO complaints (item_id, request_id, complainant_role, complainant, route, "
            "received_on, grounds, decision_due_on, state, recorded_by, recorded_at) VALUES "
            "(:item, :req, 'uploader', 'mig', 'email', '2026-01-02', 'satire', '2026-02-01', "
            "'received', 'mig', CURRENT_TIMESTAMP)"
        ),
        {"item": item, "req": request},
    )
    conn.execute(
        text(
            "INSERT INTO legal_holds (item_id, reason, placed_by, placed_at) "
            "VALUES (:item, 'court order', 'mig', CURRENT_TIMESTAMP)"
        ),
        {"item": item},
    )
    conn.execute(
        text(
            "INSERT INTO provider_notices (request_id, kind, informed_on, informed_by, "
            "recorded_by, recorded_at) VALUES (:req, 'informed', '2026-01-03', 'host', 'mig', "
            "CURRENT_TIMESTAMP)"
        ),
        {"req": request},
    )


def _check_0015(conn: Connection) -> None:
    assert conn.execute(text("SELECT grounds FROM complaints")).scalar() == "satire"
    assert conn.execute(text("SELECT reason FROM legal_holds")).scalar() == "court order"
    assert conn.execute(text("SELECT informed_by FROM provider_notices")).scalar() == "host"


def _seed_0016(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO api_idempotency_keys (owner, key, fingerprint, state, status, body, "
            "created_at) VALUES ('o', 'k-1', 'f', 'done', 201, :body, CURRENT_TIMESTAMP)"
        ),
        {"body": b'{"id": 1}'},
    )
    conn.execute(
        text(
            "INSERT INTO webhook_subscriptions (id, url, secret, events, active, created_by, "
            "created_at) VALUES (915, 'http://127.0.0.1:9/hook', 'whsec_x', :events, "
            ":yes, 'mig', CURRENT_TIMESTAMP)"
        ),
        {"yes": True, "events": '["dossier.issued"]'},
    )
    conn.execute(
        text(
            "INSERT INTO webhook_deliveries (id, subscription_id, event_key, message_id, "
            "event_type, payload, state, attempts, created_at) VALUES (916, 915, 'audit:1', "
            "'msg_mig', 'dossier.issued', '{}', 'pending', 1, CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO webhook_attempts (delivery_id, at, status_code, duration_ms) "
            "VALUES (916, CURRENT_TIMESTAMP, 500, 12)"
        )
    )


def _check_0016(conn: Connection) -> None:
    found = conn.execute(text("SELECT status, body FROM api_idempotency_keys")).one()
    assert (found[0], bytes(found[1])) == (201, b'{"id": 1}')
    logged = conn.execute(
        text(
            "SELECT d.message_id, a.status_code FROM webhook_attempts a "
            "JOIN webhook_deliveries d ON d.id = a.delivery_id"
        )
    ).one()
    assert tuple(logged) == ("msg_mig", 500)


def _seed_0017(conn: Connection) -> None:
    ids = conn.execute(text("SELECT item_id, id FROM evidence WHERE captured_by = 'mig'")).one()
    conn.execute(
        text(
            "INSERT INTO content_members (item_id, group_id, matched_item_id, evidence_id, "
            "algorithm, distance, linked_at) VALUES (:item, :item, NULL, :ev, 'pdq', 12, "
            "CURRENT_TIMESTAMP)"
        ),
        {"item": ids[0], "ev": ids[1]},
    )


def _check_0017(conn: Connection) -> None:
    found = conn.execute(text("SELECT algorithm, distance FROM content_members")).one()
    assert tuple(found) == ("pdq", 12)


def _seed_0018(conn: Connection) -> None:
    conn.execute(text("UPDATE tracked_requests SET reinstated_on = '2026-02-03'"))


def _check_0018(conn: Connection) -> None:
    days = conn.execute(text("SELECT reinstated_on FROM tracked_requests")).scalars().all()
    assert days and {str(d) for d in days} == {"2026-02-03"}
    assert conn.execute(text("SELECT count(*) FROM complaints")).scalar() == 1  # no cascade


def _seed_0019(conn: Connection) -> None:
    ids = conn.execute(text("SELECT item_id, id FROM evidence WHERE captured_by = 'mig'")).one()
    conn.execute(
        text(
            "INSERT INTO hash_imports (id, source, format, file_sha256, rows, added, "
            "imported_at, imported_by) VALUES (920, 'TCAP', 'tcap-csv', :sha, 1, 1, "
            "CURRENT_TIMESTAMP, 'mig')"
        ),
        {"sha": "ab" * 32},
    )
    conn.execute(
        text(
            "INSERT INTO external_hashes (id, import_id, source, algorithm, value, reference, "
            "c0, c15) VALUES (921, 920, 'TCAP', 'pdq', :pdq, 'item-1', 63736, 39714)"
        ),
        {"pdq": "f8f8" + "0" * 56 + "9b22"},
    )
    conn.execute(
        text(
            "INSERT INTO external_matches (item_id, evidence_id, external_hash_id, object_url, "
            "algorithm, distance, matched_at) VALUES (:item, :ev, 921, 'http://x/a.jpg', 'pdq', "
            "9, CURRENT_TIMESTAMP)"
        ),
        {"item": ids[0], "ev": ids[1]},
    )


def _check_0019(conn: Connection) -> None:
    found = conn.execute(
        text(
            "SELECT i.source, h.reference, m.distance FROM external_matches m "
            "JOIN external_hashes h ON h.id = m.external_hash_id "
            "JOIN hash_imports i ON i.id = h.import_id"
        )
    ).one()
    assert tuple(found) == ("TCAP", "item-1", 9)


def _noted_report(conn: Connection, fingerprint: str, note: str) -> None:
    """A report with `note` on item k1, replacing the one of an earlier seeding."""
    item_id = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    conn.execute(text("DELETE FROM reports WHERE fingerprint = :f"), {"f": fingerprint})
    conn.execute(
        text(
            "INSERT INTO reports (item_id, raw_url, conduct, note, reported_by, reported_at, "
            "fingerprint) VALUES (:item, 'https://a.example/', 'terrorism.glorification', "
            ":note, 'mig', CURRENT_TIMESTAMP, :f)"
        ),
        {"item": item_id, "note": note, "f": fingerprint},
    )


def _seed_0020(conn: Connection) -> None:
    _noted_report(conn, "fp-0020", "Вербовка в группу")
    conn.execute(
        text("UPDATE evidence SET title = :title WHERE captured_by = 'mig'"),
        {"title": "Үндеу бетінің тақырыбы"},
    )


def _found_0020(conn: Connection) -> list[set[int]]:
    """Items found through each search index (back-filled at upgrade, kept in step after)."""
    if conn.dialect.name == "sqlite":
        queries = (
            "SELECT rowid FROM search_urls WHERE search_urls MATCH :url",
            "SELECT r.item_id FROM reports r JOIN search_notes s ON s.rowid = r.id "
            "WHERE search_notes MATCH :note",
            "SELECT c.item_id FROM capture_texts c JOIN search_captures s "
            "ON s.rowid = c.evidence_id WHERE search_captures MATCH :title",
        )
        params = {"url": '"a.exam"', "note": '"вербовка"*', "title": '"үндеу"*'}
    else:
        queries = (
            "SELECT id FROM items WHERE url ILIKE :url",
            "SELECT item_id FROM reports WHERE to_tsvector('russian'::regconfig, "
            "coalesce(note, '')) @@ to_tsquery('russian'::regconfig, :note)",
            "SELECT item_id FROM capture_texts WHERE to_tsvector('russian'::regconfig, "
            "coalesce(text, '')) @@ to_tsquery('russian'::regconfig, :title)",
        )
        params = {"url": "%a.exam%", "note": "'вербовка':*", "title": "'үндеу':*"}
    return [set(conn.execute(text(q), params).scalars()) for q in queries]


def _check_0020(conn: Connection) -> None:
    item_id = conn.execute(text("SELECT id FROM items WHERE url_key = 'k1'")).scalar()
    assert _found_0020(conn) == [{item_id}, {item_id}, {item_id}]


def _seed_0021(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO deconfliction_holds (scope_kind, scope_value, agency, legal_basis, "
            "reason, until, state, entered_by, entered_at) VALUES ('domain', 'held.example', "
            "'An agency', 'art. 10', 'observation', '2027-01-31', 'pending', 'leo', "
            "CURRENT_TIMESTAMP)"
        )
    )


def _check_0021(conn: Connection) -> None:
    found = conn.execute(text("SELECT scope_value, until FROM deconfliction_holds")).one()
    assert (found[0], str(found[1])) == ("held.example", "2027-01-31")


def _seed_0022(conn: Connection) -> None:
    ids = conn.execute(text("SELECT item_id, id FROM evidence WHERE captured_by = 'mig'")).one()
    conn.execute(
        text(
            "INSERT INTO object_hashes (item_id, evidence_id, url, kind, algorithm, value, "
            "quality, frame_ms) VALUES (:item, :ev, 'https://a.example/v.mp4', 'video', 'pdq', "
            ":value, 80, 4000)"
        ),
        {"item": ids[0], "ev": ids[1], "value": "0f" * 32},
    )


def _check_0022(conn: Connection) -> None:
    found = conn.execute(text("SELECT value, kind FROM object_hashes WHERE frame_ms = 4000"))
    assert tuple(found.one()) == ("0f" * 32, "video")


def _seed_0023(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO figures (family, dim, day, key, name, bucket, count) "
            "VALUES ('requests', 'host', '2026-01-02', 'DE', 'sent', '', 7)"
        )
    )


def _check_0023(conn: Connection) -> None:
    found = conn.execute(text("SELECT key, count FROM figures WHERE name = 'sent'")).one()
    assert tuple(found) == ("DE", 7)
    # The upgrade marked the days of rows that existed: the items' funnel day at least.
    families = set(conn.execute(text("SELECT family FROM figure_marks")).scalars())
    assert "funnel" in families


def _seed_0024(conn: Connection) -> None:
    conn.execute(text("UPDATE users SET time_zone = 'Asia/Almaty' WHERE name = 'mig'"))


def _check_0024(conn: Connection) -> None:
    zone = conn.execute(text("SELECT time_zone FROM users WHERE name = 'mig'")).scalar()
    assert zone == "Asia/Almaty"
    # Dropping the column on the way down cascaded nothing (users is a parent table).
    assert conn.execute(text("SELECT count(*) FROM web_sessions")).scalar()


def _seed_0025(conn: Connection) -> None:
    conn.execute(text("UPDATE items SET created_at = created_at"))  # rows survive the index


def _check_0025(conn: Connection) -> None:
    names = {i["name"] for i in inspect(conn).get_indexes("items")}
    assert "ix_items_created_at" in names
    assert conn.execute(text("SELECT count(*) FROM items")).scalar()


def _seed_0026(conn: Connection) -> None:
    _noted_report(conn, "fp-0026", "Призывы к джихаду")


def _check_0026(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":  # FTS5 returns rowids itself: no postings table
        assert "search_words" not in inspect(conn).get_table_names()
        return
    # Back-filled at upgrade (the notes and captures seeded before 0026) and kept by the
    # triggers since (this revision's own note): row for row what the texts hold.
    kept = set(conn.execute(text("SELECT word, item_id, source FROM search_words")))
    assert kept == set(conn.execute(text(POSTINGS_FROM_SOURCE)))
    assert {"вербовк", "джихад", "үнде"} <= {word for word, _, _ in kept}


def _seed_0027(conn: Connection) -> None:
    conn.execute(text("UPDATE items SET created_at = created_at"))  # rows survive the settings


def _check_0027(conn: Connection) -> None:
    assert conn.execute(text("SELECT count(*) FROM items")).scalar()
    if conn.dialect.name == "sqlite":
        return
    rows = conn.execute(
        text(
            "SELECT relname, reloptions FROM pg_class "
            "WHERE relname IN ('items', 'search_words') AND relkind = 'r'"
        )
    )
    options = {name: set(opts or ()) for name, opts in rows}
    # Vacuumed after 1 % of changed or new rows, so index-only reads skip the heap.
    for table in ("items", "search_words"):
        assert {
            "autovacuum_vacuum_scale_factor=0.01",
            "autovacuum_vacuum_insert_scale_factor=0.01",
        } <= options[table], table


# revision -> (insert rows that exercise the revision's tables, check them later)
SEEDS: dict[str, tuple[Callable[[Connection], None], Callable[[Connection], None]]] = {
    "0001": (_seed_0001, _check_0001),
    "0002": (_seed_0002, _check_0002),
    "0003": (_seed_0003, _check_0003),
    "0004": (_seed_0004, _check_0004),
    "0005": (_seed_0005, _check_0005),
    "0006": (_seed_0006, _check_0006),
    "0007": (_seed_0007, _check_0007),
    "0008": (_seed_0008, _check_0008),
    "0009": (_seed_0009, _check_0009),
    "0010": (_seed_0010, _check_0010),
    "0011": (_seed_0011, _check_0011),
    "0012": (_seed_0012, _check_0012),
    "0013": (_seed_0013, _check_0013),
    "0014": (_seed_0014, _check_0014),
    "0015": (_seed_0015, _check_0015),
    "0016": (_seed_0016, _check_0016),
    "0017": (_seed_0017, _check_0017),
    "0018": (_seed_0018, _check_0018),
    "0019": (_seed_0019, _check_0019),
    "0020": (_seed_0020, _check_0020),
    "0021": (_seed_0021, _check_0021),
    "0022": (_seed_0022, _check_0022),
    "0023": (_seed_0023, _check_0023),
    "0024": (_seed_0024, _check_0024),
    "0025": (_seed_0025, _check_0025),
    "0026": (_seed_0026, _check_0026),
    "0027": (_seed_0027, _check_0027),
}


def _revisions(engine: Engine) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = _create(f"sqlite:///{tmp_path / 'blank.db'}")
        yield engine
        engine.dispose()
        return
    base = os.environ.get("COMITY_TEST_PG_URL")
    if not base:
        pytest.skip("COMITY_TEST_PG_URL not set: run `make test`, which starts PostgreSQL")
    name = f"comity_mig_{uuid.uuid4().hex[:8]}"
    engine = _create(create_pg_database(base, name))
    yield engine
    engine.dispose()
    drop_pg_database(base, name)


def test_every_revision_has_a_data_seed(blank_engine: Engine) -> None:
    assert set(_revisions(blank_engine)) == set(SEEDS)


def test_file_names_name_the_head(blank_engine: Engine) -> None:
    from comity.core.migrate import head_revision, newest_file_revision

    assert newest_file_revision() == head_revision(blank_engine)


# The text search's objects are the migration's, not the models' (0020): SQLite's
# FTS5 tables (and their shadow tables) and PostgreSQL's GIN indexes.
_SEARCH_INDEXES = frozenset({"ix_items_url_trgm", "ix_reports_note_fts", "ix_capture_texts_fts"})


def _not_search(name: str | None, kind: str, _parents: object) -> bool:
    if kind == "table":
        return not (name or "").startswith("search_")
    return not (kind == "index" and name in _SEARCH_INDEXES)


def test_models_match_upgrade_head(blank_engine: Engine) -> None:
    upgrade(blank_engine)
    with blank_engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _not_search}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_each_revision_upgrades_and_downgrades_with_data(blank_engine: Engine) -> None:
    revisions = _revisions(blank_engine)
    for i, revision in enumerate(revisions):
        upgrade(blank_engine, revision)
        with blank_engine.begin() as conn:
            SEEDS[revision][0](conn)
        downgrade(blank_engine, revisions[i - 1] if i else "base")
        upgrade(blank_engine, revision)
        assert current_revision(blank_engine) == revision
        with blank_engine.begin() as conn:
            for earlier in revisions[:i]:
                SEEDS[earlier][1](conn)  # data of earlier revisions survived the round trip
            SEEDS[revision][0](conn)
            SEEDS[revision][1](conn)
    downgrade(blank_engine, "base")
    assert current_revision(blank_engine) is None
