"""Full validation: YAML -> JSON Schema -> semantic checks (imports PyYAML).

Only `comity law validate` and a knowledge-base cache miss come here; the warm
start path (`comity.law.kb.loader` with a cache hit) never imports this module.
Each document is first checked by the compiled predicate of `_fastschema`;
jsonschema is imported and run only for a document it rejects, to name the
errors (a valid knowledge base never imports it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comity.law.kb._fastschema import Check, compile_schema
from comity.law.kb._kbfiles import (
    DEFAULT_ROOT,
    KINDS,
    REGISTER_DIR,
    TREATIES_DIR,
    display,
    files_of,
    jurisdiction_dirs,
    treaty_files,
)
from comity.law.kb.checks import CHECKS, CheckContext, check_treaty, check_treaty_refs
from comity.law.kb.yamlio import KBError, MarkedDict, line_of, read_yaml

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = [
    "Parsed",
    "check_all",
    "parse",
    "parse_treaties",
    "read_vocab",
    "schema_errors",
    "validate_path",
]

_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_JUR_DIR = re.compile(r"^[A-Z]{2}$")


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace local `$ref`s by their definitions: the schemas are not recursive once
    expressions are left to the loader, and inlining makes validation several times faster."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@cache
def _schema(kind: str) -> dict[str, Any]:
    schema = json.loads((DEFAULT_ROOT / "_schema" / f"{kind}.schema.json").read_text("utf-8"))
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return inlined


@cache
def _accepts(kind: str) -> Check:
    return compile_schema(_schema(kind))


@cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # only for a document the fast check rejects

    return Draft202012Validator(_schema(kind))


def schema_errors(kind: str, data: Any, shown: str) -> list[KBError]:
    if _accepts(kind)(data):
        return []
    out: list[KBError] = []
    for error in _validator(kind).iter_errors(data):
        path = list(error.absolute_path)
        if "elements" in path or "requires" in path:
            continue  # element expressions get precise messages from checks.check_expression
        out.append(_schema_error(error, data, shown, path))
    return out


def _schema_error(error: Any, data: Any, shown: str, path: list[Any]) -> KBError:
    where = ".".join(str(p) for p in path) or "top level"
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, MarkedDict):
        allowed = error.schema.get("properties", {})
        extra = [k for k in instance if k not in allowed]
        line = instance.key_lines.get(extra[0], instance.line) if extra else line_of(data, path)
        return KBError(
            shown,
            line,
            "unknown_key",
            f"unknown key '{', '.join(map(str, extra))}' in {where}; valid: "
            + ", ".join(sorted(allowed)),
        )
    line = line_of(data, path)
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        kind = {"source": "missing_source", "from": "missing_date"}.get(name, "missing_key")
        return KBError(shown, line, kind, f"{where}: missing `{name}`")
    if error.validator == "pattern" and error.schema.get("pattern") == _DATE_PATTERN:
        return KBError(shown, line, "bad_date", f"{where}: '{instance}' is not a date (YYYY-MM-DD)")
    return KBError(shown, line, "schema", f"{where}: {error.message}")


@dataclass
class Parsed:
    folder: str
    kind: str
    display: str
    data: Any


def parse(paths: list[Path], errors: list[KBError]) -> list[Parsed]:
    parsed: list[Parsed] = []
    for path in paths:
        shown = display(path)
        kind = path.stem
        if kind not in KINDS:
            errors.append(
                KBError(
                    shown,
                    1,
                    "unknown_file",
                    f"unexpected file; a jurisdiction folder holds {', '.join(KINDS)}",
                )
            )
            continue
        data, errs = read_yaml(path, display=shown)
        errors.extend(errs)
        if errs:
            continue
        schema_errs = schema_errors(kind, data, shown)
        errors.extend(schema_errs)
        if not schema_errs:
            parsed.append(Parsed(path.parent.name, kind, shown, data))
    return parsed


def parse_treaties(paths: list[Path], errors: list[KBError]) -> list[Parsed]:
    """The treaty register's files (`_treaties/<id>.yaml`), schema-checked."""
    parsed: list[Parsed] = []
    for path in paths:
        shown = display(path)
        data, errs = read_yaml(path, display=shown)
        errors.extend(errs)
        if errs:
            continue
        schema_errs = schema_errors("treaty", data, shown)
        errors.extend(schema_errs)
        if not schema_errs:
            parsed.append(Parsed(path.stem, "treaty", shown, data))
    return parsed


def read_vocab(root: Path, errors: list[KBError]) -> dict[str, Any] | None:
    path = root / "_vocabulary.yaml"
    data, errs = read_yaml(path, display=display(path))
    errors.extend(errs or schema_errors("vocabulary", data, display(path)))
    if not errors:
        errors.extend(_implied_errors(data, display(path)) + _twin_errors(data, display(path)))
    return None if errors else dict(data)


def _twin_errors(vocab: Any, shown: str) -> list[KBError]:
    """A fact's `requesting:` twin is another known fact of the same type."""
    facts = vocab["facts"]
    return [
        KBError(
            shown,
            spec.line,
            "unknown_fact",
            f"fact '{name}': `requesting: {twin}` must name another known fact of the same type",
        )
        for name, spec in facts.items()
        if (twin := spec.get("requesting")) is not None
        and (twin == name or twin not in facts or facts[twin]["type"] != spec["type"])
    ]


