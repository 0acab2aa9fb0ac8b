"""A disk cache of the validated knowledge base, keyed by its content digest.

Why: reading the YAML and validating it against the JSON Schemas costs most of
a cold start (and importing PyYAML and jsonschema costs the rest). Once a
knowledge base has passed every check, its plain data (the validated YAML as
JSON) is written to `$COMITY_HOME/cache/kb-<digest>.json`; the next process
whose files have the same digest builds the model from it without YAML or
schema work. The digest is computed over the files' bytes, so any change to a
file gives a new digest and a miss.

Why JSON and not pickle: unpickling runs code, and the cache directory is less
watched than the package; a JSON payload can at worst hold data, and the
entry also records the digest and a hash of the loader's own code, so a
loader that became stricter never trusts an entry validated by an older one.
`COMITY_KB_CACHE=off` disables the cache; `COMITY_KB_CACHE=<dir>` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["default_cache_dir", "read_entry", "write_entry"]

_FORMAT = 2  # 2: the organisations register is part of an entry
_KEEP = 8  # entries kept per cache directory (older knowledge-base versions are pruned)
# the modules whose behaviour decides what a validated, built knowledge base is
_CODE = (
    "kb/build.py",
    "kb/_orgbuild.py",
    "kb/_register.py",
    "kb/checks.py",
    "kb/_textchecks.py",
    "kb/loader.py",
    "kb/yamlio.py",
    "model.py",
    "countries.py",
    "orgs/model.py",
    "orgs/fold.py",
)


def default_cache_dir() -> Path | None:
    """`COMITY_KB_CACHE` (a directory, or `off`), else `$COMITY_HOME/cache`.

    Read from the environment rather than `comity.core.settings` because
    importing pydantic would cost more than the cache saves; the default
    (`var`) is the settings' own default home.
    """
    explicit = os.environ.get("COMITY_KB_CACHE", "").strip()
    if explicit.lower() in ("off", "0", "false", "no"):
        return None
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("COMITY_HOME") or "var") / "cache"


@cache
def _code_hash() -> str:
    here = Path(__file__).parent.parent  # comity/law: the model and countries live there
    digest = hashlib.sha256(str(_FORMAT).encode())
    for name in (*_CODE, "data/iso3166_alpha2.json"):
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"kb-{digest}.json"


def read_entry(cache_dir: Path | None, digest: str) -> dict[str, Any] | None:
    """The validated data for `digest`, or None when absent, unreadable or stale."""
    if cache_dir is None:
        return None
    try:
        data = json.loads(_path(cache_dir, digest).read_bytes())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("digest") != digest
        or data.get("code") != _code_hash()
        or not isinstance(data.get("vocabulary"), dict)
        or not isinstance(data.get("folders"), dict)
        or not isinstance(data.get("register"), dict)
        or not isinstance(data.get("treaties"), dict)
    ):
        return None
    return data


def write_entry(
    cache_dir: Path | None,
    digest: str,
    vocabulary: dict[str, Any],
    folders: dict[str, Any],
    register: dict[str, Any],
    treaties: dict[str, Any],
) -> None:
    """Write atomically (temporary file, then rename); a read-only home just skips it."""
    if cache_dir is None:
        return
    payload = {
        "digest": digest,
        "code": _code_hash(),
        "vocabulary": vocabulary,
        "folders": folders,
        "register": register,
        "treaties": treaties,
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".kb-", suffix=".tmp", dir=cache_dir)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(payload, out, ensure_ascii=False, separators=(",", ":"))
            tmp.replace(_path(cache_dir, digest))
        finally:
            tmp.unlink(missing_ok=True)
        _prune(cache_dir)
    except OSError:
        return


def _prune(cache_dir: Path) -> None:
    entries = sorted(cache_dir.glob("kb-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[_KEEP:]:
        with contextlib.suppress(OSError):
            stale.unlink()
