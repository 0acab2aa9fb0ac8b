"""From a `Dossier` to plain dictionaries: the machine record and the view.

`to_record` is the language-neutral record (what `render_json` writes and the
JSON Schema describes). `to_view` adds the localised fixed texts and the
presentation helpers the PDF and DOCX templates need; templates only ever
receive these values as data, never as markup.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from comity.core.errors import Refused
from comity.dossiers.render._annex_i import forms
from comity.dossiers.render._data import eu_table, has_texts, texts
from comity.dossiers.render._letters import cover_lines, seal_lines
from comity.dossiers.schemas import Dossier, DossierItem, Party, Provision

__all__ = ["RECORD_SCHEMA_ID", "format_date", "split_url", "to_record", "to_view"]

RECORD_SCHEMA_ID = "https://comity.invalid/schemas/dossier-1.json"
# A URL may only wrap between these pieces: each ends at a URL delimiter where
# one is near, else after 20 characters, so that a 2,000-character URL with no
# delimiter still wraps and nothing (no zero-width space) is added to its text.
# The PDF annex uses them only for a URL typst would not wrap (see pdf.py).
_URL_PIECE = re.compile(r"[^/?&=#.\-_]{0,20}[/?&=#.\-_]|[^/?&=#.\-_]{1,20}")


def split_url(url: str) -> list[str]:
    """Pieces of `url` in order; "".join(pieces) == url."""
    return _URL_PIECE.findall(url)


def format_date(value: date, language: str) -> str:
    t = texts(language)
    return str(t["date_format"]).format(
        d=value.day, month=t["months"][value.month - 1], y=value.year
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "name": party.name,
        "country": party.country,
        "role": party.role,
        "department": party.department,
        "address": party.address,
        "email": party.email,
        "phone": party.phone,
    }


def _provision(provision: Provision | None) -> dict[str, Any] | None:
    if provision is None:
        return None
    return {
        "id": provision.id,
        "citation": provision.citation,
        "title": provision.title,
        "source": provision.source,
        "jurisdiction": provision.jurisdiction,
        "elements_matched": list(provision.elements_matched),
    }


def _item(number: int, item: DossierItem, eu_points: dict[str, list[str]] | None) -> dict[str, Any]:
    h = item.hosting
    record: dict[str, Any] = {
        "number": number,
        "url": item.url,
        "captured_at": _utc(item.captured_at),
        "evidence_sha256": item.evidence_sha256,
        "hosting": {
            "ip": h.ip,
            "network": h.network,
            "asn": h.asn,
            "org": h.org,
            "country": h.country,
            "provider": h.provider,
        },
        "conduct": item.conduct,
        "requesting_provision": _provision(item.requesting_provision),
        "host_provision": _provision(item.host_provision),
        "tos_category": item.tos_category or None,
    }
    if eu_points is not None:
        record["eu_2021_784_points"] = eu_points.get(item.conduct, [])
    return record


def to_record(dossier: Dossier) -> dict[str, Any]:
    """The language-neutral record of `dossier` (see dossier.schema.json)."""
    eu = dossier.kind in ("eu_removal_order", "eu_coordinator")
    points = eu_table()["article_2_7_points"] if eu else None
    items = [_item(n, item, points) for n, item in enumerate(dossier.items, start=1)]
    record: dict[str, Any] = {
        "$schema": RECORD_SCHEMA_ID,
        "reference": dossier.reference,
        "version": dossier.version,
        "supersedes": dossier.supersedes,
        "kind": dossier.kind,
        "channel": dossier.channel,
        "language": dossier.language,
        "date": dossier.date.isoformat(),
        "priority": dossier.priority,
        "actions": list(dossier.actions),
        "sender": _party(dossier.sender),
        "addressee": _party(dossier.addressee),
        "competent_authority": _party(dossier.competent_authority),
        "legal_basis": {
            "requesting": [_provision(p) for p in dossier.requesting_provisions],
            "host": [_provision(p) for p in dossier.host_provisions],
        },
        "items": items,
    }
    if dossier.kind == "eu_coordinator":
        record["groups"] = _groups(dossier, items)
    record.update(_signed(dossier))
    if dossier.portal is not None:
        record["portal"] = _portal(dossier)
    if dossier.non_disclosure_reason:
        record["non_disclosure"] = {
            "reason": dossier.non_disclosure_reason,
            "language": dossier.staff_language,
            "weeks": dossier.non_disclosure_weeks,
        }
    return record


def _signed(dossier: Dossier) -> dict[str, Any]:
    """Seal block, transmitting embassy and treaty basis, where the dossier has them."""
    out: dict[str, Any] = {}
    if dossier.seal is not None:
        seal = dossier.seal
        out["seal"] = {"place": seal.place, "seal": seal.seal, "initials": seal.initials}
    if dossier.transmitted_via is not None:
        out["transmitted_via"] = _party(dossier.transmitted_via)
    treaty = dossier.treaty
    if treaty is not None:
        out["treaty"] = {
            "id": treaty.id,
            "title": treaty.title,
            "title_local": treaty.title_local,
            "source": treaty.source,
            "assistance_article": treaty.assistance_article,
            "central_authorities_article": treaty.central_authorities_article,
            "contents_article": treaty.contents_article,
            "contents_from": treaty.contents_from,
            "contents_title": treaty.contents_title,
            "contents_borrowed": treaty.contents_borrowed,
        }
    return out


def _portal(dossier: Dossier) -> dict[str, Any]:
    portal = dossier.portal
    assert portal is not None
    return {
        "platform": portal.platform,
        "operator": portal.operator,
        "name": portal.name,
        "url": portal.url,
        "source": portal.source,
        "checked": portal.checked.isoformat(),
        "confidence": portal.confidence,
        "fields": None
        if portal.fields is None
        else [{"label": f.label, "fills": f.fills or None} for f in portal.fields],
        "fields_complete": portal.fields_complete,
        "languages": None if portal.languages is None else list(portal.languages),
        "policy": {"name": portal.policy_name or None, "url": portal.policy_url or None},
    }


def _groups(dossier: Dossier, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for country, members in dossier.by_host_country().items():
        provisions: dict[str, Any] = {}
        for member in members:
            if member.host_provision is not None:
                provisions.setdefault(member.host_provision.id, _provision(member.host_provision))
        numbers = [r["number"] for r in items if r["hosting"]["country"] == country]
        groups.append(
            {
                "country": country,
                "host_provisions": list(provisions.values()),
                "item_numbers": numbers,
            }
        )
    return groups


class _Later(dict[str, str]):
    """Leaves a placeholder filled per line later ({lang}) as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _actions(dossier: Dossier, note: dict[str, str]) -> list[str]:
    chosen = set(dossier.actions)
    lines = []
    if {"removal", "disabling_of_access"} <= chosen:
        lines.append(note["action_remove_or_disable"])
    elif "removal" in chosen:
        lines.append(note["action_remove"])
    elif "disabling_of_access" in chosen:
        lines.append(note["action_disable"])
    if "preservation_of_data" in chosen:
        lines.append(note["action_preserve"])
    lines.append(note["action_inform"])
    return lines


