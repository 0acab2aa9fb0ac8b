"""From stored proposals, evidence and attributions to the renderer's frozen input.

Pure functions over plain data (the stored assessment JSON, the stored
attribution JSON, the knowledge base), so that the service decides *what* goes
in a dossier and this module only decides *how it reads*. Everything a
document states comes from the knowledge base, the stored assessment or
`parties.yaml`; nothing legal is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.core.settings import get_settings
from comity.dossiers.render._data import eu_table, has_texts, texts, used_placeholders
from comity.dossiers.schemas import (
    LANGUAGES,
    SEALED_KINDS,
    Dossier,
    DossierItem,
    Hosting,
    Party,
    PortalField,
    PortalRoute,
    Provision,
    Seal,
    TreatyBasis,
)
from comity.law.channels import ADDRESSEE_ROLE
from comity.law.model import KnowledgeBase

__all__ = [
    "CHANNEL_KINDS",
    "Addressee",
    "addressee_for",
    "addressee_languages",
    "cited",
    "coordinator",
    "eu_members",
    "hosting_from",
    "item_snapshot",
    "letterhead",
    "make_dossier",
    "missing_sender_settings",
    "parties",
    "portal_of",
    "provider_of",
    "provision_texts",
    "reference_prefix",
    "treaty_basis",
]

# Proposal channel -> document kind (the EU coordinator list is asked for explicitly).
CHANNEL_KINDS = {
    "diplomatic_request": "note_verbale",
    "mla_request": "letter_of_request",
    "eu_removal_order_request": "eu_removal_order",
    "provider_referral": "provider_referral",
}
# Which authority of the host state receives each governmental channel, and
# which authority of the requesting state sends it (role names of the KB).
_ADDRESSEE_ROLE = ADDRESSEE_ROLE
_FORMAL_ROLE = {
    "diplomatic_request": "foreign_ministry",
    "mla_request": "mla_central_authority",
}
_SENDER_ROLE = {
    "diplomatic_request": "foreign_ministry",
    "mla_request": "mla_central_authority",
    "eu_removal_order_request": "foreign_ministry",
}


_PARTIES_KEYS = frozenset({"senders", "embassies", "coordinator", "authorities"})


@cache
def parties() -> dict[str, Any]:
    text = resources.files("comity.dossiers").joinpath("parties.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or set(data) != _PARTIES_KEYS:
        raise RuntimeError(
            f"parties.yaml: top-level keys must be {', '.join(sorted(_PARTIES_KEYS))}"
        )
    return data


def reference_prefix(requesting: str) -> str:
    sender = parties()["senders"].get(requesting)
    if sender is None:
        raise Refused(f"parties.yaml has no sender entry for requesting state {requesting}")
    return str(sender["reference_prefix"])


def eu_members() -> frozenset[str]:
    return frozenset(eu_table()["member_states"])


@dataclass
class Addressee:
    """Who a group of proposals goes to, and in which languages."""

    key: str
    kind: str
    channel: str
    host: str | None
    party: dict[str, Any]  # country, role, address, email, names {lang: {name, dative}}
    sender: dict[str, Any]
    languages: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _authority_party(kb: KnowledgeBase, country: str, authority_id: str) -> dict[str, Any]:
    jurisdiction = kb.jurisdictions[country]
    authority = jurisdiction.authorities[authority_id]
    names: dict[str, dict[str, str]] = {}
    english = authority.name_en or authority.name
    names["en"] = {"name": english, "dative": english}
    for lang, entry in parties()["authorities"].get(authority_id, {}).items():
        names[lang] = _names(entry)
    return {
        "id": authority_id,
        "country": country,
        "role": "authority",
        "address": authority.address or "",
        "email": "",
        "names": names,
    }


def _authority_id(
    kb: KnowledgeBase, country: str, channel: str, offered: str | None, on: date
) -> str:
    """The addressee's id among the authorities whose designation holds on `on` (the day
    the dossier is written: a letter goes to whoever is competent when it is sent)."""
    jurisdiction = kb.jurisdictions.get(country)
    if jurisdiction is None:
        raise Refused(f"the knowledge base has no encoding of {country}: no addressee for it")
    # A note verbale goes to the foreign ministry and a letter of request to the
    # central authority, whichever unit the assessment saw acting on it.
    formal = _FORMAL_ROLE.get(channel)
    found = jurisdiction.authority_with_role(formal, on) if formal else None
    if found is None:
        found = jurisdiction.authority_on(offered, on)
    if found is None:
        found = next(
            (
                a
                for offer in jurisdiction.channels
                if offer.code == channel
                and (a := jurisdiction.authority_on(offer.authority, on)) is not None
            ),
            None,
        )
    role = _ADDRESSEE_ROLE[channel]
    if found is None:
        found = jurisdiction.authority_with_role(role, on)
    if found is None:
        raise Refused(
            f"the knowledge base names no {role} for {country} designated on {on}: "
            f"no addressee for {channel}"
        )
    return found.id


def _names(entry: dict[str, Any]) -> dict[str, str]:
    """One language's forms of a name in parties.yaml (see schemas.Party)."""
    return {
        "name": entry["name"],
        "dative": entry["dative"],
        "subject": entry.get("subject", ""),
        "possessive": entry.get("possessive", ""),
    }


