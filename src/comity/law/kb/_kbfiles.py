"""Where the knowledge-base files are and their content digest (no YAML needed)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = [
    "DEFAULT_ROOT",
    "KINDS",
    "LISTS_FILE",
    "REGISTER_DIR",
    "TREATIES_DIR",
    "display",
    "files_of",
    "jurisdiction_dirs",
    "kb_digest",
    "register_files",
    "schema_documents",
    "treaty_files",
]

DEFAULT_ROOT = Path(__file__).parent.parent / "knowledge"
KINDS = ("jurisdiction", "provisions", "constraints")
REGISTER_DIR = "_organisations"  # the organisations register, inside the root
LISTS_FILE = "_lists.yaml"
TREATIES_DIR = "_treaties"  # the treaty register: one file per instrument, named by its id


def display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def jurisdiction_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def files_of(folder: Path) -> list[Path]:
    return [folder / f"{kind}.yaml" for kind in KINDS if (folder / f"{kind}.yaml").exists()]


def register_files(folder: Path) -> list[Path]:
    """`_lists.yaml` first, then one file per organisation, by name; none without the folder."""
    if not folder.is_dir():
        return []
    orgs = sorted(p for p in folder.glob("*.yaml") if p.name != LISTS_FILE)
    return [folder / LISTS_FILE, *orgs] if (folder / LISTS_FILE).exists() else orgs


def treaty_files(root: Path) -> list[Path]:
    folder = root / TREATIES_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def schema_documents(root: Path) -> list[tuple[str, Path]]:
    """Every file of the knowledge base with the schema it is checked against (its kind)."""
    docs = [("vocabulary", root / "_vocabulary.yaml")]
    for folder in jurisdiction_dirs(root):
        docs += [(path.stem, path) for path in files_of(folder)]
    docs += [("treaty", path) for path in treaty_files(root)]
    docs += [
        ("org_lists" if path.name == LISTS_FILE else "organisation", path)
        for path in register_files(root / REGISTER_DIR)
    ]
    return docs


def kb_digest(root: Path) -> str:
    """SHA-256 over the canonical files, in a fixed order (the KB version)."""
    digest = hashlib.sha256()
    files = [root / "_vocabulary.yaml", *sorted((root / "_schema").glob("*.json"))]
    for folder in jurisdiction_dirs(root):
        files.extend(files_of(folder))
    files.extend(register_files(root / REGISTER_DIR))
    files.extend(treaty_files(root))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
