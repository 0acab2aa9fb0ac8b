"""A minimal MaxMind DB (format 2.0) writer, IPv4 tree, 24-bit records: just enough to
compare the `maxminddb` reader with our numpy tables on the same data, in one process.
Spec: https://maxmind.github.io/MaxMind-DB/
"""

from __future__ import annotations

import struct
import time
from typing import Any

__all__ = ["write_mmdb"]


def _ctrl(type_id: int, size: int) -> bytes:
    if size < 29:
        head, extra = size, b""
    elif size < 29 + 256:
        head, extra = 29, bytes([size - 29])
    else:
        head, extra = 30, struct.pack(">H", size - 285)
    if type_id <= 7:
        return bytes([(type_id << 5) | head]) + extra
    return bytes([head, type_id - 7]) + extra


def _uint(type_id: int, value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _ctrl(type_id, len(raw)) + raw


class U16(int):
    pass


class U64(int):
    pass


def _enc(value: Any) -> bytes:
    if isinstance(value, U16):
        return _uint(5, value)
    if isinstance(value, U64):
        return _uint(9, value)
    if isinstance(value, bool):
        return _ctrl(14, int(value))
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _ctrl(2, len(raw)) + raw
    if isinstance(value, int):
        return _uint(6, value)  # uint32
    if isinstance(value, dict):
        return _ctrl(7, len(value)) + b"".join(_enc(k) + _enc(v) for k, v in value.items())
    if isinstance(value, list):
        return _ctrl(11, len(value)) + b"".join(_enc(v) for v in value)
    raise TypeError(type(value))


def _cidrs(start: int, end: int) -> list[tuple[int, int]]:
    out = []
    while start <= end:
        size = (start & -start).bit_length() - 1 if start else 32
        while start + (1 << size) - 1 > end:
            size -= 1
        out.append((start, 32 - size))
        start += 1 << size
    return out


def write_mmdb(path: str, ranges: list[tuple[int, int, dict[str, Any]]]) -> int:
    """Write inclusive IPv4 ranges with record dicts; returns the node count."""
    nodes: list[list[int]] = [[-1, -1]]  # -1 empty, >=0 node, <= -2 data key
    data = bytearray()
    offsets: dict[bytes, int] = {}
    for start, end, record in ranges:
        blob = _enc(record)
        if blob not in offsets:
            offsets[blob] = len(data)
            data += blob
        key = -2 - offsets[blob]
        for net, plen in _cidrs(start, end):
            node = 0
            for depth in range(plen):
                bit = (net >> (31 - depth)) & 1
                if depth == plen - 1:
                    nodes[node][bit] = key
                    break
                nxt = nodes[node][bit]
                if nxt < 0:
                    nodes.append([-1, -1])
                    nxt = nodes[node][bit] = len(nodes) - 1
                node = nxt
    count = len(nodes)

    def rec(v: int) -> int:
        return count if v == -1 else (v if v >= 0 else count + 16 + (-2 - v))

    tree = bytearray()
    for left, right in nodes:
        tree += rec(left).to_bytes(3, "big") + rec(right).to_bytes(3, "big")
    meta = {
        "node_count": count,
        "record_size": U16(24),
        "ip_version": U16(4),
        "database_type": "comity-bench",
        "languages": ["en"],
        "binary_format_major_version": U16(2),
        "binary_format_minor_version": U16(0),
        "build_epoch": U64(int(time.time())),
        "description": {"en": "bench"},
    }
    meta_blob = b"\xab\xcd\xefMaxMind.com" + _enc(meta)
    with open(path, "wb") as fh:
        fh.write(bytes(tree) + bytes(16) + bytes(data) + meta_blob)
    return count
