"""Provider referrals: an RFC 5322 e-mail (.eml) and an X-ARF-style report.

A referral asks a provider's trust-and-safety team to apply its own terms of
service; it says so in the text, names the category and lists the URLs, with
the annex as a CSV attachment.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, time
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from comity.core.errors import BadInput
from comity.dossiers.render._view import to_record, to_view
from comity.dossiers.render.machine import render_csv
from comity.dossiers.schemas import Dossier, Party

__all__ = ["render_eml", "render_xarf"]

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _address(party: Party, where: str) -> Address:
    if not party.email:
        raise BadInput(f"{where}.email: a referral e-mail needs an address for {party.name!r}")
    try:
        return Address(display_name=party.name, addr_spec=party.email)
    except (ValueError, IndexError) as exc:  # email's parser raises both
        raise BadInput(f"{where}.email: {party.email!r} is not an e-mail address") from exc


def _moment(dossier: Dossier) -> datetime:
    return datetime.combine(dossier.date, time(0, 0), tzinfo=UTC)


def _safe_name(reference: str) -> str:
    return _FILENAME_UNSAFE.sub("_", reference).strip("_") or "dossier"


def render_eml(dossier: Dossier) -> bytes:
    """The referral as an RFC 5322 message with the annex CSV attached."""
    if dossier.kind != "provider_referral":
        raise BadInput(
            f"dossier.kind: an e-mail referral is for provider_referral, not {dossier.kind}"
        )
    record = to_view(dossier)
    view = record["view"]
    body, labels = view["body"], view["labels"]
    sender = _address(dossier.sender, "sender")
    recipient = _address(dossier.addressee, "addressee")
    lines = [body["salutation"], "", body["body"], "", body["not_an_order"], ""]
    lines += [f"{item['number']}. {item['url']}" for item in record["items"]]
    lines += ["", body["attachment"]]
    if view["priority_text"]:
        lines += ["", view["priority_text"]]
    lines += [
        "",
        view["note"]["contact"],
        "",
        body["closing"],
        dossier.sender.name,
        f"{labels['reference']} {dossier.reference}",
    ]
    text = "\n".join(lines) + "\n"
    attachment = render_csv(dossier)

    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = body["subject"]
    message["Date"] = format_datetime(_moment(dossier))
    digest = hashlib.sha256(text.encode() + attachment).hexdigest()
    # Deterministic identifiers: the same dossier gives the same bytes.
    message["Message-ID"] = f"<{digest[:32]}.{dossier.version}@{sender.domain}>"
    message["X-Comity-Reference"] = dossier.reference
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_attachment(
        attachment, maintype="text", subtype="csv", filename=f"{_safe_name(dossier.reference)}.csv"
    )
    # The boundary hashes the content, so no URL in the content can contain it.
    message.set_boundary(f"comity-{digest[32:]}")
    return message.as_bytes()


def render_xarf(dossier: Dossier) -> bytes:
    """One X-ARF-style report per item, as a JSON array.

    Field names follow the X-ARF v0.2 report part (http://x-arf.org/specification.html,
    "Reported-From", "Category", "Report-Type", "Service", "Version",
    "User-Agent", "Date", "Source", "Source-Type", "Port", "Report-ID",
    "Attachment"); the "X-Comity-*" fields are our extensions, which X-ARF
    allows as additional keys.
    """
    if dossier.kind != "provider_referral":
        raise BadInput(
            f"dossier.kind: an X-ARF report is for provider_referral, not {dossier.kind}"
        )
    record = to_record(dossier)
    sender = _address(dossier.sender, "sender")
    reports: list[dict[str, Any]] = []
    for item in record["items"]:
        reports.append(
            {
                "Reported-From": sender.addr_spec,
                "Category": "abuse",
                "Report-Type": "illegal-content",
                "Service": "http",
                "Version": "0.2",
                "User-Agent": "Comity",
                "Date": format_datetime(_moment(dossier)),
                "Source": item["url"],
                "Source-Type": "uri",
                "Port": 443 if item["url"].lower().startswith("https:") else 80,
                "Report-ID": f"{dossier.reference}/{item['number']}",
                "Attachment": "text/csv",
                "X-Comity-Captured": item["captured_at"],
                "X-Comity-Evidence-SHA256": item["evidence_sha256"],
                "X-Comity-Hosting-IP": item["hosting"]["ip"],
                "X-Comity-ToS-Category": item["tos_category"],
                "X-Comity-Conduct": item["conduct"],
            }
        )
    return (json.dumps(reports, ensure_ascii=False, indent=2) + "\n").encode()
