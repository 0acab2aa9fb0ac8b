"""The content-addressed evidence store under the data folder.

A file is written to a temporary name in `tmp/capture/`, fsynced, hashed and
then atomically renamed to `<kind>/<sha[:2]>/<sha><suffix>`: a crash leaves at
most a temporary file (swept later), never a partial file under a final name.
Final names come only from the SHA-256 of the content; a stored path is
accepted back only if it matches that exact shape and stays inside the store
without symlinks, so neither captured content (Content-Disposition, URL path)
nor a tampered database row can make us read or write elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from comity.core.errors import ComityError

__all__ = ["KINDS", "Store", "StoreError", "StoredFile", "sha256_file"]

KINDS = {"objects": "", "evidence": ".warc.gz", "screenshots": ".png"}
_REL = re.compile(
    r"^(objects|evidence|screenshots)/([0-9a-f]{2})/([0-9a-f]{64})(\.warc\.gz|\.png)?$"
)
_TMP = Path("tmp") / "capture"
_STALE_SECONDS = 24 * 3600
_CHUNK = 1 << 20


class StoreError(ComityError):
    """A stored path is not acceptable (traversal, symlink, wrong shape)."""


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the data folder
    sha256: str
    size: int


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Store:
    def __init__(self, home: Path) -> None:
        self.root = Path(home).resolve()

    @property
    def tmp_dir(self) -> Path:
        return self.root / _TMP

    def rel_path(self, kind: str, sha256: str) -> str:
        if kind not in KINDS or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise StoreError(f"store: no {kind!r} file can be named {sha256!r}")
        return f"{kind}/{sha256[:2]}/{sha256}{KINDS[kind]}"

    def path(self, rel: str, *, sha256: str | None = None) -> Path:
        """The absolute path of stored file `rel`, refusing anything but the store's own names.

        With `sha256`, `rel` must also be the name that hash gets: a row whose
        path was swapped for another stored file's is caught here.
        """
        match = _REL.fullmatch(rel or "")
        if match is None or (match.group(4) or "") != KINDS[match.group(1)]:
            raise StoreError(f"store: refusing path {rel!r} (not a content-addressed store path)")
        if match.group(2) != match.group(3)[:2]:
            raise StoreError(f"store: refusing path {rel!r} (wrong fan-out folder)")
        if sha256 is not None and match.group(3) != sha256:
            raise StoreError(f"store: path {rel!r} does not match its recorded SHA-256 {sha256}")
        current = self.root
        for part in Path(rel).parts:
            current = current / part
            if current.is_symlink():
                raise StoreError(f"store: refusing path {rel!r} ({current} is a symbolic link)")
        if not current.resolve().is_relative_to(self.root):
            raise StoreError(f"store: refusing path {rel!r} (outside the store)")
        return current

    def check(self, rel: str | None, sha256: str | None) -> str | None:
        """What is wrong with stored file `rel` recorded as `sha256` (None: it is intact)."""
        if rel is None:
            # No path: nothing stored, or (hash kept) the file was deleted by a
            # retention run, which keeps the hash to prove it existed; that row
            # change is audited, so `comity audit verify` guards it.
            return None
        if sha256 is None:
            return "hash missing"
        try:
            path = self.path(rel, sha256=sha256)
        except StoreError as exc:
            return exc.message
        if not path.is_file():
            return f"file {rel} is missing"
        actual = sha256_file(path)
        if actual != sha256:
            return f"file {rel} was altered (SHA-256 now {actual})"
        return None

    @staticmethod
    def _new_tmp_name() -> str:
        # The writer's pid in the name lets the sweep tell live writers from dead ones.
        return f"{os.getpid()}-{secrets.token_hex(8)}.part"

    def put(self, kind: str, write: Callable[[BinaryIO], None]) -> StoredFile:
        """Store what `write` writes; returns its content-addressed name."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp_dir / self._new_tmp_name()
        try:
            with tmp.open("xb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            return self._publish(kind, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, kind: str, data: bytes) -> StoredFile:
        def write(handle: BinaryIO) -> None:
            handle.write(data)

        return self.put(kind, write)

    def _publish(self, kind: str, tmp: Path) -> StoredFile:
        sha = sha256_file(tmp)
        size = tmp.stat().st_size
        rel = self.rel_path(kind, sha)
        final = self.path(rel)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_file() and sha256_file(final) == sha:
            return StoredFile(rel, sha, size)  # same content already stored
        tmp.chmod(0o444)  # sealed: nothing in Comity writes a stored file again
        tmp.replace(final)  # atomic on one file system
        _fsync_dir(final.parent)
        return StoredFile(rel, sha, size)

    def sweep(self, *, now: float | None = None) -> int:
        """Remove temporary files left by dead writers (or older than a day)."""
        if not self.tmp_dir.is_dir():
            return 0
        now = time.time() if now is None else now
        removed = 0
        for tmp in self.tmp_dir.glob("*.part"):
            pid_text = tmp.name.split("-", 1)[0]
            alive = pid_text.isdigit() and _alive(int(pid_text))
            try:
                old = now - tmp.stat().st_mtime > _STALE_SECONDS
            except FileNotFoundError:
                continue
            if not alive or old:
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed

    def walk(self) -> Iterator[str]:
        """Every stored file's relative path (for orphan reports)."""
        for kind in KINDS:
            base = self.root / kind
            if base.is_dir():
                for path in sorted(base.glob("*/*")):
                    yield path.relative_to(self.root).as_posix()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
