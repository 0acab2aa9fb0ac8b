"""The compiled schema check agrees with jsonschema, so the cold load may trust its "yes".

The loader skips jsonschema when `_fastschema` accepts a document. A wrong
acceptance would let an invalid knowledge base through without a message, so
the two are compared on every real file, on mutations of real files (the
property test), and on the keyword edges where JSON differs from Python
(true is not 1, 1.0 is an integer, a pattern is searched, not matched).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from comity.law.kb._fastschema import compile_schema
from comity.law.kb._kbfiles import DEFAULT_ROOT, schema_documents
from comity.law.kb._validate import _schema, schema_errors
from comity.law.kb.yamlio import read_yaml

SCENARIOS = Path(__file__).parent / "scenarios"


def _documents() -> list[tuple[str, Path]]:
    scenarios = [("scenarios", path) for path in sorted(SCENARIOS.rglob("*.yaml"))]
    return [*schema_documents(DEFAULT_ROOT), *scenarios]


DOCS = _documents()


def _load(path: Path) -> Any:
    data, errs = read_yaml(path, display=str(path))
    assert not errs, errs
    return data


def test_every_real_document_gets_the_same_answer() -> None:
    kinds = {kind for kind, _ in DOCS}
    assert kinds == {
        "vocabulary",
        "jurisdiction",
        "provisions",
        "constraints",
        "treaty",
        "org_lists",
        "organisation",
        "scenarios",
    }
    disagree = []
    for kind, path in DOCS:
        data = _load(path)
        fast = compile_schema(_schema(kind))(data)
        if fast != Draft202012Validator(_schema(kind)).is_valid(data):
            disagree.append(str(path))
    assert disagree == []


_REPLACEMENTS: list[Any] = ["", "x", "2020-13-45x", 0, 1, -1, 1.5, 2.0, True, False, None, [], {}]


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*here, i))
    return out


def _mutate(data: Any, path: tuple[Any, ...], how: int, replacement: Any) -> Any:
    """Replace the node at `path`, drop it, or add an unknown key or a duplicate next to it."""
    data = copy.deepcopy(data)
    if not path:
        return replacement
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == 0:
        parent[last] = replacement
    elif how == 1:
        del parent[last]
    elif how == 2 and isinstance(parent, dict):
        parent["zz_unknown"] = replacement
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = replacement
    return data


# A sample of documents of every kind keeps each example cheap.
_SAMPLE = [(kind, _load(path)) for kind, path in DOCS[::7] + DOCS[:3]]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=st.sampled_from(_SAMPLE),
    pick=st.integers(min_value=0),
    how=st.integers(min_value=0, max_value=3),
    replacement=st.sampled_from(_REPLACEMENTS),
)
def test_mutated_documents_get_the_same_answer(
    doc: tuple[str, Any], pick: int, how: int, replacement: Any
) -> None:
    kind, data = doc
    paths = _paths(data)
    mutated = _mutate(data, paths[pick % len(paths)], how, replacement)
    schema = _schema(kind)
    assert compile_schema(schema)(mutated) == Draft202012Validator(schema).is_valid(mutated)


EDGES: list[tuple[dict[str, Any], Any]] = [
    ({"enum": [1, "a"]}, True),  # true is not 1
    ({"enum": [True]}, 1),
    ({"const": False}, 0),
    ({"type": "integer"}, 1.0),  # 1.0 is an integer in JSON Schema
    ({"type": "integer"}, True),
    ({"type": "number"}, False),
    ({"type": ["string", "null"]}, None),
    ({"pattern": "b"}, "abc"),  # searched, not matched
    ({"pattern": "^b"}, "abc"),
    ({"pattern": "^b"}, 3),  # a pattern ignores non-strings
    ({"minLength": 2}, "é"),
    ({"exclusiveMinimum": 0}, 0),
    ({"exclusiveMinimum": 0}, True),
    ({"uniqueItems": True}, [1, True]),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 1}]),
    ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "a"),  # both match: not one
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 3),
    ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}),
    ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"c": 1}),
    ({"then": {"required": ["b"]}}, {"a": 1}),  # `then` without `if` is ignored
    ({"propertyNames": {"pattern": "^[a-z]{2}$"}}, {"eng": 1}),
    ({"additionalProperties": {"type": "string"}, "properties": {"a": {}}}, {"a": 1, "b": 2}),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1}),
    ({"required": ["a"]}, ["a"]),  # required ignores non-objects
    ({"items": {"type": "string"}, "minItems": 1}, []),
    ({"items": {"type": "string"}}, {"0": 1}),
    (False, None),
]


@pytest.mark.parametrize(("schema", "value"), EDGES)
def test_keyword_edges_match_jsonschema(schema: Any, value: Any) -> None:
    expected = Draft202012Validator(schema).is_valid(value)
    assert compile_schema(schema)(value) is expected


def test_an_unknown_keyword_is_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match="maxLength"):
        compile_schema({"type": "string", "maxLength": 3})
    with pytest.raises(ValueError, match="unknown JSON Schema type"):
        compile_schema({"type": "str"})


def test_a_rejected_document_still_gets_jsonschemas_message() -> None:
    """The fast check says only no: the error named is jsonschema's, with its line."""
    path = DEFAULT_ROOT / "DE" / "jurisdiction.yaml"
    data = _load(path)
    data["zz_unknown"] = 1
    errors = schema_errors("jurisdiction", data, "DE/jurisdiction.yaml")
    assert [e.kind for e in errors] == ["unknown_key"]
    assert "zz_unknown" in errors[0].message
