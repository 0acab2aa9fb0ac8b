"""A user's own time zone (issue 16 item 5): the service (validation, audit, who may)
and `comity user time-zone`, which goes through it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, NotFound, Refused
from comity.users.models import User
from comity.users.service import set_time_zone
from comity.users.zones import canonical_zone, pickable_zones


def _zone(engine: Engine, name: str) -> str | None:
    with read_session(engine) as session:
        return session.scalar(select(User.time_zone).where(User.name == name))


def _events(engine: Engine) -> list[tuple[str, str, dict[str, object]]]:
    with read_session(engine) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.time_zone").order_by(AuditEvent.seq)
        )
        return [(e.actor, e.object_id, dict(e.data)) for e in rows]


def _set(engine: Engine, name: str, zone: str | None, actor: str | None) -> str | None:
    with session_scope(engine) as session:
        return set_time_zone(session=session, name=name, time_zone=zone, actor=actor)


def test_a_user_sets_their_own_zone_and_clears_it_each_change_audited(
    engine: Engine, staff: dict[str, str]
) -> None:
    assert _zone(engine, "alice") is None  # the installation's until chosen
    assert _set(engine, "alice", "Asia/Almaty", "alice") == "Asia/Almaty"
    assert _zone(engine, "alice") == "Asia/Almaty"
    # The tz database's spelling is stored, whatever the case typed.
    assert _set(engine, "alice", " europe/berlin ", "alice") == "Europe/Berlin"
    assert _set(engine, "alice", "Europe/Berlin", "alice") == "Europe/Berlin"  # no change
    assert _set(engine, "alice", None, "alice") is None
    assert _zone(engine, "alice") is None
    with read_session(engine) as session:
        alice = str(session.scalar(select(User.id).where(User.name == "alice")))
    assert _events(engine) == [
        ("alice", alice, {"time_zone": "Asia/Almaty", "was": None}),
        ("alice", alice, {"time_zone": "Europe/Berlin", "was": "Asia/Almaty"}),
        ("alice", alice, {"time_zone": None, "was": "Europe/Berlin"}),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "Mars/Olympus",
        "Asia/Almaty/..",
        "../../etc/passwd",
        "/etc/passwd",
        "/usr/share/zoneinfo/Asia/Almaty",
        "Asia//Almaty",
        "Asia/Almaty\x00",
        ".",
        "localtime",  # this machine's own setting, not a place
        "x" * 300,  # ZoneInfo answers OSError (name too long) for this one
    ],
)
def test_a_bad_zone_is_refused_naming_the_field_and_nothing_changes(
    engine: Engine, staff: dict[str, str], bad: str
) -> None:
    _set(engine, "alice", "Asia/Almaty", "alice")
    with pytest.raises(BadInput) as refused:
        _set(engine, "alice", bad, "alice")
    assert refused.value.field == "time_zone"
    assert refused.value.message.startswith("time_zone: ")
    assert "is not an IANA time zone" in refused.value.message
    assert len(refused.value.message) < 250  # a long value is cut, not echoed whole
    assert _zone(engine, "alice") == "Asia/Almaty"
    assert len(_events(engine)) == 1


def test_only_an_admin_sets_someone_elses_zone(engine: Engine, staff: dict[str, str]) -> None:
    with pytest.raises(Refused, match=r"alan \(analyst\) may not users"):
        _set(engine, "alice", "Asia/Almaty", "alan")
    with pytest.raises(Refused):
        _set(engine, "alice", "Asia/Almaty", "sam")  # a supervisor neither
    assert _zone(engine, "alice") is None
    # Who may is checked before whether the user exists: no probing for names.
    with pytest.raises(Refused):
        _set(engine, "nobody", "Asia/Almaty", "alan")
    with pytest.raises(NotFound):
        _set(engine, "nobody", "Asia/Almaty", "ada")
    with pytest.raises(BadInput, match="who is acting"):
        _set(engine, "alice", "Asia/Almaty", None)
    assert _set(engine, "alice", "Asia/Almaty", "ada") == "Asia/Almaty"
    assert _events(engine)[0][0] == "ada"
    assert _zone(engine, "alice") == "Asia/Almaty"


def test_the_zones_offered_are_places_and_utc() -> None:
    offered = pickable_zones()
    assert offered[0] == "UTC" and list(offered[1:]) == sorted(offered[1:])
    assert "Asia/Almaty" in offered and "Europe/Berlin" in offered
    assert not {"localtime", "Factory", "GB", "US/Pacific", "Etc/GMT-5"} & set(offered)
    # Legacy names are still accepted (set on the command line), just not offered.
    assert canonical_zone("us/pacific") == "US/Pacific"


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["user", "time-zone", *args])
    return result.exit_code, result.output


def test_the_command_sets_clears_and_refuses_through_the_service(
    engine: Engine, staff: dict[str, str]
) -> None:
    assert _cli("alice", "Asia/Almaty", "--by", "ada") == (0, "alice reads dates in Asia/Almaty\n")
    assert _zone(engine, "alice") == "Asia/Almaty"
    code, out = _cli("alice", "--default", "--by", "alice", "--json")
    assert code == 0 and '"time_zone": null' in out
    assert _zone(engine, "alice") is None
    code, out = _cli("alice", "../../etc/passwd", "--by", "alice")
    assert code == 2 and "time_zone: '../../etc/passwd' is not an IANA time zone" in out
    code, out = _cli("alice", "Asia/Almaty", "--by", "alan")
    assert code == 1 and "may not users" in out
    code, out = _cli("alice", "--by", "alice")  # neither a zone nor --default
    assert code == 2 and "--default" in out
    assert _zone(engine, "alice") is None
    assert [e[0] for e in _events(engine)] == ["ada", "alice"]
