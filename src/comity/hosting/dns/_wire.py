"""DNS wire format for the one kind of exchange Comity makes: one question, read the answer.

Why not dnspython's `Message` here: building and parsing a message with it
costs ~0.2-0.6 ms of CPU per query on the deployment machines (enum and Name
objects for every field), more than the network round trip, which capped
resolution far below the 1,500 names/s goal.  This module encodes the query
(RFC 1035 §4.1, plus an EDNS0 OPT record, RFC 6891) and decodes only the header,
the question and the answer section of the reply.  It reads untrusted input: every
read is bounds-checked, compression pointers must point strictly backwards (no
loops, RFC 1035 §4.1.4), and anything malformed raises `WireError`, which the
transport treats as "not an answer" (the datagram is dropped).
dnspython still does TCP (`dns.asyncquery.tcp`) and escapes unusual names.
"""

from __future__ import annotations

import re
import socket
import struct
from dataclasses import dataclass

import dns.name

__all__ = ["Reply", "WireError", "encode_name", "encode_query", "parse_reply"]

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "AAAA": 28}
_NAMES = {code: name for name, code in TYPES.items()}
_CLASS_IN = 1
_CNAME = 5
_MAX_CHAIN = 16  # as dnspython's resolve_chaining: longer is a loop or an attack
_PAYLOAD = 1232  # EDNS0 UDP size of DNS flag day 2020: avoids IP fragmentation
# flags: RD (recursion desired); counts: 1 question, 1 additional (the OPT record)
_HEADER_TAIL = struct.pack("!HHHHH", 0x0100, 1, 0, 0, 1)
_OPT = b"\x00" + struct.pack("!HHIH", 41, _PAYLOAD, 0, 0)
_PLAIN_LABEL = re.compile(rb"[a-z0-9_-]+")
_HEADER = struct.Struct("!HHHHHH")
# (owner labels, type) -> (values in order, TTLs, CNAME targets as labels)
_RRsets = dict[tuple[tuple[bytes, ...], int], tuple[list[str], list[int], list[tuple[bytes, ...]]]]
_RR = struct.Struct("!HHIH")


class WireError(ValueError):
    """The bytes are not a well-formed DNS message."""


@dataclass(frozen=True)
class Reply:
    """The parts of a reply the resolver uses.  `chain`: CNAME rrsets then the answer rrset."""

    rcode: int
    truncated: bool
    # (owner, type, values, ttl) per rrset; owner and CNAME/NS values are lower-case text
    cnames: tuple[tuple[str, str, tuple[str, ...], int], ...]
    answer: tuple[str, str, tuple[str, ...], int] | None


def encode_name(host: str) -> bytes:
    """Wire form of a validated host name (labels 1-63 octets, ASCII)."""
    return b"".join(bytes([len(label)]) + label for label in host.encode("ascii").split(b".")) + (
        b"\x00"
    )


def encode_query(qid: int, qname: bytes, qtype: int) -> bytes:
    return qid.to_bytes(2, "big") + _HEADER_TAIL + qname + struct.pack("!HH", qtype, 1) + _OPT


def _read_name(data: bytes, offset: int) -> tuple[tuple[bytes, ...], int]:
    """Labels (lower-cased) and the offset just after the name in the original position."""
    labels: list[bytes] = []
    end = -1
    limit = offset  # a pointer must point before the name part that holds it
    total = 0
    while True:
        if offset >= len(data):
            raise WireError("name runs past the end of the message")
        length = data[offset]
        if length == 0:
            return tuple(labels), (offset + 1 if end < 0 else end)
        if length >= 0xC0:
            if offset + 1 >= len(data):
                raise WireError("truncated compression pointer")
            target = ((length & 0x3F) << 8) | data[offset + 1]
            if target >= limit:
                raise WireError("compression pointer does not point backwards")
            if end < 0:
                end = offset + 2
            offset = limit = target
            continue
        if length > 63:
            raise WireError("bad label length")
        label = data[offset + 1 : offset + 1 + length]
        if len(label) != length:
            raise WireError("label runs past the end of the message")
        total += length + 1
        if total > 254:
            raise WireError("name longer than 255 octets")
        labels.append(label.lower())
        offset += length + 1


