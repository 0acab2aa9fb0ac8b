"""STIX 2.1 bundles (the `stix2` package): URLs, files' hashes, organisations, cases.

Per exported item: a `url` observable; per captured object a `file` observable
with its SHA-256, MD5 and TLSH, and per PDQ an `indicator` whose pattern is
`[file:hashes.PDQ = '…']` (PDQ is not in STIX's hash-algorithm vocabulary, and
a custom hash name in `file.hashes` is custom content, which this module never
writes: every object parses with `allow_custom=False`). Each file or indicator
is `related-to` its URL by a relationship that carries the metadata: labels
`conduct:…` and `decision:…`, `start_time` the decision day, and an external
reference (`comity`, the item's reference). The organisation is a
`threat-actor` (type `terrorist`, external reference `comity-organisations`
with the register's id), `related-to` from the URL; each case is a `report`
listing its objects. Every object carries the export's TLP marking.

STIX's TLSH pattern is the 70 hex digits without py-tlsh's "T1" prefix: it is
taken off on export and put back on import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import stix2
from stix2.exceptions import STIXError

from comity.core.errors import BadInput
from comity.hashexchange.records import HashRecord, RowError, canonical, checked

__all__ = ["NO_CASE", "TLP", "read", "write"]

TLP = {
    "white": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
NO_CASE = "Comity: approved removal decisions outside any case"
_HASH_NAMES = {"sha256": "SHA-256", "md5": "MD5", "tlsh": "TLSH"}
_ALGORITHM = {name: algorithm for algorithm, name in _HASH_NAMES.items()}
_PDQ_PATTERN = re.compile(r"\[file:hashes\.(?:PDQ|'PDQ') = '([0-9a-fA-F]*)'\]")
_REFERENCE_SOURCE = "comity"
_ORG_SOURCE = "comity-organisations"


def _stix_value(record: HashRecord) -> str:
    return record.value[2:].lower() if record.algorithm == "tlsh" else record.value


def _day(value: str | None, fallback: datetime) -> datetime:
    return datetime.fromisoformat(f"{value}T00:00:00+00:00") if value else fallback


def _carriers(group: Sequence[HashRecord], marks: list[Any], now: datetime) -> list[Any]:
    """The file observable (exact hashes and TLSH) and one indicator per PDQ of one object."""
    found: list[Any] = []
    hashes = {_HASH_NAMES[r.algorithm]: _stix_value(r) for r in group if r.algorithm != "pdq"}
    if hashes:
        found.append(stix2.File(hashes=hashes, object_marking_refs=marks))
    for r in group:
        if r.algorithm == "pdq":
            found.append(
                stix2.Indicator(
                    name="PDQ hash of an image",
                    description="PDQ perceptual hash of an image at a URL a removal "
                    "request was approved for (match within a Hamming distance, e.g. 31).",
                    indicator_types=["malicious-activity"],
                    pattern=f"[file:hashes.PDQ = '{r.value}']",
                    pattern_type="stix",
                    valid_from=_day(r.decided_on, now),
                    object_marking_refs=marks,
                )
            )
    return found


def _meta_relationship(meta: HashRecord, carrier: Any, url: Any, marks: list[Any]) -> Any:
    labels = [f"{k}:{v}" for k, v in (("conduct", meta.conduct), ("decision", meta.decision)) if v]
    extra: dict[str, Any] = {"labels": labels} if labels else {}
    if meta.decided_on:
        extra["start_time"] = datetime.fromisoformat(f"{meta.decided_on}T00:00:00+00:00")
    if meta.reference:
        extra["external_references"] = [
            {"source_name": _REFERENCE_SOURCE, "external_id": meta.reference}
        ]
    return stix2.Relationship(
        carrier,
        "related-to",
        url,
        description=f"hash of content at this URL; decision {meta.decision or 'unknown'}",
        object_marking_refs=marks,
        **extra,
    )


def _actor(meta: HashRecord, marks: list[Any]) -> Any:
    assert meta.organisation is not None
    return stix2.ThreatActor(
        name=meta.organisation_name or meta.organisation,
        description="organisation whose content this is (Comity's organisations register)",
        threat_actor_types=["terrorist"],
        external_references=[{"source_name": _ORG_SOURCE, "external_id": meta.organisation}],
        object_marking_refs=marks,
    )


def write(objects: Iterable[Sequence[HashRecord]], *, tlp: str, now: datetime) -> str:
    """A bundle of `objects` (each: the hashes of one captured object, with its metadata)."""
    if tlp not in TLP:
        raise BadInput(f"--tlp: '{tlp}' is not one of {', '.join(TLP)}")
    marking = TLP[tlp]
    marks = [marking]
    urls: dict[str, Any] = {}
    actors: dict[str, Any] = {}
    links: dict[tuple[str, str], Any] = {}
    reports: dict[str, list[Any]] = {}
    body: list[Any] = []
    for group in objects:
        meta = group[0]
        url = urls.get(meta.url or "")
        if url is None and meta.url:
            url = urls[meta.url] = stix2.URL(value=meta.url, object_marking_refs=marks)
            body.append(url)
        listed = reports.setdefault(meta.case_name or NO_CASE, [])
        if url is not None and meta.organisation:
            actor = actors.get(meta.organisation)
            if actor is None:
                actor = actors[meta.organisation] = _actor(meta, marks)
                body.append(actor)
            if (url.id, actor.id) not in links:
                links[url.id, actor.id] = stix2.Relationship(
                    url, "related-to", actor, object_marking_refs=marks
                )
                body.append(links[url.id, actor.id])
                listed += [actor, links[url.id, actor.id]]
        listed += [url] if url is not None else []
        for carrier in _carriers(group, marks, now):
            body.append(carrier)
            listed.append(carrier)
            if url is not None:
                relationship = _meta_relationship(meta, carrier, url, marks)
                body.append(relationship)
                listed.append(relationship)
    for name, refs in sorted(reports.items()):
        unique = list({obj.id: obj for obj in refs}.values())
        body.append(
            stix2.Report(
                name=name,
                description="Hashes of content Comity approved a removal request for.",
                published=now,
                report_types=["threat-report"],
                object_refs=unique,
                object_marking_refs=marks,
            )
        )
    bundle = stix2.Bundle(*body, marking, allow_custom=False)
    return str(bundle.serialize(pretty=True)) + "\n"


def _parsed(text: str) -> list[Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"not JSON: {str(exc)[:200]}") from None
    if not isinstance(document, dict) or document.get("type") != "bundle":
        raise BadInput("not a STIX bundle: the top level must be an object of type 'bundle'")
    raw = document.get("objects", [])
    if not isinstance(raw, list):
        raise RowError(0, "objects", "must be a list", unit="bundle")
    objects = []
    for number, obj in enumerate(raw, start=1):
        try:
            objects.append(stix2.parse(obj, allow_custom=False, version="2.1"))
        except (STIXError, ValueError, TypeError, KeyError) as exc:
            ident = obj.get("id", "?") if isinstance(obj, dict) else "?"
            raise RowError(
                number, "object", f"{str(ident)[:80]}: {str(exc)[:300]}", unit="object"
            ) from None
    return objects


def _hashes(number: int, obj: Any) -> list[tuple[str, str]]:
    """(algorithm, canonical value) carried by a file observable or a PDQ indicator."""
    if obj.type == "file":
        return [
            (
                _ALGORITHM[name],
                canonical(_ALGORITHM[name], value, row=number, field=f"hashes.{name}"),
            )
            for name, value in obj.get("hashes", {}).items()
            if name in _ALGORITHM
        ]
    found = _PDQ_PATTERN.fullmatch(obj.pattern.strip()) if obj.type == "indicator" else None
    if found is None:
        return []
    return [("pdq", canonical("pdq", found.group(1), row=number, field="pattern"))]


def _label(labels: Sequence[str], key: str) -> str | None:
    for label in labels:
        name, _, value = label.partition(":")
        if name == key and value:
            return value
    return None


def read(text: str) -> tuple[list[HashRecord], list[str]]:
    """The records, and the types of objects that carried nothing Comity reads."""
    objects = _parsed(text)
    by_id = {obj.id: obj for obj in objects}
    meta_of: dict[str, list[Any]] = {}
    actor_of: dict[str, Any] = {}
    case_of: dict[str, str] = {}
    for obj in objects:
        if obj.type == "relationship" and obj.target_ref.startswith("url--"):
            meta_of.setdefault(obj.source_ref, []).append(obj)
        if obj.type == "relationship" and obj.target_ref.startswith("threat-actor--"):
            actor_of[obj.source_ref] = by_id.get(obj.target_ref)
        if obj.type == "report" and obj.name != NO_CASE:
            for ref in obj.object_refs:
                case_of.setdefault(ref, obj.name)
    found: list[HashRecord] = []
    ignored: set[str] = set()
    for number, obj in enumerate(objects, start=1):
        try:
            records = _records(number, obj, meta_of, by_id, actor_of, case_of.get(obj.id))
        except RowError as exc:  # a bundle's rows are its objects
            raise RowError(number, exc.field or "", exc.detail, unit="object") from None
        if not records:
            ignored.add(obj.type)
        found += records
    return found, sorted(
        ignored - {"relationship", "report", "threat-actor", "url", "marking-definition"}
    )


def _records(
    number: int,
    obj: Any,
    meta_of: dict[str, list[Any]],
    by_id: dict[str, Any],
    actor_of: dict[str, Any],
    case: str | None,
) -> list[HashRecord]:
    pairs = _hashes(number, obj) if obj.type in ("file", "indicator") else []
    found = []
    for relationship in meta_of.get(obj.id, []) if pairs else []:
        meta = _meta(relationship, by_id, actor_of, case)
        found += [checked(HashRecord(algorithm=a, value=v, **meta), row=number) for a, v in pairs]
    if pairs and not found:  # no relationship: the hashes alone
        found = [HashRecord(algorithm=a, value=v, case_name=case) for a, v in pairs]
    return found


def _meta(
    relationship: Any, by_id: dict[str, Any], actor_of: dict[str, Any], case: str | None
) -> dict[str, Any]:
    url = by_id.get(relationship.target_ref)
    actor = actor_of.get(relationship.target_ref)
    labels = relationship.get("labels", [])
    references = [
        r.get("external_id")
        for r in relationship.get("external_references", [])
        if r.get("source_name") == _REFERENCE_SOURCE
    ]
    org_refs = [
        r.get("external_id")
        for r in (actor.get("external_references", []) if actor is not None else [])
        if r.get("source_name") == _ORG_SOURCE
    ]
    start = relationship.get("start_time")
    return {
        "reference": references[0] if references and references[0] else "",
        "url": url.value if url is not None else None,
        "conduct": _label(labels, "conduct"),
        "decision": _label(labels, "decision"),
        "decided_on": start.date().isoformat() if start else None,
        "organisation": org_refs[0] if org_refs else (actor.name if actor is not None else None),
        "organisation_name": actor.name if actor is not None else None,
        "case_name": case,
    }
