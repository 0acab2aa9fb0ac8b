"""X-ARF reports validated with jsonschema against the XARF v4 schemas.

The schemas are read at test time from the shared copy of the public
xarf/xarf-spec repository (MIT); the product itself never reads them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from tests.dossiers.xarf_spec import (
    OURS,
    SPEC,
    load,
    master_validator,
    stock_master_validator,
    validator,
)

from comity.dossiers.render import render_xarf
from comity.dossiers.render.xarf import XARF_CATEGORY, XARF_TYPE
from comity.dossiers.schemas import Dossier
from conftest import build_dossier

pytestmark = pytest.mark.skipif(not SPEC.is_dir(), reason=f"XARF schemas not found at {SPEC}")
_schema = load
_validator = validator


def _referral(**changes: Any) -> Dossier:
    return build_dossier(
        kind="provider_referral",
        urls=["https://host.example/a?b=1&c=<d>", "http://forum.example:8080/t/22"],
        issued_at=datetime(2024, 5, 15, 10, 42, 17, tzinfo=UTC),
        **changes,
    )


def _reports() -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = json.loads(render_xarf(_referral()))
    return reports


@pytest.mark.parametrize(
    "schema",
    [SPEC / "xarf-core.json", SPEC / "types" / "content-base.json", OURS],
    ids=["xarf-core", "content-base", "content-terrorist_content"],
)
def test_every_report_is_valid_against_the_xarf_v4_schemas(schema: Path) -> None:
    validator = _validator(_schema(schema))
    for report in _reports():
        errors = [e.message for e in validator.iter_errors(report)]
        assert errors == [], errors


def test_every_report_is_valid_against_the_master_schema_with_our_type_registered() -> None:
    # The specification's "Adding New Types": a type schema and its reference in
    # the master schema. With that one reference added, every report passes the
    # master's routing and its type-specific validation.
    reports = _reports()
    errors = [e.message for r in reports for e in master_validator().iter_errors(r)]
    assert errors == [], errors


def test_the_published_master_schema_rejects_only_the_type_it_does_not_list() -> None:
    # A parser that knows only the listed types refuses the report rather than
    # filing it as phishing or fraud; nothing else in the report is at fault.
    for report in _reports():
        errors = list(stock_master_validator().iter_errors(report))
        assert errors and all(e.validator == "anyOf" for e in errors), errors


def test_every_category_and_type_we_emit_is_the_content_category_extension() -> None:
    reports = _reports()
    assert {(r["category"], r["type"]) for r in reports} == {(XARF_CATEGORY, XARF_TYPE)}
    core = _schema(SPEC / "xarf-core.json")
    assert XARF_CATEGORY in core["properties"]["category"]["enum"]


def test_one_report_per_url_with_its_own_id_source_and_port() -> None:
    dossier = _referral()
    reports = _reports()
    assert [r["url"] for r in reports] == [i.url for i in dossier.items]
    assert [r["source_identifier"] for r in reports] == ["host.example", "forum.example"]
    assert [r["source_port"] for r in reports] == [443, 8080]
    assert len({r["report_id"] for r in reports}) == 2
    captured = dossier.items[0].captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert reports[0]["timestamp"] == reports[0]["verified_at"] == captured
    assert reports[0]["asn"] == 24940 and reports[0]["country_code"] == "DE"


def test_evidence_is_a_hash_record_and_never_the_captured_content() -> None:
    dossier = _referral()
    for report, item in zip(_reports(), dossier.items, strict=True):
        (evidence,) = report["evidence"]
        data = base64.b64decode(evidence["payload"], validate=True)
        assert evidence["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert evidence["size"] == len(data)
        record = json.loads(data)
        assert record["sha256"] == item.evidence_sha256
        assert record["captured_at"] == item.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert record["url"] == item.url
        assert record["reference"].startswith(dossier.reference + "/")


def test_the_same_referral_gives_the_same_reports() -> None:
    assert render_xarf(_referral()) == render_xarf(_referral())


@pytest.mark.parametrize("missing", ["report_id", "reporter", "url", "category"])
def test_a_report_missing_a_required_field_fails_validation(missing: str) -> None:
    report = dict(_reports()[0])
    del report[missing]
    with pytest.raises(ValidationError):
        _validator(_schema(OURS)).validate(report)


def test_a_report_with_a_malformed_reporter_address_fails_validation() -> None:
    report = dict(_reports()[0])
    report["reporter"] = {**report["reporter"], "contact": "not an address"}
    with pytest.raises(ValidationError):
        _validator(_schema(SPEC / "xarf-core.json")).validate(report)
