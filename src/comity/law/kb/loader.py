"""The knowledge-base loader: cached validated data, or YAML -> schema -> checks -> model.

`load_kb()` is memoised: the knowledge base is read once per process. Its
version is a SHA-256 over the canonical files (vocabulary, schemas, every
jurisdiction's YAML), recorded with every assessment. A knowledge base whose
digest was validated before is built from the disk cache (`_kbcache`) without
importing PyYAML or jsonschema; a changed file changes the digest, and the
full strict validation runs again.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from comity.core.errors import ComityError
from comity.law.kb import _kbcache
from comity.law.kb._kberror import KBError
from comity.law.kb._kbfiles import (
    DEFAULT_ROOT,
    REGISTER_DIR,
    files_of,
    jurisdiction_dirs,
    kb_digest,
    treaty_files,
)
from comity.law.kb.build import build_kb
from comity.law.model import KnowledgeBase

__all__ = [
    "DEFAULT_ROOT",
    "KnowledgeBaseError",
    "kb_digest",
    "load_kb",
    "read_kb",
    "validate_path",
]


class KnowledgeBaseError(ComityError):
    """The knowledge base does not load: every error with file and line."""

    def __init__(self, errors: list[KBError]) -> None:
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"knowledge base has {len(errors)} error(s):\n{shown}{more}")
        self.errors = errors


def validate_path(path: Path) -> list[KBError]:
    """Every error under `path` (a KB root, a jurisdiction folder or one file); never cached."""
    from comity.law.kb._validate import validate_path as full  # heavy: PyYAML

    return full(path)


_Validated = tuple[
    dict[str, Any], dict[str, dict[str, Any]], dict[str, Any], dict[str, dict[str, Any]]
]


def _validated(root: Path) -> _Validated:
    """(vocabulary, jurisdiction folders, organisations register, treaty register), checked."""
    from comity.law.kb import _register, _validate  # only on a cache miss
    from comity.law.kb._designation_lists import check_designation_lists

    errors: list[KBError] = []
    vocab = _validate.read_vocab(root, errors)
    if vocab is None:
        raise KnowledgeBaseError(errors)
    files = [f for folder in jurisdiction_dirs(root) for f in files_of(folder)]
    parsed = _validate.parse(files, errors)
    treaties = _validate.parse_treaties(treaty_files(root), errors)
    _validate.check_all(vocab, parsed, errors, set(), treaties=treaties)
    register = _register.validate_register(root / REGISTER_DIR, vocab, errors)
    errors.extend(
        check_designation_lists(parsed, {i["id"]: i["jurisdiction"] for i in register["lists"]})
    )
    if errors:
        raise KnowledgeBaseError(errors)
    grouped: dict[str, dict[str, Any]] = {}
    for item in parsed:
        grouped.setdefault(item.folder, {})[item.kind] = item.data
    # a jurisdiction counts as encoded only with provisions: else `unsupported`
    encoded = {code: files for code, files in grouped.items() if "provisions" in files}
    return vocab, encoded, register, {item.data["id"]: item.data for item in treaties}


def read_kb(root: Path, *, cache_dir: Path | None) -> KnowledgeBase:
    """Load `root` now (no in-process memo): from `cache_dir` when its digest was validated
    before, else by full validation, writing the cache entry afterwards."""
    digest = kb_digest(root)
    entry = _kbcache.read_entry(cache_dir, digest)
    if entry is not None:
        vocab, folders = entry["vocabulary"], entry["folders"]
        register, treaties = entry["register"], entry["treaties"]
    else:
        vocab, folders, register, treaties = _validated(root)
        _kbcache.write_entry(cache_dir, digest, vocab, folders, register, treaties)
    return build_kb(
        vocab=vocab,
        folders=folders,
        digest=digest,
        root=str(root),
        register=register,
        treaties=treaties,
    )


@lru_cache(maxsize=4)
def _load(root: str) -> KnowledgeBase:
    return read_kb(Path(root), cache_dir=_kbcache.default_cache_dir())


def load_kb(root: Path | None = None) -> KnowledgeBase:
    """The knowledge base (loaded once per root and process); KnowledgeBaseError if broken."""
    return _load(str((root or DEFAULT_ROOT).resolve()))
