"""X-ARF (XARF v4) reports for a provider referral: one report per URL.

XARF v4 (https://xarf.org, schemas `xarf-core.json` and `types/content-base.json`,
MIT) wants "one incident = one report" (specification, "Design Principles"),
so each item of the referral is one report; the file is a JSON array of them.

Category and type. XARF v4 has no type for terrorist content. The content
category ("malicious or abusive web content", takedown by the hosting provider)
is the right category: its base schema needs only `url`. None of its nine
types fits: `fraud`, `phishing`, `malware`... would misroute the report into a
queue that applies other rules, and `csam`/`csem` would be false. The
specification is built for new types ("Extensible: add new types without
breaking existing parsers"; `additionalProperties: true`), so the report says
`type: terrorist_content`, the term of Regulation (EU) 2021/784 art. 2(7), and
`data/xarf-content-terrorist_content.json` defines that type the way the
specification's own type schemas extend `content-base.json`. A parser that only
knows the nine listed types (the spec's `xarf-v4-master.json` routing) rejects
the type rather than filing it wrongly.

Evidence. Like the specification's rule for `csam` ("do not attach visual
content - use hash values and reference IDs instead"), the captured bytes are
never attached: sending terrorist content would disseminate it. The one
evidence item is a small JSON record (capture time, SHA-256 of the preserved
copy, who holds it, the referral reference), base64 as `payload` requires,
with its own hash and size.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from comity.core.errors import BadInput
from comity.dossiers.render._view import to_record
from comity.dossiers.schemas import Dossier, Party

__all__ = ["XARF_CATEGORY", "XARF_TYPE", "XARF_VERSION", "render_xarf"]

XARF_VERSION = "4.2.0"  # the version of the schemas we validate against (xarf-spec 37820da)
XARF_CATEGORY = "content"
XARF_TYPE = "terrorist_content"
# content-base.json "domain" pattern and xarf-core.json tag pattern.
_DOMAIN = re.compile(r"([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}")
_TAG_UNSAFE = re.compile(r"[^a-z0-9_+-]+")
# A fixed namespace so that the same referral item always gets the same id.
_NAMESPACE = uuid.UUID("9b3c1f7e-6a52-4c1d-8e0a-2f6b7d9c4a10")


def _contact(party: Party, where: str) -> dict[str, str]:
    """xarf-core.json `contact_info`: org (<= 200), contact e-mail, domain."""
    if not party.email or "@" not in party.email:
        raise BadInput(f"{where}.email: an X-ARF report needs the reporter's e-mail address")
    domain = party.email.rsplit("@", 1)[1].strip().lower()
    if not domain:
        raise BadInput(f"{where}.email: {party.email!r} has no domain")
    return {"org": party.name[:200], "contact": party.email, "domain": domain}


def _report_id(dossier: Dossier, number: int) -> str:
    """A UUID (version 4 layout, as xarf-core.json asks) derived from reference and item."""
    seed = uuid.uuid5(_NAMESPACE, f"{dossier.reference}\x00{dossier.version}\x00{number}")
    return str(uuid.UUID(bytes=seed.bytes, version=4))


def _tag(namespace: str, value: str) -> str | None:
    slug = _TAG_UNSAFE.sub("-", value.lower()).strip("-_+")
    return f"{namespace}:{slug}" if slug else None


def _evidence(dossier: Dossier, item: dict[str, Any]) -> dict[str, Any]:
    record = {
        "url": item["url"],
        "captured_at": item["captured_at"],
        "sha256": item["evidence_sha256"],
        "held_by": dossier.sender.name,
        "reference": f"{dossier.reference}/{item['number']}",
    }
    data = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    return {
        "content_type": "application/json",
        "description": (
            "Evidence record: capture time and SHA-256 digest of the copy preserved by the "
            "reporter, available on request; the captured content is not attached."
        ),
        "payload": base64.b64encode(data).decode("ascii"),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def _report(dossier: Dossier, item: dict[str, Any], contact: dict[str, str]) -> dict[str, Any]:
    parts = urlsplit(item["url"])
    host = (parts.hostname or "").rstrip(".")
    with contextlib.suppress(UnicodeError):  # kept as written: the URL is the identifier
        host = host.encode("idna").decode("ascii") if host else host
    if not host:
        raise BadInput(f"item {item['number']}: {item['url'][:80]!r} has no host name")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise BadInput(f"item {item['number']}: {item['url'][:80]!r}: {exc}") from exc
    hosting = item["hosting"]
    description = (
        f"Terrorist content referred for review under the provider's terms of service "
        f"({item['tos_category']}); referral {dossier.reference}, item {item['number']}. "
        "Not a legal order."
    )
    report: dict[str, Any] = {
        "xarf_version": XARF_VERSION,
        "report_id": _report_id(dossier, item["number"]),
        "timestamp": item["captured_at"],
        "reporter": contact,
        "sender": contact,
        "source_identifier": host,
        "source_port": port,
        "category": XARF_CATEGORY,
        "type": XARF_TYPE,
        "evidence_source": "researcher_analysis",
        "url": item["url"],
        "verified_at": item["captured_at"],
        "verification_method": "manual",
        "hosting_provider": hosting["provider"],
        "country_code": hosting["country"],
        "dns_records": {"aaaa" if ":" in hosting["ip"] else "a": [hosting["ip"]]},
        "terms_of_service_category": item["tos_category"],
        "description": description[:1000],
        "evidence": [_evidence(dossier, item)],
        "tags": [t for t in (_tag("conduct", item["conduct"]),) if t],
    }
    if _DOMAIN.fullmatch(host):
        report["domain"] = host
    if hosting["asn"]:
        report["asn"] = hosting["asn"]
    return report


def render_xarf(dossier: Dossier) -> bytes:
    """One XARF v4 report per item of a provider referral, as a JSON array."""
    if dossier.kind != "provider_referral":
        raise BadInput(
            f"dossier.kind: an X-ARF report is for provider_referral, not {dossier.kind}"
        )
    contact = _contact(dossier.sender, "sender")
    reports = [_report(dossier, item, contact) for item in to_record(dossier)["items"]]
    return (json.dumps(reports, ensure_ascii=False, indent=2) + "\n").encode()
