"""The STIX export is valid STIX 2.1: parsed strictly, then checked against the specification.

Two independent checks. `stix2.parse(..., allow_custom=False)` rebuilds every
object with the library's property checks (types, required properties, hash
formats, timestamps) and refuses any custom property, object or hash name.
Then `_spec_errors` checks by hand what the STIX 2.1 specification (OASIS
Committee Specification 2021-06-10) requires of a bundle beyond one object's
properties, without using the library: identifiers are `type--UUID`, unique,
and for the observables (url, file) the UUIDv5 the specification derives from
their contributing properties (section 2.9); every `*_ref`/`*_refs` names an
object of the bundle; every object carries the TLP marking; the vocabularies
used are the specification's (threat-actor-type-ov, report-type-ov,
indicator-type-ov, pattern-type-ov; `related-to` is allowed between any two
objects, section 4.2). The OASIS stix2-validator was tried first: its wheel
ships no JSON schemas (a git submodule) and its dependencies switch on
jsonschema's format checks for the whole test suite, so it was left out.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import stix2
from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.core.errors import BadInput
from comity.hashexchange import service
from tests.evidence.servers import WebServer

_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1 section 2.9
_HASH_ORDER = ("MD5", "SHA-1", "SHA-256", "SHA-512")  # one hash contributes to a file's id
_ID = re.compile(r"([a-z0-9-]+)--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_VOCABULARIES = {
    "threat_actor_types": {
        "activist", "competitor", "crime-syndicate", "criminal", "hacker",
        "insider-accidental", "insider-disgruntled", "nation-state", "sensationalist",
        "spy", "terrorist", "unknown",
    },
    "report_types": {
        "attack-pattern", "campaign", "identity", "indicator", "intrusion-set", "malware",
        "observed-data", "threat-actor", "threat-report", "tool", "vulnerability",
    },
    "indicator_types": {
        "anomalous-activity", "anonymization", "benign", "compromised", "malicious-activity",
        "attribution", "unknown",
    },
}  # fmt: skip
_PATTERN_TYPES = {"stix", "pcre", "sigma", "snort", "suricata", "yara"}


def _export(engine: Engine, **kwargs: Any) -> dict[str, Any]:
    with session_scope(engine) as session:
        text, _ = service.export_hashes(session=session, fmt="stix", actor="leo", **kwargs)
    found: dict[str, Any] = json.loads(text)
    return found


def _sco_id(obj: dict[str, Any]) -> str:
    if obj["type"] == "url":
        contributing: dict[str, Any] = {"value": obj["value"]}
    else:
        name = next(h for h in (*_HASH_ORDER, *sorted(obj["hashes"])) if h in obj["hashes"])
        contributing = {"hashes": {name: obj["hashes"][name]}}
    canonical = json.dumps(contributing, sort_keys=True, separators=(",", ":"))
    return f"{obj['type']}--{uuid.uuid5(_SCO_NAMESPACE, canonical)}"


def _refs(obj: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key, value in obj.items():
        if key.endswith("_ref"):
            found.append(value)
        elif key.endswith("_refs"):
            found += value
    return found


def _spec_errors(bundle: dict[str, Any], marking: str) -> list[str]:
    errors: list[str] = []
    objects = bundle["objects"]
    ids = [o["id"] for o in objects]
    if len(ids) != len(set(ids)):
        errors.append("duplicate ids")
    for obj in objects:
        ident = obj["id"]
        shape = _ID.fullmatch(ident)
        if shape is None or shape.group(1) != obj["type"]:
            errors.append(f"{ident}: not {obj['type']}--UUID")
        if obj.get("spec_version") != "2.1":
            errors.append(f"{ident}: spec_version is not 2.1")
        if obj["type"] in ("url", "file") and ident != _sco_id(obj):
            errors.append(f"{ident}: not the UUIDv5 of its contributing properties")
        errors += [f"{ident}: {ref} is not in the bundle" for ref in _refs(obj) if ref not in ids]
        if obj["type"] != "marking-definition" and obj.get("object_marking_refs") != [marking]:
            errors.append(f"{ident}: not marked {marking}")
        for key, allowed in _VOCABULARIES.items():
            errors += [f"{ident}: {key} {v}" for v in obj.get(key, []) if v not in allowed]
        if obj["type"] == "indicator" and obj["pattern_type"] not in _PATTERN_TYPES:
            errors.append(f"{ident}: pattern_type {obj['pattern_type']}")
        if obj["type"] == "relationship" and obj["relationship_type"] != "related-to":
            errors.append(f"{ident}: relationship_type {obj['relationship_type']}")
        if obj.get("modified", obj.get("created", "")) < obj.get("created", ""):
            errors.append(f"{ident}: modified before created")
    return errors


def test_the_stix_export_parses_strictly_and_meets_the_specification(
    engine: Engine, approved_site: tuple[WebServer, list[int]]
) -> None:
    bundle = _export(engine)
    parsed = stix2.parse(json.dumps(bundle), allow_custom=False)
    types = sorted({obj.type for obj in parsed.objects})
    assert types == [
        "file",
        "indicator",
        "marking-definition",
        "relationship",
        "report",
        "threat-actor",
        "url",
    ]
    assert _spec_errors(bundle, stix2.TLP_AMBER.id) == []
    [actor] = [o for o in bundle["objects"] if o["type"] == "threat-actor"]
    assert actor["threat_actor_types"] == ["terrorist"]
    # No content travels: no artifact (payload) objects, no bodies.
    assert "artifact" not in types and "payload_bin" not in json.dumps(bundle)


def test_a_broken_bundle_fails_the_specification_checks(
    engine: Engine, approved_site: tuple[WebServer, list[int]]
) -> None:
    """The checks can fail: a dangling reference, a type outside the vocabulary, an
    observable whose id is not derived from its value, a missing marking."""
    bundle = _export(engine)
    link = next(o for o in bundle["objects"] if o["type"] == "relationship")
    link["target_ref"] = "url--00000000-0000-5000-8000-000000000000"
    actor = next(o for o in bundle["objects"] if o["type"] == "threat-actor")
    actor["threat_actor_types"] = ["space-pirate"]
    url = next(o for o in bundle["objects"] if o["type"] == "url")
    url["value"] += "x"
    del next(o for o in bundle["objects"] if o["type"] == "file")["object_marking_refs"]
    errors = " | ".join(_spec_errors(bundle, stix2.TLP_AMBER.id))
    assert "url--00000000-0000-5000-8000-000000000000 is not in the bundle" in errors
    assert "threat_actor_types space-pirate" in errors
    assert f"{url['id']}: not the UUIDv5" in errors
    assert "not marked" in errors


@pytest.mark.parametrize(("tlp", "name"), [("green", "TLP_GREEN"), ("red", "TLP_RED")])
def test_the_tlp_marking_is_configurable(
    engine: Engine, approved_site: tuple[WebServer, list[int]], tlp: str, name: str
) -> None:
    bundle = _export(engine, tlp=tlp)
    assert _spec_errors(bundle, getattr(stix2, name).id) == []
    with pytest.raises(BadInput, match="--tlp: 'clear'"):
        _export(engine, tlp="clear")
