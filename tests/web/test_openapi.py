"""The OpenAPI document is complete and well formed (issue 20): every schema named and
a valid JSON Schema (2020-12, what OpenAPI 3.1 uses), every reference resolves, every
API operation has a summary, a unique id, a named answer schema, the error answers as
problem details, Idempotency-Key on POST and If-Match where the route reads it.

openapi-spec-validator is not in the lock, so the structure is checked here."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from jsonschema import Draft202012Validator

from tests.web.conftest import TestClient

NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_document_is_served_and_every_reference_resolves(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    for ref in _refs(doc):
        assert _resolve(doc, ref) is not None, ref


def test_every_schema_is_named_valid_and_has_an_example(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert {"Problem", "Item", "Proposal", "Dossier", "ItemPage"} <= set(schemas)
    for name, schema in schemas.items():
        assert NAME.match(name), name
        Draft202012Validator.check_schema(schema)
        if schema.get("type") == "object":
            assert schema.get("examples"), name
    problem = schemas["Problem"]
    for example in problem["examples"]:
        assert not list(Draft202012Validator(problem).iter_errors(example))


def test_every_api_operation_documents_its_answers_errors_and_headers(app: FastAPI) -> None:
    doc = app.openapi()
    ids: set[str] = set()
    operations = 0
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in item.items():
            operations += 1
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op["operationId"] not in ids, where
            ids.add(op["operationId"])
            declared = {p["name"] for p in op.get("parameters", []) if "name" in p}
            for name in re.findall(r"\{(\w+)(?::\w+)?\}", path):
                assert name in declared, (where, name)
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok, where
            for code in ok:
                for media, content in op["responses"][code].get("content", {}).items():
                    schema = content["schema"]
                    assert "$ref" in schema or schema.get("title"), (where, media)
            for code in ("400", "401", "403", "404", "422", "429"):
                content = op["responses"][code]["content"]
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }, (where, code)
            refs = [p.get("$ref") for p in op.get("parameters", [])]
            if method == "post":
                assert "#/components/parameters/IdempotencyKey" in refs, where
    assert operations >= 60
    decide = doc["paths"]["/api/v1/proposals/{proposal_id}/decision"]["post"]
    assert "412" in decide["responses"]
    assert "#/components/parameters/IfMatch" in [p.get("$ref") for p in decide["parameters"]]
    one = doc["paths"]["/api/v1/proposals/{proposal_id}"]["get"]["responses"]["200"]
    assert "ETag" in one["headers"]
