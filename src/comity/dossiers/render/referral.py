"""Provider referrals: an RFC 5322 e-mail (.eml) with the annex CSV attached.

A referral asks a provider's trust-and-safety team to apply its own terms of
service; it says so in the text, names the category and lists the URLs, with
the annex as a CSV attachment.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.dossiers.render._view import to_view
from comity.dossiers.render.machine import render_csv
from comity.dossiers.schemas import Dossier, Party

__all__ = ["render_eml"]

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _address(party: Party, where: str) -> Address:
    if not party.email:
        raise BadInput(f"{where}.email: a referral e-mail needs an address for {party.name!r}")
    try:
        return Address(display_name=party.name, addr_spec=party.email)
    except (ValueError, IndexError) as exc:  # email's parser raises both
        raise BadInput(f"{where}.email: {party.email!r} is not an e-mail address") from exc


def _moment(dossier: Dossier) -> datetime:
    """The real moment of issue (RFC 5322 3.3 date-time), never a midnight."""
    if dossier.issued_at is None:
        raise BadInput("dossier.issued_at: an e-mail is dated with the moment it is issued")
    return dossier.issued_at.astimezone(UTC)


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
    # RFC 5322 3.6.4: unique id-left (content digest, reference, version and
    # moment of issue) at a domain we control; the same dossier, same bytes.
    domain = get_settings().mail_domain or sender.domain
    unique = hashlib.sha256(
        f"{digest}\x00{dossier.reference}\x00{dossier.version}\x00{message['Date']}".encode()
    ).hexdigest()
    message["Message-ID"] = f"<{unique[:32]}.{dossier.version}@{domain}>"
    message["X-Comity-Reference"] = dossier.reference
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_attachment(
        attachment, maintype="text", subtype="csv", filename=f"{_safe_name(dossier.reference)}.csv"
    )
    # The boundary hashes the content, so no URL in the content can contain it.
    message.set_boundary(f"comity-{digest[32:]}")
    return message.as_bytes()
