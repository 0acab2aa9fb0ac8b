"""The strict knowledge-base loader: YAML -> schema -> semantic checks -> frozen model.

`load_kb()` is cached: the knowledge base is read once per process. Its
version is a SHA-256 over the canonical files (vocabulary, schemas, every
jurisdiction's YAML), recorded with every assessment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from comity.core.errors import ComityError
from comity.law.build import build_kb
from comity.law.checks import CHECKS, CheckContext
from comity.law.model import KnowledgeBase
from comity.law.yamlio import KBError, MarkedDict, line_of, read_yaml

__all__ = ["DEFAULT_ROOT", "KnowledgeBaseError", "kb_digest", "load_kb", "validate_path"]

DEFAULT_ROOT = Path(__file__).parent / "knowledge"
_KINDS = ("jurisdiction", "provisions", "constraints")
_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_JUR_DIR = re.compile(r"^[A-Z]{2}$")


class KnowledgeBaseError(ComityError):
    """The knowledge base does not load: every error with file and line."""

    def __init__(self, errors: list[KBError]) -> None:
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"knowledge base has {len(errors)} error(s):\n{shown}{more}")
        self.errors = errors


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


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
def _validator(kind: str) -> Draft202012Validator:
    schema = json.loads((DEFAULT_ROOT / "_schema" / f"{kind}.schema.json").read_text("utf-8"))
    return Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _schema_errors(kind: str, data: Any, display: str) -> list[KBError]:
    out: list[KBError] = []
    for error in _validator(kind).iter_errors(data):
        path = list(error.absolute_path)
        if "elements" in path or "requires" in path:
            continue  # element expressions get precise messages from checks.check_expression
        out.append(_schema_error(error, data, display, path))
    return out


def _schema_error(error: Any, data: Any, display: str, path: list[Any]) -> KBError:
    where = ".".join(str(p) for p in path) or "top level"
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, MarkedDict):
        allowed = error.schema.get("properties", {})
        extra = [k for k in instance if k not in allowed]
        line = instance.key_lines.get(extra[0], instance.line) if extra else line_of(data, path)
        return KBError(
            display,
            line,
            "unknown_key",
            f"unknown key '{', '.join(map(str, extra))}' in {where}; valid: "
            + ", ".join(sorted(allowed)),
        )
    line = line_of(data, path)
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        kind = "missing_source" if name == "source" else "missing_key"
        return KBError(display, line, kind, f"{where}: missing `{name}`")
    if error.validator == "pattern" and error.schema.get("pattern") == _DATE_PATTERN:
        return KBError(
            display, line, "bad_date", f"{where}: '{instance}' is not a date (YYYY-MM-DD)"
        )
    return KBError(display, line, "schema", f"{where}: {error.message}")


@dataclass
class _Parsed:
    folder: str
    kind: str
    display: str
    data: Any


def _jurisdiction_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def _files_of(folder: Path) -> list[Path]:
    return [folder / f"{kind}.yaml" for kind in _KINDS if (folder / f"{kind}.yaml").exists()]


def _parse(paths: list[Path], errors: list[KBError]) -> list[_Parsed]:
    parsed: list[_Parsed] = []
    for path in paths:
        display = _display(path)
        kind = path.stem
        if kind not in _KINDS:
            errors.append(
                KBError(
                    display,
                    1,
                    "unknown_file",
                    f"unexpected file; a jurisdiction folder holds {', '.join(_KINDS)}",
                )
            )
            continue
        data, errs = read_yaml(path, display=display)
        errors.extend(errs)
        if errs:
            continue
        schema_errs = _schema_errors(kind, data, display)
        errors.extend(schema_errs)
        if not schema_errs:
            parsed.append(_Parsed(path.parent.name, kind, display, data))
    return parsed


def _read_vocab(root: Path, errors: list[KBError]) -> dict[str, Any] | None:
    path = root / "_vocabulary.yaml"
    data, errs = read_yaml(path, display=_display(path))
    errors.extend(errs or _schema_errors("vocabulary", data, _display(path)))
    return None if errors else dict(data)


def _check_all(
    vocab: dict[str, Any], parsed: list[_Parsed], errors: list[KBError], context_ids: set[str]
) -> None:
    ids: dict[str, str] = {}
    scope_refs: list[tuple[str, int, str]] = []
    provision_ids: set[str] = set(context_ids)
    for item in parsed:
        ctx = CheckContext(vocab=vocab, display=item.display, folder=item.folder, ids=ids)
        CHECKS[item.kind](ctx, item.data)
        errors.extend(ctx.errors)
        scope_refs.extend(ctx.scope_refs)
        if item.kind == "provisions":
            provision_ids.update(p["id"] for p in item.data["provisions"])
    for display, line, ref in scope_refs:
        if ref not in provision_ids:
            errors.append(
                KBError(
                    display,
                    line,
                    "unknown_provision",
                    f"channel scope names unknown provision '{ref}'",
                )
            )


def kb_digest(root: Path) -> str:
    """SHA-256 over the canonical files, in a fixed order (the KB version)."""
    digest = hashlib.sha256()
    files = [root / "_vocabulary.yaml", *sorted((root / "_schema").glob("*.json"))]
    for folder in _jurisdiction_dirs(root):
        files.extend(_files_of(folder))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def validate_path(path: Path) -> list[KBError]:
    """Every error under `path`: a KB root, a jurisdiction folder, a folder of them, or a file.

    Outside a root, files are checked against the bundled vocabulary, and the
    bundled jurisdictions not being checked provide the known provision ids.
    """
    path = Path(path)
    errors: list[KBError] = []
    if not path.exists():
        return [KBError(str(path), 1, "not_found", "no such file or folder")]
    root = path if (path / "_vocabulary.yaml").exists() else DEFAULT_ROOT
    vocab = _read_vocab(root, errors)
    if vocab is None:
        return errors
    if path.is_file():
        files = [path]
    elif root == path:
        files = [f for folder in _jurisdiction_dirs(path) for f in _files_of(folder)]
    elif _JUR_DIR.match(path.name):
        files = _files_of(path)
    else:
        files = [f for folder in _jurisdiction_dirs(path) for f in _files_of(folder)]
    checked = {f.parent.resolve() for f in files}
    context_ids: set[str] = set()
    if root != path:
        for folder in _jurisdiction_dirs(DEFAULT_ROOT):
            if folder.resolve() not in checked and (folder / "provisions.yaml").exists():
                data, errs = read_yaml(folder / "provisions.yaml", display="")
                if not errs and isinstance(data, dict):
                    context_ids.update(p.get("id") for p in data.get("provisions", []))
    parsed = _parse(files, errors)
    _check_all(vocab, parsed, errors, context_ids)
    return errors


@lru_cache(maxsize=4)
def _load(root: str) -> KnowledgeBase:
    base = Path(root)
    errors: list[KBError] = []
    vocab = _read_vocab(base, errors)
    if vocab is None:
        raise KnowledgeBaseError(errors)
    files = [f for folder in _jurisdiction_dirs(base) for f in _files_of(folder)]
    parsed = _parse(files, errors)
    _check_all(vocab, parsed, errors, set())
    if errors:
        raise KnowledgeBaseError(errors)
    grouped: dict[str, dict[str, Any]] = {}
    for item in parsed:
        grouped.setdefault(item.folder, {})[item.kind] = item.data
    # a jurisdiction counts as encoded only with provisions: else `unsupported`
    grouped = {code: files for code, files in grouped.items() if "provisions" in files}
    return build_kb(vocab=vocab, folders=grouped, digest=kb_digest(base), root=str(base))


def load_kb(root: Path | None = None) -> KnowledgeBase:
    """The knowledge base (loaded once per root and process); KnowledgeBaseError if broken."""
    return _load(str((root or DEFAULT_ROOT).resolve()))