def _implied_errors(vocab: Any, shown: str) -> list[KBError]:
    """`implied_facts` name known facts, with a value of the fact's type, and known conducts;
    a `when` names another known fact and a value of its type."""
    out: list[KBError] = []
    facts, conducts = vocab["facts"], vocab["conducts"]

    def bad_value(name: str, value: Any, what: str) -> str | None:
        spec = facts.get(name)
        if spec is None:
            return f"unknown fact '{name}'"
        ok = isinstance(value, bool) if spec["type"] == "bool" else value in spec["values"]
        return None if ok else f"{what} value {value!r} is not valid for fact '{name}'"

    for rule in vocab.get("implied_facts", []):
        line = rule.line
        when = rule.get("when") or {}
        problems = [
            bad_value(rule["fact"], rule["value"], "implied"),
            bad_value(when["fact"], when["value"], "`when`") if when else None,
            f"`when` names the implied fact '{rule['fact']}' itself"
            if when.get("fact") == rule["fact"]
            else None,
        ]
        codes = rule.get("conducts", ())
        problems += [f"unknown conduct code '{c}'" for c in codes if c not in conducts]
        out.extend(KBError(shown, line, "bad_implied_fact", p) for p in problems if p)
    return out


def check_all(
    vocab: dict[str, Any],
    parsed: list[Parsed],
    errors: list[KBError],
    context_ids: set[str],
    *,
    treaties: list[Parsed],
) -> None:
    ids: dict[str, str] = {}
    refs: list[tuple[str, int, str, str]] = []  # file, line, provision id, who names it
    treaty_refs: list[tuple[str, int, str, str]] = []  # file, line, treaty id, state
    provision_ids: set[str] = set(context_ids)
    for item in parsed:
        ctx = CheckContext(vocab=vocab, display=item.display, folder=item.folder, ids=ids)
        CHECKS[item.kind](ctx, item.data)
        errors.extend(ctx.errors)
        refs.extend((*r, "channel scope") for r in ctx.scope_refs)
        refs.extend((*r, "constraint applies_to") for r in ctx.applies_refs)
        treaty_refs.extend(ctx.treaty_refs)
        if item.kind == "provisions":
            provision_ids.update(p["id"] for p in item.data["provisions"])
    for shown, line, ref, who in refs:
        if ref not in provision_ids:
            errors.append(
                KBError(shown, line, "unknown_provision", f"{who} names unknown provision '{ref}'")
            )
    for item in treaties:
        ctx = CheckContext(vocab=vocab, display=item.display, folder=item.folder, ids=ids)
        check_treaty(ctx, item.data)
        errors.extend(ctx.errors)
    errors.extend(check_treaty_refs(treaty_refs, {item.data["id"]: item.data for item in treaties}))


def validate_path(path: Path) -> list[KBError]:
    """Every error under `path`: a KB root, a jurisdiction folder, a folder of them, or a file.

    Outside a root, files are checked against the bundled vocabulary, and the
    bundled jurisdictions not being checked provide the known provision ids.
    """
    path = Path(path)
    errors: list[KBError] = []
    if not path.exists():
        return [KBError(str(path), 1, "not_found", "no such file or folder")]
    if path.parent.name == TREATIES_DIR and path.is_file():
        return _validate_treaty_file(path)
    root = path if (path / "_vocabulary.yaml").exists() else DEFAULT_ROOT
    vocab = read_vocab(root, errors)
    if vocab is None:
        return errors
    from comity.law.kb._register import validate_register  # it imports schema_errors from here

    register = path.parent if path.is_file() else path
    if register.name == REGISTER_DIR:  # the register's folder or one of its files
        validate_register(register, vocab, errors)
        return errors
    if root == path:
        validate_register(path / REGISTER_DIR, vocab, errors)
    if path.is_file():
        files = [path]
    elif root == path:
        files = [f for folder in jurisdiction_dirs(path) for f in files_of(folder)]
    elif _JUR_DIR.match(path.name):
        files = files_of(path)
    else:
        files = [f for folder in jurisdiction_dirs(path) for f in files_of(folder)]
    checked = {f.parent.resolve() for f in files}
    context_ids: set[str] = set()
    if root != path:
        for folder in jurisdiction_dirs(DEFAULT_ROOT):
            if folder.resolve() not in checked and (folder / "provisions.yaml").exists():
                data, errs = read_yaml(folder / "provisions.yaml", display="")
                if not errs and isinstance(data, dict):
                    context_ids.update(p.get("id") for p in data.get("provisions", []))
    parsed = parse(files, errors)
    # a folder with its own treaty register is checked with it; else against the bundled one
    own = path if path.is_dir() and (path / TREATIES_DIR).is_dir() else root
    treaties = parse_treaties(treaty_files(own), errors if own == path else [])
    check_all(vocab, parsed, errors, context_ids, treaties=treaties)
    from comity.law.kb._designation_lists import check_designation_lists, list_jurisdictions

    register_root = root if (root / REGISTER_DIR).is_dir() else DEFAULT_ROOT
    errors.extend(check_designation_lists(parsed, list_jurisdictions(register_root)))
    return errors


def _validate_treaty_file(path: Path) -> list[KBError]:
    """One treaty file, checked against the bundled vocabulary."""
    errors: list[KBError] = []
    vocab = read_vocab(DEFAULT_ROOT, errors)
    if vocab is None:
        return errors
    check_all(vocab, [], errors, set(), treaties=parse_treaties([path], errors))
    return errors
