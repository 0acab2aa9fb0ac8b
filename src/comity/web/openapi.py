"""The OpenAPI document, completed: named schemas, examples, and the conventions.

FastAPI describes bodies and parameters from the code; what it cannot see is added
here, for every /api/v1 operation whichever router declares it (the complaint
routes included):

- every error answer (400, 401, 403, 404, 409, 413, 429; 412 where If-Match is
  read; 422 for a body or parameter that fails validation) as
  `application/problem+json` with the named `Problem` schema (RFC 9457);
- the `Idempotency-Key` header on every POST, `If-Match` where the route checks it,
  `ETag` on the answer of a GET of one object, the RateLimit fields on every answer;
- a named schema for every answer: the main objects by name (`Item`, `Proposal`,
  `Dossier`...), lists as `...Page` with `next_cursor`, files as binary, and
  `JsonObject` for the rest; form bodies get a readable name instead of FastAPI's
  `Body_<function>_<path>`.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

__all__ = ["complete_openapi", "install"]

_PROBLEM = {
    "type": "object",
    "title": "Problem",
    "description": "Problem details (RFC 9457); `field` names the request field at fault.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "error": {"type": "string", "description": "the same as detail (older clients)"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "detail": {"type": "string"},
                    "in": {"type": "string"},
                },
            },
        },
    },
    "examples": [
        {
            "type": "urn:comity:problem:stale-object",
            "title": "Precondition Failed",
            "status": 412,
            "detail": "proposal 7 changed since you read it; read it again",
            "instance": "/api/v1/proposals/7/decision",
            "field": "If-Match",
            "error": "proposal 7 changed since you read it; read it again",
        }
    ],
}

_ERRORS = {
    "400": "Bad input (the field is named)",
    "401": "No valid token or session",
    "403": "The role or the token's scope does not allow it",
    "404": "No such object",
    "409": "Refused by the rules (state, four eyes, safeguards)",
    "422": "A body or parameter that fails validation, or an Idempotency-Key reused",
    "429": "Past the rate limit: retry after Retry-After seconds",
}


def _object(title: str, required: list[str], example: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "required": required,
        "additionalProperties": True,
        "properties": {k: {} for k in required},
        "examples": [example],
    }


def _page(title: str, key: str, item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "required": [key, "next_cursor"],
        "properties": {
            key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "pass as ?cursor= for the next page; null on the last",
            },
        },
    }


_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": _PROBLEM,
    "JsonObject": {"type": "object", "title": "JsonObject", "additionalProperties": True},
    "Item": _object(
        "Item",
        ["id", "url", "state", "priority"],
        {
            "id": 42,
            "url": "http://blog.example/post-1",
            "state": "reported",
            "priority": "standard",
        },
    ),
    "Proposal": _object(
        "Proposal",
        ["id", "item_id", "host", "channel", "state"],
        {"id": 7, "item_id": 42, "host": "DE", "channel": "provider_referral", "state": "proposed"},
    ),
    "Dossier": _object(
        "Dossier",
        ["id", "state", "kind", "channel", "items"],
        {
            "id": 3,
            "state": "issued",
            "kind": "referral",
            "channel": "provider_referral",
            "items": [],
        },
    ),
    "Dispatch": _object(
        "Dispatch", ["dossier", "items"], {"dossier": "KZ-CTC/2026/0003", "items": []}
    ),
    "User": _object(
        "User",
        ["id", "name", "role", "active"],
        {"id": 2, "name": "rita", "role": "legal_reviewer", "active": True},
    ),
    "Token": _object(
        "Token",
        ["id", "user", "name", "scopes"],
        {"id": 5, "user": "leo", "name": "case-system", "scopes": ["read"]},
    ),
    "Webhook": _object(
        "Webhook",
        ["id", "url", "events", "active"],
        {
            "id": 1,
            "url": "https://cases.centre.example/hooks",
            "events": ["dossier.issued"],
            "active": True,
        },
    ),
    "AuditEvent": _object(
        "AuditEvent",
        ["seq", "at", "actor", "action", "object_type", "object_id"],
        {
            "seq": 812,
            "at": "2026-12-06T01:00:00+00:00",
            "actor": "rita",
            "action": "proposal.approve",
            "object_type": "proposal",
            "object_id": "7",
        },
    ),
    "Organisation": _object(
        "Organisation", ["id", "name"], {"id": "abu-sayyaf-group", "name": "Abu Sayyaf Group (ASG)"}
    ),
    "Delivery": _object(
        "Delivery",
        ["id", "event_type", "state", "attempts"],
        {"id": 9, "event_type": "dossier.issued", "state": "delivered", "attempts": []},
    ),
}
for _name, _key, _item in (
    ("ItemPage", "items", "Item"),
    ("ProposalPage", "proposals", "Proposal"),
    ("DossierPage", "dossiers", "Dossier"),
    ("UserPage", "users", "User"),
    ("TokenPage", "tokens", "Token"),
    ("WebhookPage", "webhooks", "Webhook"),
    ("AuditEventPage", "events", "AuditEvent"),
    ("OrganisationPage", "organisations", "Organisation"),
    ("DeliveryPage", "deliveries", "Delivery"),
):
    _SCHEMAS[_name] = _page(_name, _key, _item)

# answer schema by path pattern (GET unless the method is given)
_ANSWERS: list[tuple[str, str | None, str]] = [
    (r"^/api/v1/items$", "get", "ItemPage"),
    (r"^/api/v1/items(/\{item_id\})?$", None, "Item"),
    (r"^/api/v1/proposals$", "get", "ProposalPage"),
    (
        r"^/api/v1/(proposals/\{proposal_id\}(/decision)?|items/\{item_id\}/proposals)$",
        None,
        "Proposal",
    ),
    (r"^/api/v1/dossiers$", "get", "DossierPage"),
    (r"^/api/v1/dossiers/\{dossier_id\}(/issue|/revise)?$", None, "Dossier"),
    (r"^/api/v1/dispatches(/.*)?$", None, "Dispatch"),
    (r"^/api/v1/users$", "get", "UserPage"),
    (r"^/api/v1/users(/\{name\})?$", None, "User"),
    (r"^/api/v1/tokens$", "get", "TokenPage"),
    (r"^/api/v1/webhooks$", "get", "WebhookPage"),
    (r"^/api/v1/webhooks(/\{webhook_id\}(/disable)?)?$", None, "Webhook"),
    (r"^/api/v1/webhooks/\{webhook_id\}/deliveries$", "get", "DeliveryPage"),
    (r"^/api/v1/audit/events$", "get", "AuditEventPage"),
    (r"^/api/v1/organisations$", "get", "OrganisationPage"),
    (r"^/api/v1/organisations/\{ident\}$", "get", "Organisation"),
]
_FILES = ("/files/", "/preview", "/evidence/", "/reports/")

_HEADERS = {
    "RateLimit": {
        "description": 'remaining requests r and seconds t to the reset: "default";r=99;t=42',
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'the quota q per window w seconds: "default";q=1200;w=60',
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": "the object's version; send it back as If-Match",
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}},
}
_PARAMETERS = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "a unique key per write (a UUID): a retry with it gets the first "
        "answer, never a second write; the same key with another body is 422",
        "schema": {"type": "string", "maxLength": 255},
        "example": "5f0c7a52-1b8e-4f57-9d3e-0c1a8f5f3b21",
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "the ETag read with GET: refused with 412 if the object changed since",
        "schema": {"type": "string"},
        "example": '"3f2a9c0d4b1e8a7f6c5d4e3f2a1b0c9d"',
    },
}


def _answer_schema(path: str, method: str) -> str:
    for pattern, only, name in _ANSWERS:
        if (only is None or only == method) and re.match(pattern, path):
            return name
    return "JsonObject"


def _if_match_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        if any(getattr(d.call, "comity_if_match", None) for d in route.dependant.dependencies):
            for method in context.methods or ():
                found.add((str(context.path), method.lower()))
    return found


def _name_operations(app: FastAPI, doc: dict[str, Any]) -> None:
    """Short operationIds: the route function's name (`propose`), not FastAPI's
    `propose_api_v1_items__item_id__proposals_post`. A generated client names its
    functions after them, so they are what an integrator types. Where two routes
    share a function name (`decide` for proposals and for complaints), the first
    path segment after /api/v1 qualifies each (`decide_proposals`)."""
    names: dict[tuple[str, str], str] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            # the document writes a path converter `{ref:path}` as `{ref}`
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", str(context.path))
            for method in context.methods or ():
                if path in doc["paths"] and method.lower() in doc["paths"][path]:
                    names[(path, method.lower())] = route.name
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            found = names.get((path, method))
            if found is None or "operationId" not in op:
                continue
            if counts[found] > 1:
                segment = path.removeprefix("/api/v1/").split("/", 1)[0].replace("-", "_")
                found = f"{found}_{segment}"
            op["operationId"] = found


def _problem_response(text: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _rename_bodies(doc: dict[str, Any]) -> None:
    """`Body_import_csv_api_v1_intake_import_post` -> `ImportCsvForm`; module-qualified
    names (two models of one name) -> the last part with its module's."""
    schemas = doc["components"]["schemas"]
    names: dict[str, str] = {}
    for old in list(schemas):
        new = old
        if old.startswith("Body_"):
            words = re.sub(r"_api_v1_.*$", "", old.removeprefix("Body_")).split("_")
            new = "".join(w.title() for w in words) + "Form"
        elif "__" in old:
            parts = old.split("__")
            new = parts[-2].title().replace("_", "") + parts[-1]
        if new != old:
            schemas[new] = schemas.pop(old)
            schemas[new]["title"] = new
            names[f"#/components/schemas/{old}"] = f"#/components/schemas/{new}"

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"] in names:
                node["$ref"] = names[node["$ref"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


_SAMPLES = {
    "date": "2026-12-06",
    "date-time": "2026-12-06T01:00:00Z",
    "uri": "https://example.org/",
}


def _example(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits `schema`, for a body whose model gives no example."""
    if depth > 4:
        return None
    if "examples" in schema:
        return schema["examples"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "$ref" in schema:
        return _example(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, depth + 1)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(options[0], schemas, depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        wanted = schema.get("required", list(props))
        return {k: _example(props[k], schemas, depth + 1) for k in wanted if k in props}
    if kind == "array":
        return [_example(schema.get("items", {}), schemas, depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        return _SAMPLES.get(schema.get("format", ""), "text")
    return None


def complete_openapi(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=[{"name": "v1", "description": "intake, items, the law"}],
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(deepcopy(_SCHEMAS))
    components["headers"] = deepcopy(_HEADERS)
    components["parameters"] = deepcopy(_PARAMETERS)
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (comity token create); its scopes limit what it may do",
    }
    doc["security"] = [{"bearer": []}]
    guarded = _if_match_routes(app)
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _complete_operation(path, method, op, (path, method) in guarded)
    _rename_bodies(doc)
    _name_operations(app, doc)
    for schema in schemas.values():
        if "examples" not in schema and schema.get("type") == "object":
            schema["examples"] = [
                _example({**schema, "required": list(schema.get("properties", {}))}, schemas)
            ]
    return doc


def _complete_operation(path: str, method: str, op: dict[str, Any], guarded: bool) -> None:
    responses = op.setdefault("responses", {})
    rate = {
        "RateLimit": {"$ref": "#/components/headers/RateLimit"},
        "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"},
    }
    for code, answer in list(responses.items()):
        if not code.startswith("2"):
            continue
        answer.setdefault("headers", {}).update(rate)
        content = answer.setdefault("content", {})
        if any(part in path for part in _FILES):
            content.pop("application/json", None)
            content["application/octet-stream"] = {
                "schema": {"type": "string", "format": "binary", "title": "File"}
            }
        elif "application/json" in content:
            ref = f"#/components/schemas/{_answer_schema(path, method)}"
            content["application/json"]["schema"] = {"$ref": ref}
        if method == "get" and path.endswith("}") and "/files/" not in path:
            answer["headers"]["ETag"] = {"$ref": "#/components/headers/ETag"}
    for code, text in _ERRORS.items():
        responses[code] = _problem_response(text)
    responses["429"]["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    parameters = op.setdefault("parameters", [])
    if method == "post":
        responses["413"] = _problem_response("Request body too large")
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if guarded:
        responses["412"] = _problem_response("If-Match named a version the object no longer has")
        parameters.append({"$ref": "#/components/parameters/IfMatch"})
    if not parameters:
        op.pop("parameters")


def install(app: FastAPI) -> None:
    """Serve the completed document at the app's openapi_url (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
