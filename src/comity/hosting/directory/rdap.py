"""RDAP (RFC 9083) look-ups that fill gaps in the provider directory, only when online.

rdap.org redirects each query to the authoritative RIR server (the IANA
bootstrap, RFC 9224), so one base URL serves every ASN and address.  Tests use
recorded JSON through an httpx MockTransport; nothing here runs unless the
caller opts in (`online=True` or COMITY_ONLINE=1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from comity.core.errors import ComityError
from comity.hosting.directory.providers import Provider

__all__ = [
    "RDAP_BASE",
    "RdapContact",
    "fetch_autnum",
    "online_enabled",
    "parse_contact",
    "provider_from_rdap",
]

RDAP_BASE = "https://rdap.org"


@dataclass(frozen=True)
class RdapContact:
    handle: str | None
    name: str | None  # registrant (the network's holder)
    country: str | None
    abuse_email: str | None
    source: str  # the RDAP URL actually answered (after redirects)


def online_enabled(online: bool | None = None) -> bool:
    """Opt-in only: an explicit argument wins, else COMITY_ONLINE=1."""
    if online is not None:
        return online
    return os.environ.get("COMITY_ONLINE", "") == "1"


def _vcard(entity: dict[str, Any]) -> dict[str, list[Any]]:
    """jCard (RFC 7095) properties by name: ["vcard", [[name, params, type, value], ...]]."""
    out: dict[str, list[Any]] = {}
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4:
                out.setdefault(str(prop[0]), []).append(prop)
    return out


def _entities(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """All entities, depth first (RIRs nest the abuse role inside the registrant)."""
    found: list[dict[str, Any]] = []
    stack = list(doc.get("entities") or [])
    while stack:
        entity = stack.pop(0)
        if isinstance(entity, dict):
            found.append(entity)
            stack.extend(entity.get("entities") or [])
    return found


def _country_of(card: dict[str, list[Any]]) -> str | None:
    for prop in card.get("adr", []):
        params = prop[1] if isinstance(prop[1], dict) else {}
        label = params.get("cc")
        if isinstance(label, str) and len(label) == 2:
            return label.upper()
        value = prop[3]
        if isinstance(value, list) and len(value) == 7 and isinstance(value[6], str):
            country = value[6].strip()
            if len(country) == 2:
                return country.upper()
    return None


def parse_contact(doc: dict[str, Any], *, source: str) -> RdapContact:
    """Registrant name/country and abuse e-mail from an RDAP autnum or ip network object."""
    name = country = email = None
    for entity in _entities(doc):
        roles = entity.get("roles") or []
        card = _vcard(entity)
        if "abuse" in roles and email is None:
            emails = [p[3] for p in card.get("email", []) if isinstance(p[3], str)]
            email = emails[0].lower() if emails else None
        if "registrant" in roles and name is None:
            fns = [p[3] for p in card.get("fn", []) if isinstance(p[3], str)]
            name = fns[0] if fns else None
            country = _country_of(card)
    if name is None and isinstance(doc.get("name"), str):
        name = doc["name"]
    if country is None and isinstance(doc.get("country"), str):
        country = doc["country"].upper()
    return RdapContact(
        handle=doc.get("handle"), name=name, country=country, abuse_email=email, source=source
    )


def fetch_autnum(asn: int, *, client: httpx.Client, base: str = RDAP_BASE) -> RdapContact:
    """GET {base}/autnum/{asn} (following the bootstrap redirect) and parse it."""
    url = f"{base.rstrip('/')}/autnum/{int(asn)}"
    try:
        response = client.get(
            url, follow_redirects=True, headers={"Accept": "application/rdap+json"}
        )
    except httpx.HTTPError as exc:
        raise ComityError(f"RDAP AS{asn}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ComityError(f"RDAP AS{asn}: HTTP {response.status_code} from {response.url}")
    try:
        doc = response.json()
    except ValueError:
        raise ComityError(f"RDAP AS{asn}: answer from {response.url} is not JSON") from None
    return parse_contact(doc, source=str(response.url))


def provider_from_rdap(asn: int, known: Provider | None, contact: RdapContact) -> Provider:
    """Fill the gaps of `known` (or make a provider) from an RDAP answer, citing it."""
    source = f"RDAP {contact.source}"
    if known is not None:
        sources = dict(known.sources)
        email = known.abuse_email
        if email is None and contact.abuse_email:
            email, sources["abuse_email"] = contact.abuse_email, source
        country = known.country
        if country is None and contact.country:
            country, sources["country"] = contact.country, source
        return Provider(
            asn=known.asn,
            name=known.name,
            legal_entity=known.legal_entity,
            country=country,
            abuse_email=email,
            abuse_url=known.abuse_url,
            rank=known.rank,
            sources=sources,
            confidence=known.confidence,
        )
    name = contact.name or f"AS{asn}"
    return Provider(
        asn=asn,
        name=name,
        legal_entity=name,
        country=contact.country,
        abuse_email=contact.abuse_email,
        abuse_url=None,
        rank=None,
        sources=dict.fromkeys(("name", "legal_entity", "country", "abuse_email"), source),
        confidence="medium",
    )
