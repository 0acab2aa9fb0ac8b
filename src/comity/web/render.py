"""Jinja2 rendering with autoescape on, the translator, and navigation by role."""

from __future__ import annotations

import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from comity.core.db import utcnow
from comity.users.zones import canonical_zone
from comity.web.dates import Dates
from comity.web.deps import Actor
from comity.web.flash import forget_flash, take_flash
from comity.web.i18n import LANGUAGE_NAMES, LANGUAGES, pick_language, translator
from comity.web.labels import labeller

__all__ = ["NAV", "NavEntry", "dates", "language", "page", "query_string", "register_nav"]

LANG_COOKIE = "comity_lang"


@dataclass(frozen=True)
class NavEntry:
    path: str
    key: str  # i18n key of the label
    permission: str


# Navigation shown to a user who has the entry's permission. Other domains add
# their pages with `register_nav` from their `views` module.
NAV: list[NavEntry] = [
    NavEntry("/items", "nav.items", "read"),
    NavEntry("/intake", "nav.intake", "intake"),
    NavEntry("/law", "nav.law", "read"),
]


def register_nav(entry: NavEntry) -> None:
    if all(e.path != entry.path for e in NAV):
        NAV.append(entry)


def _loader() -> ChoiceLoader:
    """The web's templates first, then `comity/<domain>/templates/` of domains with pages."""
    import comity

    loaders: list[BaseLoader] = [PackageLoader("comity.web", "templates")]
    for module in sorted(pkgutil.iter_modules(comity.__path__), key=lambda m: m.name):
        if module.ispkg and module.name != "web":
            folder = resources.files(f"comity.{module.name}").joinpath("templates")
            if folder.is_dir():
                loaders.append(FileSystemLoader(str(folder)))
    return ChoiceLoader(loaders)


# autoescape=True everywhere: captured titles, notes and URLs are text, never markup.
_env = Environment(
    loader=_loader(),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def dates(request: Request, now: datetime | None = None) -> Dates:
    """Dates as this page's reader reads them: their language, and their own time zone
    (users.time_zone), else the installation's (settings.time_zone).

    The one place a page's `Dates` is made, so every page follows the user's choice.
    A stored zone this machine's tz database no longer knows falls back to the
    installation's rather than failing the page.
    """
    actor: Actor | None = getattr(request.state, "actor", None)
    chosen = actor.time_zone if actor is not None else None
    zone = canonical_zone(chosen) if chosen else None
    return Dates(language(request), now or utcnow(), zone or request.app.state.settings.time_zone)


def query_string(values: Mapping[str, Any]) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")}, doseq=True)


def page(
    request: Request, template: str, *, status: int = 200, active: str = "", **context: Any
) -> HTMLResponse:
    lang = language(request)
    actor: Actor | None = getattr(request.state, "actor", None)
    nav = [e for e in NAV if actor is not None and actor.may(e.permission)]
    message, kind = context.pop("message", None), context.pop("message_kind", None)
    done = take_flash(request, lang) if message is None else None
    html = _env.get_template(template).render(
        t=translator(lang),
        w=labeller(lang),  # words for codes: w.html(kind, code), w.label(kind, code)
        lang=lang,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        # Every date in the page's language and the reader's time zone: when.at(value)
        # (a page may also pass its own `d`, e.g. with the case's `now`).
        when=dates(request),
        actor=actor,
        nav=nav,
        active=active,
        path=request.url.path,
        message=message or done,
        message_kind=kind or ("ok" if done else None),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    forget_flash(request, response)
    return response
