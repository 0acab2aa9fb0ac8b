"""A yes/no JSON Schema check compiled to closures, for the cold-load path.

jsonschema walks the schema dictionary on every call and builds an evolving
validator per node: a third of a cold knowledge-base load went there, plus
about 0.1 s to import it. The knowledge base is almost always valid, so the
loader asks this compiled predicate first and calls jsonschema only when it
says no, to get the precise messages. The predicate therefore never needs to
explain; it must only never accept what jsonschema rejects.

It implements, with Draft 2020-12 semantics, exactly the keywords our schemas
use. A keyword it does not know is a compile-time error, never silently
ignored: a new schema feature fails loudly here (and in the agreement test)
instead of letting invalid data through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["compile_schema"]

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"description", "title", "$schema", "$comment", "examples", "default"})


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False  # JSON Schema: true is not a number
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise ValueError(f"unknown JSON Schema type {name!r}")


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema defines it: true is not 1, and containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return bool(a == b)


def _type(spec: Any) -> Check:
    names = [spec] if isinstance(spec, str) else list(spec)
    for name in names:
        _is_type(None, name)  # rejects an unknown type name now, not at run time
    return lambda v: any(_is_type(v, n) for n in names)


def _object_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    props = {k: compile_schema(s) for k, s in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    names = compile_schema(schema["propertyNames"]) if "propertyNames" in schema else None
    if required:
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
    if props:

        def _props(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            return all(check(v[k]) for k, check in props.items() if k in v)

        checks.append(_props)
    if extra is False:
        checks.append(lambda v: not isinstance(v, dict) or all(k in props for k in v))
    elif extra is not True:
        extra_check = compile_schema(extra)
        checks.append(
            lambda v: (
                not isinstance(v, dict)
                or all(extra_check(x) for k, x in v.items() if k not in props)
            )
        )
    if names is not None:
        name_check = names
        checks.append(lambda v: not isinstance(v, dict) or all(name_check(k) for k in v))
    return checks


def _array_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "items" in schema:
        item = compile_schema(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
    if "minItems" in schema:
        least = schema["minItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) >= least)
    if schema.get("uniqueItems") is True:

        def _unique(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            return not any(_json_equal(v[i], v[j]) for i in range(len(v)) for j in range(i))

        checks.append(_unique)
    return checks


def _scalar_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search  # jsonschema searches, not matches
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "minLength" in schema:
        shortest = schema["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= shortest)
    if "exclusiveMinimum" in schema:
        bound = schema["exclusiveMinimum"]
        checks.append(lambda v: isinstance(v, bool) or not isinstance(v, int | float) or v > bound)
    if "enum" in schema:
        allowed = list(schema["enum"])
        checks.append(lambda v: any(_json_equal(v, a) for a in allowed))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda v: _json_equal(v, const))
    return checks


def _combinators(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "oneOf" in schema:
        options = [compile_schema(s) for s in schema["oneOf"]]
        checks.append(lambda v: sum(1 for o in options if o(v)) == 1)
    if "if" in schema:
        cond = compile_schema(schema["if"])
        then = compile_schema(schema.get("then", True))
        other = compile_schema(schema.get("else", True))
        checks.append(lambda v: then(v) if cond(v) else other(v))
    elif "then" in schema or "else" in schema:
        pass  # without `if`, `then` and `else` are ignored (Draft 2020-12 § 10.2.2)
    return checks


_KNOWN = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "propertyNames",
        "items",
        "minItems",
        "uniqueItems",
        "pattern",
        "minLength",
        "exclusiveMinimum",
        "enum",
        "const",
        "oneOf",
        "if",
        "then",
        "else",
    }
)


def compile_schema(schema: Any) -> Check:
    """A predicate: True exactly when `schema` (with local `$ref`s inlined) accepts a value."""
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise ValueError(f"a schema is an object or a boolean, not {schema!r}")
    unknown = set(schema) - _KNOWN - _ANNOTATIONS
    if unknown:
        raise ValueError(f"keyword(s) not supported by the compiled check: {sorted(unknown)}")
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type(schema["type"]))
    checks += _object_checks(schema) + _array_checks(schema) + _scalar_checks(schema)
    checks += _combinators(schema)
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)