def _text(labels: tuple[bytes, ...]) -> str:
    if all(_PLAIN_LABEL.fullmatch(label) for label in labels):
        return b".".join(labels).decode("ascii")
    # escapes (\DDD, \.) exactly as dnspython prints them
    return dns.name.Name([*labels, b""]).to_text(omit_final_dot=True)


def _value(data: bytes, rtype: int, start: int, end: int) -> str:
    if rtype == 1:
        if end - start != 4:
            raise WireError("A record is not 4 octets")
        return socket.inet_ntoa(data[start:end])
    if rtype == 28:
        if end - start != 16:
            raise WireError("AAAA record is not 16 octets")
        # glibc's inet_ntop prints exactly what dnspython's inet_ntoa does (RFC 5952
        # compression, ::ffff:a.b.c.d) -- checked on 200,000 random addresses -- in C.
        return socket.inet_ntop(socket.AF_INET6, data[start:end])
    labels, after = _read_name(data, start)
    if after != end:
        raise WireError("name record length does not match its name")
    return _text(labels)


def parse_reply(data: bytes, qid: int, qname: bytes, qtype: int) -> Reply:
    """Decode a reply to (qid, qname, qtype); WireError if it is not one (RFC 5452 §9.1)."""
    if len(data) < 12:
        raise WireError("shorter than a DNS header")
    rid, flags, qdcount, ancount, _, _ = _HEADER.unpack_from(data)
    if rid != qid or not flags & 0x8000 or (flags >> 11) & 0xF != 0 or qdcount != 1:
        raise WireError("not a response to this query")
    offset = 12 + len(qname)
    if data[12:offset].lower() != qname or data[offset : offset + 4] != struct.pack(
        "!HH", qtype, _CLASS_IN
    ):
        raise WireError("the question does not match the query")
    offset += 4
    rrsets: dict[
        tuple[tuple[bytes, ...], int], tuple[list[str], list[int], list[tuple[bytes, ...]]]
    ] = {}
    for _ in range(ancount):
        owner, offset = _read_name(data, offset)
        if offset + 10 > len(data):
            raise WireError("record header runs past the end of the message")
        rtype, rclass, ttl, rdlength = _RR.unpack_from(data, offset)
        start, offset = offset + 10, offset + 10 + rdlength
        if offset > len(data):
            raise WireError("record data runs past the end of the message")
        if rclass != _CLASS_IN or rtype not in _NAMES:
            continue
        values, ttls, targets = rrsets.setdefault((owner, rtype), ([], [], []))
        value = _value(data, rtype, start, offset)
        if value not in values:  # an rrset is a set (RFC 2181 §5)
            values.append(value)
            if rtype == _CNAME:
                targets.append(_read_name(data, start)[0])
        ttls.append(ttl if ttl < 2**31 else 0)  # RFC 2181 §8: the top bit set means zero
    return _chain(flags, rrsets, qname, qtype)


def _chain(
    flags: int,
    rrsets: dict[
        tuple[tuple[bytes, ...], int], tuple[list[str], list[int], list[tuple[bytes, ...]]]
    ],
    qname: bytes,
    qtype: int,
) -> Reply:
    """Follow CNAMEs from the question name to the answer (RFC 1034 §3.6.2)."""
    name = _read_name(qname, 0)[0]
    cnames: list[tuple[str, str, tuple[str, ...], int]] = []
    answer = None
    for _ in range(_MAX_CHAIN + 1):
        found = rrsets.get((name, qtype))
        if found is not None:
            answer = (_text(name), _NAMES[qtype], tuple(found[0]), min(found[1]))
            break
        alias = rrsets.get((name, _CNAME)) if qtype != _CNAME else None
        if alias is None:
            break
        cnames.append((_text(name), "CNAME", tuple(alias[0]), min(alias[1])))
        name = alias[2][0]
    else:
        raise WireError("CNAME chain too long")
    return Reply(flags & 0xF, bool(flags & 0x0200), tuple(cnames), answer)
