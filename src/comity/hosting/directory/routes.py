"""How a platform takes government requests: routes, form fields, languages, TVE policy.

Each route is dated and sourced on its own (a platform's imprint and its
law-enforcement page are read on different days). What could not be read is
said so (`fields: not read`, `languages: not read`), never guessed: a portal
submission sheet built on invented fields would be sent back.

A platform with no route known at all says so with a `none` route; the
dossier then offers the EU route (a removal-order request to the competent
authority of the state of its main establishment or legal representative) or
the host state's route instead (see `fallback_for`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from comity.hosting.directory._strictyaml import (
    DirectoryDataError,
    check_date,
    check_keys,
)

__all__ = [
    "FILLS",
    "NOT_READ",
    "ROUTE_KINDS",
    "FormField",
    "Route",
    "TvePolicy",
    "parse_routes",
    "parse_tve_policy",
]

NOT_READ = "not read"
# web_portal: a form on the platform's site; email: a documented address;
# trusted_flagger: a programme an authority must join first; none: no route known.
ROUTE_KINDS = ("web_portal", "email", "trusted_flagger", "none")
# eu_authorities: reserved for EU competent authorities (a legal representative, an
# Article 15 point of contact): recorded, but never a route Comity itself can use.
_AUDIENCES = ("government", "law_enforcement", "anyone", "eu_authorities")
_CONFIDENCE = ("medium", "low")  # nothing was read from the platform's live site
# What Comity can fill a form field from (comity.dossiers.render.portal);
# `null` in the data means the case does not know it: the sheet says "to fill".
FILLS = (
    "agency",
    "contact_email",
    "country",
    "urls",
    "policy",
    "laws",
    "explanation",
    "reference",
    "evidence",
)
_LANG = re.compile(r"^[a-z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


@dataclass(frozen=True)
class FormField:
    """One field of a portal's form, as the portal words it, and what fills it."""

    label: str
    fills: str | None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "fills": self.fills}


@dataclass(frozen=True)
class Route:
    kind: str
    audience: str
    name: str
    url: str | None
    email: str | None
    # None: the form's fields were not read; else the fields read, in order.
    fields: tuple[FormField, ...] | None
    # False where only the first fields of the form were read.
    fields_complete: bool
    languages: tuple[str, ...] | None  # None: not read
    source: str
    checked: date
    confidence: str
    note: str | None = None

    @property
    def usable(self) -> bool:
        """Whether Comity can prepare something to send through it."""
        if self.audience == "eu_authorities":
            return False
        if self.kind == "web_portal":
            return self.url is not None
        if self.kind == "email":
            return self.email is not None
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "audience": self.audience,
            "name": self.name,
            "url": self.url,
            "email": self.email,
            "fields": None if self.fields is None else [f.to_json() for f in self.fields],
            "fields_complete": self.fields_complete,
            "languages": None if self.languages is None else list(self.languages),
            "source": self.source,
            "checked": self.checked.isoformat(),
            "confidence": self.confidence,
            "note": self.note,
        }


@dataclass(frozen=True)
class TvePolicy:
    """The platform's published policy category for terrorist / violent-extremist content."""

    name: str | None  # None: not read
    url: str | None
    checked: date
    confidence: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "checked": self.checked.isoformat(),
            "confidence": self.confidence,
            "note": self.note,
        }


def _https(where: str, value: Any, *, nullable: bool) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.startswith("https://") or " " in value:
        raise DirectoryDataError(f"{where}: must be an https:// URL")
    return value


def _confidence(where: str, value: Any) -> str:
    if value not in _CONFIDENCE:
        raise DirectoryDataError(
            f"{where}: confidence must be one of {', '.join(_CONFIDENCE)} "
            "(nothing here was read from the live site)"
        )
    return str(value)


def _fields(where: str, value: Any) -> tuple[FormField, ...] | None:
    if value == NOT_READ:
        return None
    if not isinstance(value, list) or not value:
        raise DirectoryDataError(f"{where}: fields must be 'not read' or a non-empty list")
    out = []
    for number, raw in enumerate(value, start=1):
        entry = check_keys(f"{where}: field {number}", raw, required=("label", "fills"))
        label, fills = entry["label"], entry["fills"]
        if not isinstance(label, str) or not label.strip():
            raise DirectoryDataError(f"{where}: field {number}: label must be text")
        if fills is not None and fills not in FILLS:
            raise DirectoryDataError(
                f"{where}: field {number}: fills {fills!r} (valid: {', '.join(FILLS)} or null)"
            )
        out.append(FormField(label.strip(), fills))
    return tuple(out)


