"""Attacker story (a race, not a villain): two people issue the same draft at once.

Both pass the first "is it a draft?" check before either writes. The winner
issues it; the loser must get a refusal that names the dossier and who issued
it (a 409 on the web, exit 1 from the CLI), never a raw IntegrityError or a
500. Runs on SQLite and on PostgreSQL like every test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import date

import typer
from sqlalchemy import Engine, func, select
from tests.dossiers.test_service import Pipeline, pipe  # noqa: F401 (the fixture)
from tests.web.conftest import TestClient, app, client, log_in, passwords  # noqa: F401
from typer.testing import CliRunner

from comity.core.db import read_session
from comity.core.errors import Refused
from comity.dossiers.cli import register
from comity.dossiers.issue import issue
from comity.dossiers.models import DossierFile
from comity.hosting.attribution import Attribution

cli = typer.Typer()
register(cli)


def test_two_concurrent_issues_of_one_draft_give_one_dossier_and_a_named_refusal(
    pipe: Pipeline,  # noqa: F811
    engine: Engine,
    client: TestClient,  # noqa: F811
    passwords: str,  # noqa: F811
) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    both_checked = threading.Barrier(2, timeout=30)

    def attribute(urls: Sequence[str]) -> list[Attribution]:
        both_checked.wait()  # each has seen "draft" before either goes on
        return pipe.attribute(urls)

    won: list[str] = []
    lost: list[BaseException] = []

    def run(actor: str) -> None:
        try:
            issue(
                engine=engine,
                dossier_id=draft.id,
                actor=actor,
                attribute=attribute,
                on=date(2026, 11, 28),
            )
            won.append(actor)
        except BaseException as exc:
            lost.append(exc)

    threads = [threading.Thread(target=run, args=(who,)) for who in ("leo", "sam")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(won) == 1 and len(lost) == 1, (won, lost)
    [refusal] = lost
    assert isinstance(refusal, Refused), repr(refusal)
    assert re.search(
        rf"dossier {draft.id} \(KZ-CTC/2026/\d+\) was already issued by {won[0]} at ",
        refusal.message,
    ), refusal.message
    state = pipe.state(draft.id)
    assert state["state"] == "issued" and state["issued_by"] == won[0]
    with read_session(engine) as session:  # one set of files, the winner's
        files = session.scalar(
            select(func.count()).select_from(DossierFile).where(DossierFile.dossier_id == draft.id)
        )
    assert files == len(state["files"])

    # The loser trying again from the CLI: exit 1 and the same words, no traceback.
    again = CliRunner().invoke(cli, ["dossier", "issue", str(draft.id), "--by", "sam"])
    assert again.exit_code == 1
    assert f"was already issued by {won[0]}" in again.output
    assert "Traceback" not in again.output and "IntegrityError" not in again.output
    # And from the web: 409 with the same words.
    csrf = log_in(client, "sam")
    page = client.post(
        f"/dossiers/{draft.id}/issue", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert page.status_code == 409
    assert f"was already issued by {won[0]}" in page.text
