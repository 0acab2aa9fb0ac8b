"""ETag and If-Match for every API object that can change (RFC 9110 sections 8.8.3, 13.1.1).

An object's ETag is a digest of its *version*: the fields whose change means "this
is no longer what you looked at" (a proposal's whole state, an item's row, a
dossier's state and version). `GET` of the object sends it; a write that sends
`If-Match` is refused with 412 when the object moved on meanwhile, so a reviewer
deciding on a proposal that was changed since they read it is told, not obeyed.
Without `If-Match` a write goes ahead as before (the services' own conditional
updates still refuse a lost race).

Domains register a version function per kind (`register_version`); a route takes
the check as a dependency, `if_match("proposal", "proposal_id")`, so routes added
by any domain (complaints, webhooks) get the same behaviour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.params import Depends as DependsParam
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from comity.core.audit import canonical_json
from comity.core.db import read_session
from comity.core.errors import ComityError, NotFound
from comity.web.deps import authenticate

__all__ = [
    "PreconditionFailed",
    "etag_of",
    "if_match",
    "register_version",
    "set_etag",
    "version_of",
]

Version = Callable[[Session, str], Any]
_VERSIONS: dict[str, Version] = {}


class PreconditionFailed(ComityError):
    """If-Match named a version the object no longer has: HTTP 412."""


def register_version(kind: str, version: Version) -> None:
    _VERSIONS[kind] = version


def version_of(session: Session, kind: str, key: str) -> Any:
    return _VERSIONS[kind](session, key)


def etag_of(version: Any) -> str:
    return '"' + hashlib.sha256(canonical_json(version)).hexdigest()[:32] + '"'


def set_etag(response: Response, session: Session, kind: str, key: str | int) -> None:
    response.headers["ETag"] = etag_of(version_of(session, kind, str(key)))


def _matches(header: str, current: str) -> bool:
    # A list of entity tags, or "*" (any current version). Weak comparison is not
    # allowed for If-Match (RFC 9110 13.1.1): a W/ tag never matches.
    tags = [t.strip() for t in header.split(",") if t.strip()]
    return "*" in tags or current in tags


def if_match(kind: str, param: str) -> DependsParam:
    """A route dependency: 412 if `If-Match` is sent and the object moved on."""
    from fastapi import Depends

    async def check(request: Request) -> None:
        wanted = request.headers.get("if-match")
        if wanted is None:
            return
        # Route dependencies run before the route's own (the permission check): the
        # caller must at least be someone before an object's version is compared.
        await run_in_threadpool(authenticate, request)
        key = str(request.path_params[param])

        def current() -> str:
            with read_session(request.app.state.engine) as session:
                return etag_of(version_of(session, kind, key))

        now = await run_in_threadpool(current)
        if not _matches(wanted, now):
            raise PreconditionFailed(
                f"{kind} {key} changed since you read it (ETag now {now}); read it again "
                "and decide on what it is now",
                field="If-Match",
            )

    check.comity_if_match = kind  # type: ignore[attr-defined]  # read by the OpenAPI document
    marker: DependsParam = Depends(check)
    return marker


# --- the versions of the core objects ----------------------------------------------


def _item(session: Session, key: str) -> Any:
    from comity.intake.models import Item

    item = session.get(Item, int(key))
    if item is None:
        raise NotFound(f"item {key} does not exist")
    return [item.id, item.state, item.priority, item.org_id, item.updated_at.isoformat()]


def _proposal(session: Session, key: str) -> Any:
    from fastapi.encoders import jsonable_encoder

    from comity.cases.models import Proposal
    from comity.cases.service import proposal_state

    found = session.get(Proposal, int(key))
    if found is None:
        raise NotFound(f"proposal {key} does not exist")
    return jsonable_encoder(proposal_state(found))


def _dossier(session: Session, key: str) -> Any:
    from comity.dossiers.models import DossierRecord

    record = session.get(DossierRecord, int(key))
    if record is None:
        raise NotFound(f"dossier {key} does not exist")
    stamps = (record.issued_at, record.superseded_at)
    return [record.id, record.state, record.version, record.reference, *map(str, stamps)]


def _dispatch(session: Session, key: str) -> Any:
    from fastapi.encoders import jsonable_encoder

    from comity.tracking.service import dispatch_dict, get_dispatch

    return jsonable_encoder(dispatch_dict(session, get_dispatch(session=session, ref=key[:64])))


def _user(session: Session, key: str) -> Any:
    from comity.users.service import get_user, user_state

    return user_state(get_user(session=session, name=key[:64]))


def _token(session: Session, key: str) -> Any:
    from comity.web.models import ApiToken

    row = session.scalar(select(ApiToken).where(ApiToken.id == int(key)))
    if row is None:
        raise NotFound(f"API token {key} does not exist")
    return [row.id, row.scopes, str(row.expires_at), str(row.revoked_at)]


for _kind, _fn in (
    ("item", _item),
    ("proposal", _proposal),
    ("dossier", _dossier),
    ("dispatch", _dispatch),
    ("user", _user),
    ("token", _token),
):
    register_version(_kind, _fn)