def _languages(where: str, value: Any) -> tuple[str, ...] | None:
    if value == NOT_READ:
        return None
    if not isinstance(value, list) or not value:
        raise DirectoryDataError(f"{where}: languages must be 'not read' or a non-empty list")
    for lang in value:
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise DirectoryDataError(f"{where}: language {lang!r} is not an ISO 639-1 code")
    return tuple(value)


def _route(where: str, raw: Any) -> Route:
    entry = check_keys(
        where,
        raw,
        required=("kind", "name", "source", "checked", "confidence"),
        optional=(
            "audience",
            "url",
            "email",
            "fields",
            "fields_complete",
            "languages",
            "note",
        ),
    )
    kind = entry["kind"]
    if kind not in ROUTE_KINDS:
        raise DirectoryDataError(f"{where}: kind {kind!r} (valid: {', '.join(ROUTE_KINDS)})")
    audience = entry.get("audience", "government")
    if audience not in _AUDIENCES:
        raise DirectoryDataError(f"{where}: audience {audience!r} (valid: {', '.join(_AUDIENCES)})")
    if not isinstance(entry["name"], str) or not entry["name"].strip():
        raise DirectoryDataError(f"{where}: name must be text")
    url = _https(f"{where}: url", entry.get("url"), nullable=True)
    email = entry.get("email")
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email)):
        raise DirectoryDataError(f"{where}: email {email!r} is not an e-mail address")
    if kind == "web_portal" and url is None:
        raise DirectoryDataError(f"{where}: a web_portal route names its url")
    if kind == "email" and email is None:
        raise DirectoryDataError(f"{where}: an email route names its address")
    if kind == "none" and not entry.get("note"):
        raise DirectoryDataError(f"{where}: a 'none' route says in its note what was looked for")
    fields = _fields(where, entry.get("fields", NOT_READ))
    complete = entry.get("fields_complete", fields is not None)
    if not isinstance(complete, bool) or (complete and fields is None):
        raise DirectoryDataError(
            f"{where}: fields_complete is true or false, and false if the fields were not read"
        )
    source = _https(f"{where}: source", entry["source"], nullable=False)
    assert source is not None
    return Route(
        kind=kind,
        audience=audience,
        name=entry["name"].strip(),
        url=url,
        email=email,
        fields=fields,
        fields_complete=complete,
        languages=_languages(where, entry.get("languages", NOT_READ)),
        source=source,
        checked=check_date(f"{where}: checked", entry["checked"]),
        confidence=_confidence(where, entry["confidence"]),
        note=entry.get("note"),
    )


def parse_routes(where: str, raw: Any) -> tuple[Route, ...]:
    """The `routes` list of a platform: at least one route, each dated and sourced."""
    if not isinstance(raw, list) or not raw:
        raise DirectoryDataError(
            f"{where}: routes must be a non-empty list (a platform with no known route "
            "says so with a 'none' route)"
        )
    routes = tuple(_route(f"{where}: route {n}", r) for n, r in enumerate(raw, start=1))
    if any(r.kind == "none" for r in routes) and len(routes) > 1:
        raise DirectoryDataError(f"{where}: a 'none' route cannot stand beside other routes")
    return routes


def parse_tve_policy(where: str, raw: Any) -> TvePolicy:
    entry = check_keys(
        where, raw, required=("name", "url", "checked", "confidence"), optional=("note",)
    )
    name = entry["name"]
    url = _https(f"{where}: url", entry["url"], nullable=True)
    if name == NOT_READ:
        if url is not None:
            raise DirectoryDataError(f"{where}: a policy not read has no url")
        name = None
    elif not isinstance(name, str) or not name.strip() or url is None:
        raise DirectoryDataError(f"{where}: a policy read has a name and the url it was read at")
    return TvePolicy(
        name=name,
        url=url,
        checked=check_date(f"{where}: checked", entry["checked"]),
        confidence=_confidence(where, entry["confidence"]),
        note=entry.get("note"),
    )