def _contact(dossier: Dossier) -> str:
    party = dossier.competent_authority or dossier.sender
    return ", ".join(p for p in (party.name, party.email, party.phone) if p)


def to_view(dossier: Dossier) -> dict[str, Any]:
    """The record plus localised texts and layout helpers for the templates."""
    if not has_texts(dossier.language, dossier.kind):
        raise Refused(
            f"the texts of a {dossier.kind} are not yet translated and reviewed in "
            f"{dossier.language!r} (render/i18n/{dossier.language}.yaml)"
        )
    t = texts(dossier.language)
    record = to_record(dossier)
    categories = sorted({i.tos_category for i in dossier.items if i.tos_category})
    values = {
        "sender": dossier.sender.name,
        "sender_subject": dossier.sender.name_subject or dossier.sender.name,
        "possessive": dossier.sender.possessive,
        "addressee": dossier.addressee.name,
        "addressee_dative": dossier.addressee.name_dative or dossier.addressee.name,
        "n": str(len(dossier.items)),
        "reference": dossier.reference,
        "category": ", ".join(categories),
        "contact": _contact(dossier),
        "version": str(dossier.version),
        "supersedes": dossier.supersedes or "",
    }

    def fill(section: dict[str, str]) -> dict[str, str]:
        return {key: text.format_map(_Later(values)) for key, text in section.items()}

    # The covering texts only: the Annex I form's own texts are filled per form.
    eu_cover = {k: t["eu_removal_order"][k] for k in ("opening", "template_note")}
    covering = {**t, "eu_removal_order": eu_cover}
    body_key = {
        "note_verbale": "note",
        "letter_of_request": "note",
        "provider_referral": "referral",
    }.get(dossier.kind, dossier.kind)
    for item in record["items"]:
        item["captured"] = item["captured_at"].replace("T", " ").removesuffix("Z")
        item["conduct_label"] = t["conduct"].get(item["conduct"], item["conduct"])
    record["draft"] = dossier.draft
    date_text = format_date(dossier.date, dossier.language)
    actions = _actions(dossier, t["note"])
    record["view"] = {
        "cover": cover_lines(dossier, t, values, actions, date_text, format_date),
        "seal_lines": seal_lines(dossier, t, date_text),
        # A note verbale and a letter give place and date at the end, not at the top.
        "top_date": "" if dossier.kind in ("note_verbale", "letter_of_request") else date_text,
        "title": t["titles"][dossier.kind],
        "annex_title": t["annex_titles"][dossier.kind].format_map(values),
        "date": date_text,
        "labels": fill(t["labels"]),
        "note": fill(t["note"]),
        "body": fill(covering[body_key]) if body_key != "note" else fill(t["note"]),
        "actions": actions,
        "priority": t["priority"][dossier.priority],
        "priority_text": t["note"].get(f"priority_{dossier.priority}", ""),
        "eu_points": t["eu_points"],
        "eu_template": fill(covering["eu_removal_order"]),
        "forms": forms(dossier, record["items"], t) if dossier.kind == "eu_removal_order" else [],
        "version_line": t["labels"]["version"].format_map(values) if dossier.supersedes else "",
    }
    return record
