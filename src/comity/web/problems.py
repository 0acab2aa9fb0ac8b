"""One error shape for the whole API: problem details (RFC 9457).

Every refusal under /api/ is `application/problem+json` with the members the
RFC defines (`type`, `title`, `status`, `detail`, `instance`) and two of ours:
`field`, the request field at fault when there is one (RFC 9457 section 3.2,
extension members), and `error`, the same text as `detail`, kept for clients
written before problem details. `type` is "about:blank" (RFC 9457 section
4.2.1: the status code says it all) except for the kinds a client may act on
by name, which get a `urn:comity:problem:` URI listed in `TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["MEDIA_TYPE", "TYPES", "problem", "problem_body"]

MEDIA_TYPE = "application/problem+json"
TYPES = {
    "invalid": "urn:comity:problem:invalid-request",
    "stale": "urn:comity:problem:stale-object",
    "idempotency-mismatch": "urn:comity:problem:idempotency-key-reused",
    "idempotency-running": "urn:comity:problem:idempotency-key-in-use",
    "rate-limited": "urn:comity:problem:rate-limited",
}


def problem_body(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    instance: str | None = None,
    kind: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": TYPES[kind] if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "error": detail,
    }
    if instance:
        body["instance"] = instance
    if field:
        body["field"] = field
    return body | dict(extra or {})


def problem(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    instance: str | None = None,
    kind: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem-details response."""
    body = problem_body(status, detail, field=field, instance=instance, kind=kind, extra=extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)
