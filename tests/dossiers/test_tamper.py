"""Attacker story: a DBA swaps an issued dossier's PDF and rewrites its row to match."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select, text
from tests.dossiers.test_service import Pipeline
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.db import read_session, session_scope
from comity.core.errors import Refused
from comity.core.settings import Settings
from comity.dossiers.models import DossierFile
from comity.evidence.store import Store

runner = CliRunner()

DROP_FREEZE = {
    "sqlite": ["DROP TRIGGER dossier_files_frozen_update"],
    "postgresql": ["DROP TRIGGER dossier_files_frozen ON dossier_files"],
}


def _dossier_differences() -> tuple[int, list[tuple[str, str]]]:
    result = runner.invoke(app, ["audit", "verify", "--json"])
    found = json.loads(result.stdout)["data"]["differences"]
    return result.exit_code, [
        (d["object_id"], d["problem"]) for d in found if d["object_type"] == "dossier"
    ]


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> Pipeline:
    return Pipeline(engine)


def test_a_swapped_dossier_pdf_with_its_row_updated_is_reported_and_not_exported(
    pipe: Pipeline, engine: Engine, settings: Settings
) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    pipe.issue(draft.id)
    genuine = pipe.export(draft.id, "pdf", "de")
    assert _dossier_differences()[1] == []

    forged = Store(settings.home).put_bytes("objects", genuine + b"%forged annex\n")
    with session_scope(engine) as session:
        for statement in DROP_FREEZE[engine.dialect.name]:
            session.execute(text(statement))
        session.execute(
            text(
                "UPDATE dossier_files SET sha256 = :sha, size = :size, path = :path "
                "WHERE dossier_id = :d AND format = 'pdf' AND language = 'de'"
            ),
            {"sha": forged.sha256, "size": forged.size, "path": forged.path, "d": draft.id},
        )
    with read_session(engine) as session:
        row = session.scalars(
            select(DossierFile).where(DossierFile.format == "pdf", DossierFile.language == "de")
        ).one()
        assert row.sha256 == forged.sha256  # the file matches its (rewritten) row

    with pytest.raises(Refused, match="differs from its last audited event"):
        pipe.export(draft.id, "pdf", "de")
    result = runner.invoke(app, ["dossier", "export", str(draft.id), "--format", "pdf"])
    assert result.exit_code == 1 and "refusing to export" in result.stderr
    code, found = _dossier_differences()
    assert code == 1 and found == [(str(draft.id), "state_differs")]
