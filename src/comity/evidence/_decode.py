"""Bounded Content-Encoding decoding: a decompression bomb stops at the bound.

httpx's own decoders inflate a whole network chunk at once (a 64 KiB chunk of
gzip can become 64 MiB), so we decode ourselves with an output limit on every
call: memory never exceeds the bound however small the compressed input.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import brotli  # no type stubs: see the mypy overrides in pyproject.toml

__all__ = ["BoundedDecoder", "DecodeError", "DecodedTooLarge"]

_STEP = 1 << 16  # output produced per decompress call


class DecodedTooLarge(Exception):
    """The decoded body passed the bound (a decompression bomb or just too big)."""


class DecodeError(Exception):
    """The body is not valid for its Content-Encoding."""


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._obj = zlib.decompressobj(wbits)
        self._raw_fallback = wbits == zlib.MAX_WBITS  # "deflate" is often sent raw
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while pending:
            try:
                out = self._obj.decompress(pending, _STEP)
            except zlib.error:
                if self._raw_fallback and not self._started:
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._raw_fallback = False
                    continue
                raise
            self._started = True
            pending = self._obj.unconsumed_tail
            if out:
                yield out
            elif not pending:
                break

    def flush(self) -> Iterator[bytes]:
        if not self._obj.eof and self._started:
            raise DecodeError("compressed body ends before its end marker")
        yield self._obj.flush()


class _Brotli:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self._obj.process(data, output_buffer_limit=_STEP)
        yield out
        while not self._obj.can_accept_more_data():
            out = self._obj.process(b"", output_buffer_limit=_STEP)
            if not out:
                break
            yield out

    def flush(self) -> Iterator[bytes]:
        if not self._obj.is_finished():
            raise DecodeError("brotli body ends before its end marker")
        yield b""


_Stage = _Zlib | _Brotli


def _stage(name: str) -> _Stage | None:
    if name in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if name == "br":
        return _Brotli()
    return None


class BoundedDecoder:
    """Decode a body with the codings of its Content-Encoding header, within `limit` bytes.

    Unknown codings are left as they are (`undecoded` names them) rather than
    guessed at: the raw bytes are still sealed in the WARC file.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
        names = [n for n in names if n != "identity"]
        self.undecoded: list[str] = []
        self._stages: list[_Stage] = []
        # Codings are listed in the order applied, so they are undone in reverse.
        for name in reversed(names):
            stage = _stage(name)
            if stage is None:
                self.undecoded = names
                self._stages = []
                break
            self._stages.append(stage)
        self._limit = limit
        self._size = 0
        self._parts: list[bytes] = []

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._stages):
            self._size += len(data)
            if self._size > self._limit:
                raise DecodedTooLarge(f"decoded body exceeds {self._limit} bytes")
            self._parts.append(data)
            return
        try:
            for out in self._stages[index].feed(data):
                self._push(index + 1, out)
        except (zlib.error, brotli.error) as exc:
            raise DecodeError(f"invalid compressed body: {exc}") from exc

    def feed(self, data: bytes) -> None:
        self._push(0, data)

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            try:
                for out in stage.flush():
                    self._push(index + 1, out)
            except (zlib.error, brotli.error) as exc:
                raise DecodeError(f"invalid compressed body: {exc}") from exc
        return b"".join(self._parts)
