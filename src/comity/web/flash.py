"""POST-redirect-GET with a confirmation: an action redirects (303) with a short-lived
cookie naming what it did, and the next page shows it once, in its own language.

The cookie carries an interface-string key (`done.*` only) and its values, never
text: a cookie planted by someone else can at most pick one of our own sentences,
and every value is escaped by the template. A value given as (kind, code) is shown
as the code's label in the page's language.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from comity.web.deps import cookie_secure
from comity.web.i18n import catalog, translator
from comity.web.labels import labeller

__all__ = ["FLASH_COOKIE", "forget_flash", "redirect_done", "take_flash"]

FLASH_COOKIE = "comity_flash"
_PREFIX = "done."


def redirect_done(request: Request, url: str, key: str, **values: Any) -> RedirectResponse:
    """A 303 to `url` whose page confirms `key` (a `done.*` string) with `values`."""
    if not key.startswith(_PREFIX):
        raise ValueError(f"{key!r}: confirmation keys start with {_PREFIX!r}")
    data = json.dumps({"key": key, "values": values}, separators=(",", ":"))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        base64.urlsafe_b64encode(data.encode()).decode(),
        max_age=120,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/",
    )
    return response


def take_flash(request: Request, lang: str) -> str | None:
    """The confirmation waiting for this page, in `lang`, or None (also for a bad cookie)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        key, values = data["key"], data["values"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(key, str) or not key.startswith(_PREFIX) or key not in catalog("en"):
        return None
    if not isinstance(values, dict):
        return None
    words = labeller(lang)
    shown: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            shown[name] = words.label(value[0], value[1])
        elif isinstance(value, (str, int)):
            shown[name] = str(value)
        else:
            return None
    try:
        return translator(lang)(key, **shown)
    except (KeyError, IndexError):
        return None


def forget_flash(request: Request, response: Response) -> None:
    """Delete the shown confirmation, so a refresh does not show it again."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(
            FLASH_COOKIE, path="/", secure=cookie_secure(request), httponly=True, samesite="strict"
        )