def _languages(wanted: list[str], names: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    languages: list[str] = []
    skipped: dict[str, str] = {}
    for lang in wanted:
        if lang in languages or lang in skipped:
            continue
        if lang not in LANGUAGES:
            skipped[lang] = "no reviewed templates in this language (render/i18n)"
        elif lang in names:
            languages.append(lang)
        else:
            skipped[lang] = "no name (dative) for the addressee in parties.yaml"
    return languages, skipped


def addressee_languages(kb: KnowledgeBase, country: str, authority_id: str | None) -> list[str]:
    """The languages an addressee reads, from the knowledge base, in its order.

    The authority's own `languages` where the knowledge base records them (the
    languages it accepts requests in), else its state's official languages.
    """
    jurisdiction = kb.jurisdictions.get(country)
    if jurisdiction is None:
        return []
    authority = jurisdiction.authorities.get(authority_id or "")
    own = authority.languages if authority is not None else ()
    return list(own or jurisdiction.languages)


def _host_languages(
    who: str, read: list[str], names: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """The addressee's languages Comity can write in; refused if there is none.

    Refused at build, never at issue: a dossier its addressee cannot read is
    no document, and a half-rendered one must never exist.
    """
    languages, skipped = _languages(read, names)
    if not languages:
        reasons = "; ".join(f"{lang}: {why}" for lang, why in skipped.items())
        raise Refused(
            f"{who} reads {', '.join(read) or 'no language recorded in the knowledge base'}"
            f" and Comity cannot write to it in any of them ({reasons or 'none known'}); "
            f"templates exist in {', '.join(LANGUAGES)}: add the language's reviewed "
            "render/i18n file and the addressee's names in parties.yaml, or record in the "
            "knowledge base a language the authority accepts"
        )
    return languages, skipped


def _sender(kb: KnowledgeBase, requesting: str, channel: str) -> dict[str, Any]:
    if channel == "provider_referral":
        entry = parties()["senders"].get(requesting, {}).get("referral")
        if entry is None:
            raise Refused(f"parties.yaml names no referral sender for {requesting}")
        names = {
            lang: _names(n) if isinstance(n, dict) else {"name": n, "dative": n}
            for lang, n in entry["name"].items()
        }
        return {
            "country": requesting,
            "role": "authority",
            "address": "",
            "email": entry["email"],
            "names": names,
        }
    role = _SENDER_ROLE[channel]
    authority = kb.jurisdictions[requesting].authority_with_role(role, utcnow().date())
    if authority is not None:
        return _authority_party(kb, requesting, authority.id)
    raise Refused(f"the knowledge base names no {role} for the requesting state {requesting}")


def addressee_for(
    *,
    kb: KnowledgeBase,
    requesting: str,
    channel: str,
    host: str,
    assessment: dict[str, Any],
    attribution: dict[str, Any] | None,
) -> Addressee:
    """The addressee of one approved proposal, with the languages to write in.

    Governmental: the addressee's languages from the knowledge base (those
    Comity has reviewed templates and the addressee's name for; refused if
    none), then the requesting state's languages. A referral goes to a
    trust-and-safety team whose language the knowledge base does not record:
    the host state's language where there are templates, else English, the
    working language of providers' abuse desks.
    """
    host_langs = kb.jurisdictions[host].languages if host in kb.jurisdictions else ()
    if channel == "provider_referral":
        portal = _portal_addressee(kb, requesting, host, attribution or {})
        if portal is not None:
            return portal
        first = next((lang for lang in host_langs if lang in LANGUAGES), "en")
        name, email, country = provider_of(attribution or {}, host)
        if not email:
            # Refuse at build, not at issue: a referral that cannot be sent is no document.
            raise Refused(
                f"no abuse e-mail is known for {name!r}: add it to the provider directory "
                "(or attribute with --online to ask RDAP), or choose another channel"
            )
        all_names = {lang: {"name": name, "dative": name} for lang in LANGUAGES}
        party: dict[str, Any] = {
            "country": country,
            "role": "provider",
            "address": "",
            "email": email,
            "names": all_names,
        }
        return Addressee(
            f"provider:{name}",
            "provider_referral",
            channel,
            host,
            party,
            _sender(kb, requesting, channel),
            [first],
        )
    offered = next(
        (
            (c.get("authority") or {}).get("id")
            for c in assessment.get("channels", ())
            if c.get("code") == channel
        ),
        None,
    )
    authority = _authority_id(kb, host, channel, offered, utcnow().date())
    party = _authority_party(kb, host, authority)
    if channel == "diplomatic_request":
        party = _routed(party, host)
        authority = party["id"]
    if channel == "mla_request":
        party["treaty"] = _treaty_of(kb, assessment, host, requesting)
    # Kept with the addressee: the EU annex gives Annex I in the host's language.
    party["languages"] = list(host_langs)
    sender = _sender(kb, requesting, channel)
    known: dict[str, Any] = party["names"]
    names = {k: v for k, v in known.items() if k in sender["names"]}
    read = addressee_languages(kb, host, authority)
    if authority == f"{host}.embassy":
        # An embassy accredited in the requesting state takes notes in that
        # state's languages (English beside them), not in its own.
        read = [*kb.jurisdictions[requesting].languages, "en"]
    languages, skipped = _host_languages(f"{authority} ({host})", read, names)
    more, also = _languages(list(kb.jurisdictions[requesting].languages), names)
    languages += [lang for lang in more if lang not in languages]
    skipped.update({k: v for k, v in also.items() if k not in languages})
    languages = _with_texts(CHANNEL_KINDS[channel], languages, skipped, names)
    return Addressee(
        authority, CHANNEL_KINDS[channel], channel, host, party, sender, languages, skipped
    )


def _with_texts(
    kind: str, languages: list[str], skipped: dict[str, str], names: dict[str, Any]
) -> list[str]:
    """`languages` with the reviewed texts of `kind`; English stands in for those without."""
    kept = [lang for lang in languages if has_texts(lang, kind)]
    for lang in languages:
        if lang not in kept:
            skipped[lang] = f"the texts of a {kind} are not yet translated and reviewed in it"
    if len(kept) < len(languages) and "en" not in kept and "en" in names:
        kept.insert(0, "en")
    return kept


def _embassy(host: str, which: str) -> dict[str, Any]:
    entry = parties()["embassies"].get(host, {}).get(which)
    if entry is None:
        setting = get_settings().note_via
        raise Refused(
            f"parties.yaml names no embassy for {host} ({which}), needed by "
            f"COMITY_NOTE_VIA={setting}: add it, or send through the foreign ministry "
            "(COMITY_NOTE_VIA=foreign_ministry)"
        )
    return {lang: {"name": n["name"], "dative": n["dative"]} for lang, n in entry.items()}


def _routed(party: dict[str, Any], host: str) -> dict[str, Any]:
    """The addressee of a note verbale by the route the settings choose (COMITY_NOTE_VIA)."""
    via = get_settings().note_via
    if via == "host_embassy":
        return {
            "id": f"{host}.embassy",
            "country": host,
            "role": "authority",
            "address": "",
            "email": "",
            "names": _embassy(host, "in_capital"),
        }
    if via == "own_embassy":
        requesting = get_settings().requesting_state
        party["via"] = {"country": requesting, "role": "authority", "names": _embassy(host, "ours")}
    return party


def _treaty_of(kb: KnowledgeBase, assessment: dict[str, Any], host: str, requesting: str) -> str:
    """The treaty in force the assessment founded the MLA channel on (its `basis`)."""
    known = {t.id: t for t in kb.treaties}
    for channel in assessment.get("channels", ()):
        if channel.get("code") != "mla_request":
            continue
        for treaty_id in channel.get("basis", ()):
            treaty = known.get(treaty_id)
            if treaty is not None and "mla_request" in treaty.channels:
                return treaty.id
    raise Refused(
        f"the assessment names no treaty in force between {requesting} and {host} that "
        "founds a request for legal assistance: a letter of request is made under a treaty "
        "(send a note verbale instead)"
    )


# Where the treaty's own article on the contents of a request is not in the
# register, the letter follows the contents common to the UN conventions, as
# the register records them for this convention and topic (and says so).
_UN_CONTENTS = ("UN.UNTOC.2000", "requests")


def treaty_basis(treaty_id: str, kb: KnowledgeBase | None = None) -> TreatyBasis:
    """The articles of `treaty_id` a letter of request cites, from the treaty register."""
    from comity.law.kb.loader import load_kb

    kb = kb or load_kb()
    known = {t.id: t for t in kb.treaties}
    treaty = known.get(treaty_id)
    if treaty is None:
        raise Refused(f"treaty {treaty_id!r} is not in the treaty register")
    by_topic: dict[str, Any] = {}
    for article in treaty.articles:
        by_topic.setdefault(article.topic, article)
    assistance = by_topic.get("mutual_legal_assistance") or by_topic.get("scope")
    if assistance is None:
        raise Refused(
            f"the register records no article of {treaty_id} by which the parties afford "
            "legal assistance (topic mutual_legal_assistance or scope): the letter cannot cite one"
        )
    contents, source = by_topic.get("request_contents"), treaty
    if contents is None:
        model_id, topic = _UN_CONTENTS
        source = known.get(model_id)  # type: ignore[assignment]
        contents = next((a for a in source.articles if a.topic == topic), None) if source else None
        if source is None or contents is None:
            raise Refused(
                f"neither {treaty_id} nor {model_id} has an article on the contents of a "
                "request in the register"
            )
    central = by_topic.get("central_authorities")
    return TreatyBasis(
        id=treaty.id,
        title=treaty.title,
        source=treaty.source.url,
        assistance_article=assistance.article,
        contents_article=contents.article,
        contents_from=source.id,
        contents_title=source.title,
        central_authorities_article=central.article if central else "",
        title_local=treaty.title_local or "",
    )


# The settings a signed document cannot do without, with what each is for: a
# note verbale is sealed by the Ministry of Foreign Affairs, a letter of request
# by the central authority that sends it.
_SEAL_SETTINGS = {
    "note": ("sender_seal", "sender_initials"),
    "letter_of_request": ("central_authority_seal", "central_authority_initials"),
}
_WHY = {
    "sender_seal": "the text of the seal of the Ministry of Foreign Affairs",
    "sender_initials": "the initials of the officer who initials a note verbale",
    "central_authority_seal": "the text of the seal of the central authority",
    "central_authority_initials": "the initials of the officer who initials a letter of request",
}


def missing_sender_settings(kind: str = "note_verbale") -> list[str]:
    """The settings a signed document of `kind` needs and this deployment lacks."""
    settings = get_settings()
    names = _SEAL_SETTINGS.get(kind, _SEAL_SETTINGS["note"])
    missing = [
        f"COMITY_{name.upper()} ({_WHY[name]})"
        for name in names
        if not str(getattr(settings, name)).strip()
    ]
    if not (settings.sender_contact_email.strip() or settings.sender_contact_phone.strip()):
        missing.append(
            "COMITY_SENDER_CONTACT_EMAIL or COMITY_SENDER_CONTACT_PHONE "
            "(the contact of the requesting authority named in the body)"
        )
    return missing


def letterhead(*, requesting: str, language: str, kind: str = "note_verbale") -> tuple[Seal, Party]:
    """Place, seal and initials, and the requesting authority with its contact.

    Refused, naming every missing setting, before anything is rendered.
    """
    missing = missing_sender_settings(kind)
    if missing:
        raise Refused("a signed document cannot be issued: settings not set: " + "; ".join(missing))
    settings = get_settings()
    sender = parties()["senders"].get(requesting) or {}
    place = (sender.get("place") or {}).get(language)
    authority = (sender.get("referral") or {}).get("name", {}).get(language)
    if isinstance(authority, dict):  # {name, dative, subject...}: the body names it plainly
        authority = authority.get("name")
    if not place or not authority:
        raise Refused(
            f"parties.yaml: senders.{requesting} has no place of issue or requesting "
            f"authority name in {language!r}"
        )
    seal_name, initials_name = _SEAL_SETTINGS.get(kind, _SEAL_SETTINGS["note"])
    seal = Seal(
        place=place,
        seal=str(getattr(settings, seal_name)).strip(),
        initials=str(getattr(settings, initials_name)).strip(),
    )
    party = Party(
        name=authority,
        name_dative=authority,
        country=requesting,
        email=settings.sender_contact_email.strip(),
        phone=settings.sender_contact_phone.strip(),
    )
    return seal, party


def _directory_platform(attribution: dict[str, Any]) -> Any:
    """The platform of an attribution as the directory has it now (routes are read there)."""
    from comity.hosting.directory.platforms import platform_by_id

    stored = attribution.get("platform") or {}
    return platform_by_id(stored["id"]) if stored.get("id") else None


def _portal_addressee(
    kb: KnowledgeBase, requesting: str, host: str, attribution: dict[str, Any]
) -> Addressee | None:
    """A referral to a platform: its web form (portal_referral), or None for its e-mail route.

    A platform the directory knows but for which no usable route is recorded is
    refused here, by name, at build: never a half-rendered dossier at issue.
    """
    platform = _directory_platform(attribution)
    if platform is None:
        return None
    route = platform.portal()
    if route is None:
        gap = platform.routes[0]
        raise Refused(
            f"platform {platform.name!r} ({platform.operator}) has no route for government "
            f"requests in the platform directory ({gap.name}, checked {gap.checked.isoformat()}): "
            f"{platform.fallback()}"
        )
    if route.kind != "web_portal":
        return None
    policy = platform.tve_policy
    party: dict[str, Any] = {
        "country": platform.country or host,
        "role": "provider",
        "address": "",
        "email": "",
        "names": {lang: {"name": platform.name, "dative": platform.name} for lang in LANGUAGES},
        "portal": {
            "platform": platform.name,
            "operator": platform.operator,
            "name": route.name,
            "url": route.url,
            "source": route.source,
            "checked": route.checked.isoformat(),
            "confidence": route.confidence,
            "fields": None if route.fields is None else [f.to_json() for f in route.fields],
            "fields_complete": route.fields_complete,
            "languages": None if route.languages is None else list(route.languages),
            "policy_name": (policy.name or "") if policy else "",
            "policy_url": (policy.url or "") if policy else "",
            "note": route.note or "",
        },
    }
    sender = _sender(kb, requesting, "provider_referral")
    # The sheet in the portal's language where read (else English), then in the
    # requesting state's languages for the officer who types it in.
    from comity.dossiers.render.portal import SHEET_LANGUAGES

    accepted = [lang for lang in route.languages or () if lang in SHEET_LANGUAGES]
    wanted = [accepted[0] if accepted else "en", *kb.jurisdictions[requesting].languages]
    languages, skipped = _languages(wanted, sender["names"])
    return Addressee(
        f"provider:{platform.name}",
        "portal_referral",
        "provider_referral",
        host,
        party,
        sender,
        languages,
        skipped,
    )


def portal_of(data: dict[str, Any] | None) -> PortalRoute | None:
    """The frozen portal route of a stored addressee, as the renderers take it."""
    if not data:
        return None
    fields = data.get("fields")
    return PortalRoute(
        platform=data["platform"],
        operator=data["operator"],
        name=data["name"],
        url=data["url"],
        source=data["source"],
        checked=date.fromisoformat(data["checked"]),
        confidence=data["confidence"],
        fields=None
        if fields is None
        else tuple(PortalField(f["label"], f.get("fills") or "") for f in fields),
        fields_complete=bool(data.get("fields_complete")),
        languages=None if data.get("languages") is None else tuple(data["languages"]),
        policy_name=data.get("policy_name") or "",
        policy_url=data.get("policy_url") or "",
        note=data.get("note") or "",
    )


def coordinator(*, kb: KnowledgeBase, requesting: str) -> Addressee:
    """The EU-level coordinator who offered to pass the lists on to member states."""
    entry = parties()["coordinator"]
    party = {
        "country": entry["country"],
        "role": "coordinator",
        "address": entry["address"],
        "email": "",
        "names": dict(entry["names"]),
    }
    sender = _sender(kb, requesting, "diplomatic_request")
    wanted = ["en", *kb.jurisdictions[requesting].languages]
    languages, skipped = _languages(
        wanted, {k: v for k, v in party["names"].items() if k in sender["names"]}
    )
    return Addressee(
        "coordinator:EU",
        "eu_coordinator",
        "diplomatic_request",
        None,
        party,
        sender,
        languages,
        skipped,
    )


def provider_of(attribution: dict[str, Any], host: str) -> tuple[str, str, str]:
    """(name, abuse e-mail, country) of who can act on a referral: platform, else network."""
    platform = attribution.get("platform")
    known = _directory_platform(attribution) if platform else None
    if known is not None:
        route = known.portal()
        email = route.email if route is not None and route.kind == "email" else None
        return (known.name, email or "", known.country or host)
    if platform:
        channel = platform.get("le_channel") or {}
        return (platform["name"], channel.get("email") or "", platform.get("country") or host)
    for ip in attribution.get("ips", ()):
        if not ip.get("routable"):
            continue
        provider = ip.get("provider") or {}
        name = provider.get("legal_entity") or provider.get("name") or ip.get("org")
        if name:
            return (
                name,
                provider.get("abuse_email") or "",
                provider.get("country") or ip.get("country") or host,
            )
    cdn = attribution.get("cdn") or {}
    if cdn.get("operator"):
        return (cdn["operator"], cdn.get("abuse_email") or "", cdn.get("country") or host)
    raise Refused("no provider or platform is known for this item: attribute it first")


def hosting_from(attribution: dict[str, Any], host: str | None) -> dict[str, Any] | None:
    """The hosting line of the annex from a stored attribution; None if nothing is routable."""
    live = [ip for ip in attribution.get("ips", ()) if ip.get("routable") and ip.get("country")]
    if not live:
        return None
    chosen = next((ip for ip in live if ip["country"] == host), live[0])
    provider = chosen.get("provider") or {}
    platform = attribution.get("platform") or {}
    name = (
        provider.get("legal_entity")
        or platform.get("operator")
        or chosen.get("org")
        or f"AS{chosen.get('asn')}"
    )
    return {
        "ip": chosen["ip"],
        "country": chosen["country"],
        "provider": name,
        "network": "",
        "asn": chosen.get("asn"),
        "org": chosen.get("org") or "",
    }


def _provision(entry: dict[str, Any], where: str, kb: KnowledgeBase | None) -> dict[str, Any]:
    source = entry.get("source")
    url = source.get("url") if isinstance(source, dict) else source
    out: dict[str, Any] = {
        "id": entry.get("id") or where,
        "citation": entry.get("citation") or "",
        "title": entry.get("title") or "",
        "source": url or "",
        "jurisdiction": entry.get("jurisdiction") or "",
        "elements_matched": [
            e["label"] for e in entry.get("elements", ()) if e.get("result") == "true"
        ],
    }
    texts = provision_texts(kb, str(out["id"])) if kb is not None else None
    if texts is not None:
        out["texts"] = texts
    return out


def provision_texts(kb: KnowledgeBase, provision_id: str) -> dict[str, Any] | None:
    """How the official texts cite a provision, by language, for the letters.

    Frozen into the snapshot with the rest of the item, so that a dossier
    issued again later cites the law as it did when it was built.
    """
    provision = kb.provisions_by_id.get(provision_id)
    if provision is None:
        return None
    official = {
        o.language: {"citation": o.citation, "title": o.title, "url": o.url}
        for o in provision.official
    }
    if provision.language:
        official.setdefault(
            provision.language,
            {"citation": provision.citation, "title": provision.title, "url": provision.source.url},
        )
    return {
        "own": {"citation": provision.citation, "title": provision.title},
        "language": provision.language,
        "official": official,
        "title_en": provision.title_en,
    }


def snapshot_of(
    *, session: Any, proposal: Any, item: Any, hosting: dict[str, Any]
) -> dict[str, Any]:
    """`item_snapshot` for an item and its proposal, with the item's newest capture."""
    from comity.cases.context import latest_evidence
    from comity.law.kb.loader import load_kb

    return item_snapshot(
        url=item.url,
        evidence=latest_evidence(session=session, item_id=item.id),
        hosting=hosting,
        conduct=proposal.conduct,
        assessment=proposal.assessment,
        proposal_id=proposal.id,
        kb=load_kb(),
    )


def item_snapshot(
    *,
    url: str,
    evidence: tuple[datetime, str | None] | None,
    hosting: dict[str, Any],
    conduct: str,
    assessment: dict[str, Any],
    proposal_id: int,
    kb: KnowledgeBase | None = None,
) -> dict[str, Any]:
    """The annex line as it will be issued (JSON-able), refusing what cannot be sent.

    With `kb`, each provision carries its official texts by language (see
    `provision_texts`); without, the letters cite it as the assessment did.
    """
    if evidence is None or not evidence[1]:
        raise Refused(
            f"item {url[:80]!r} (proposal {proposal_id}) has no evidence: "
            "capture it before it goes in a dossier"
        )
    requesting = [
        p for p in assessment.get("requesting_provisions", ()) if p.get("status") == "yes"
    ]
    requesting = requesting or list(assessment.get("requesting_provisions", ()))
    if not requesting:
        raise Refused(
            f"proposal {proposal_id}: the assessment cites no provision of the requesting state"
        )
    matching = [p for p in assessment.get("host_provisions", ()) if p.get("status") == "yes"]
    snapshot = {
        "url": url,
        "captured_at": evidence[0].isoformat(),
        "evidence_sha256": evidence[1],
        "hosting": hosting,
        "conduct": conduct,
        "requesting_provision": _provision(requesting[0], f"proposal {proposal_id}", kb),
        "host_provision": (
            _provision(matching[0], f"proposal {proposal_id}", kb) if matching else None
        ),
    }
    _item(snapshot, "en")  # refuse now (no evidence, no source...) rather than at render time
    return snapshot


def _item(snapshot: dict[str, Any], language: str) -> DossierItem:
    host = snapshot["host_provision"]
    referral = texts(language)["conduct"].get(snapshot["conduct"], snapshot["conduct"])
    return DossierItem(
        url=snapshot["url"],
        captured_at=datetime.fromisoformat(snapshot["captured_at"]),
        evidence_sha256=snapshot["evidence_sha256"],
        hosting=Hosting(**snapshot["hosting"]),
        conduct=snapshot["conduct"],
        requesting_provision=_provision_of(snapshot["requesting_provision"], language),
        host_provision=_provision_of(host, language) if host else None,
        tos_category=referral,
    )


def cited(data: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(citation, title, source URL) of a snapshot provision in a letter in `language`.

    The official text in the letter's language where it was read (Kazakh law
    in Kazakh in a Kazakh letter); else the text the knowledge base cites,
    its title labelled with its language and followed by the English
    translation, also labelled: never a title passed off as official.
    """
    versions = data.get("texts")
    if versions is None:  # built before the knowledge base gave the official texts
        return data["citation"], data["title"], data["source"]
    official = versions["official"]
    if language in official:
        chosen = official[language]
        return chosen["citation"], chosen["title"], chosen["url"]
    t = texts(language)
    labels, names = t["labels"], t["language_names"]
    own, own_language = versions["own"], versions["language"]
    title = own["title"]
    notes = []
    if own_language:
        notes.append(labels["official_title_in"].format(lang=names.get(own_language, own_language)))
    if versions["title_en"] and own_language != "en":
        notes.append(labels["unofficial_translation"].format(text=versions["title_en"]))
    if notes:
        title = f"{title} ({'; '.join(notes)})"
    return own["citation"], title, data["source"]


def _provision_of(data: dict[str, Any], language: str) -> Provision:
    citation, title, source = cited(data, language)
    return Provision(
        id=data["id"],
        citation=citation,
        source=source,
        jurisdiction=data["jurisdiction"],
        title=title,
        elements_matched=tuple(data["elements_matched"]),
    )


def _party(data: dict[str, Any], language: str) -> Party:
    names = data["names"].get(language) or data["names"]["en"]
    return Party(
        name=names["name"],
        name_dative=names["dative"],
        name_subject=names.get("subject", ""),
        possessive=names.get("possessive", ""),
        country=data["country"],
        role=data["role"],
        address=data.get("address") or "",
        email=data.get("email") or "",
    )


def _check_name_forms(sender: dict[str, Any], language: str) -> None:
    """Refuse, before anything is rendered, a sender whose name lacks a form the texts use.

    German, French, Dutch, Italian and Spanish open "Das Ministerium ... bezeugt
    ... seine Hochachtung": the article and the possessive depend on the name,
    so parties.yaml gives them and a missing one would read as broken grammar.
    """
    names = sender["names"].get(language) or {}
    used = used_placeholders(language)
    missing = [
        key
        for key, placeholder in (("subject", "sender_subject"), ("possessive", "possessive"))
        if placeholder in used and not names.get(key)
    ]
    if missing:
        who = names.get("name") or sender["names"]["en"]["name"]
        raise Refused(
            f"parties.yaml: the sender {who!r} has no {' and no '.join(missing)} form in "
            f"{language!r}, which its texts need: add it, or leave {language!r} out"
        )


def make_dossier(
    *,
    kind: str,
    channel: str,
    language: str,
    sender: dict[str, Any],
    addressee: dict[str, Any],
    snapshots: list[dict[str, Any]],
    reference: str,
    on: date,
    version: int,
    supersedes: str | None,
    priority: str,
    at: datetime | None = None,
    draft: bool = False,
    non_disclosure_reason: str = "",
    non_disclosure_weeks: int | None = None,
    staff_language: str = "",
) -> Dossier:
    if not snapshots:
        raise Refused(f"dossier {reference} has no items: nothing to request")
    if language not in LANGUAGES:
        raise BadInput(f"language {language!r}: valid: {', '.join(LANGUAGES)}")
    _check_name_forms(sender, language)
    seal, competent = None, None
    if kind in SEALED_KINDS:
        seal, competent = letterhead(requesting=sender["country"], language=language, kind=kind)
    if kind == "letter_of_request" and not addressee.get("treaty"):
        raise Refused("a letter of request is made under a treaty: the draft names none")
    return Dossier(
        reference=reference,
        kind=kind,  # type: ignore[arg-type]  # checked by Dossier itself
        channel=channel,  # type: ignore[arg-type]
        language=language,
        sender=_party(sender, language),
        addressee=_party(addressee, language),
        date=on,
        items=tuple(_item(s, language) for s in snapshots),
        version=version,
        supersedes=supersedes,
        priority=priority,  # type: ignore[arg-type]
        issued_at=at,
        host_languages=tuple(addressee.get("languages", ())),
        draft=draft,
        non_disclosure_reason=non_disclosure_reason,
        non_disclosure_weeks=non_disclosure_weeks,
        staff_language=staff_language,
        seal=seal,
        competent_authority=competent,
        treaty=treaty_basis(addressee["treaty"]) if kind == "letter_of_request" else None,
        transmitted_via=_party(addressee["via"], language) if addressee.get("via") else None,
        portal=portal_of(addressee.get("portal")),
    )
