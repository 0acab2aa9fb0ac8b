"""`comity demo --no-serve`: the whole pipeline on the demo internet, end to end."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from comity.core import audit
from comity.core.db import get_engine, read_session, reset_engines
from comity.core.settings import Settings, override_settings
from comity.evidence.store import Store
from comity.flows.demo import run_demo
from comity.intake.models import Item
from comity.integrity.verify import verify_data
from comity.tracking.models import TrackedRequest


def test_demo_runs_every_step_and_leaves_a_verifiable_record(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    with override_settings(Settings(home=tmp_path)):
        ctx = run_demo(console=console, home=tmp_path / "demo", serve=False)
    text = out.getvalue()
    for step in (
        "intake:",
        "evidence:",
        "attribution:",
        "assessment:",
        "proposals by alice",
        "review by rita",
        "dossiers by leo",
        "dispatch by leo",
        "monitor:",
    ):
        assert step in text, f"{step} missing from the demo's story:\n{text}"
    assert ctx.facts["items"] == 17 and ctx.facts["dossiers"] and ctx.facts["overdue"] >= 1
    assert "legal_block" in text and "challenge" in text and "moved" in text
    # Hosts that removed the content are verified by the monitor; the one that
    # answered "removed" and kept it up stays `answered`, with the monitor saying `up`.
    assert len(ctx.facts["verified"]) >= 3

    from comity.dossiers.models import DossierFile, DossierRecord

    reset_engines()
    engine = get_engine(f"sqlite:///{tmp_path / 'demo' / 'comity.db'}")
    with read_session(engine) as session:
        assert audit.verify_chain(session).ok
        # Every row the demo's services wrote matches its last audited event.
        data = verify_data(session=session, store=Store(tmp_path / "demo"))
        assert [d.line() for d in data.differences] == [] and data.covered > 17
        issued = session.scalar(
            select(func.count()).select_from(DossierRecord).where(DossierRecord.state == "issued")
        )
        files = session.scalar(select(func.count()).select_from(DossierFile))
    assert issued == len(ctx.facts["dossiers"]) and files and files >= issued * 3
    with read_session(engine) as session:
        claimed = session.scalars(
            select(TrackedRequest.item_id).where(
                TrackedRequest.decision == "removed",
                TrackedRequest.item_id.not_in(ctx.facts["verified"]),
            )
        ).all()
        states = {i.id: i.state for i in session.scalars(select(Item).where(Item.id.in_(claimed)))}
    assert states and set(states.values()) == {"answered"}
    reset_engines()
