"""The DNS wire codec reads untrusted bytes: agree with dnspython, refuse malformed input."""

from __future__ import annotations

import struct

import dns.message
import dns.name
import dns.rrset
import pytest

from comity.hosting.dns._wire import WireError, encode_name, encode_query, parse_reply

QNAME = encode_name("www.site.test")


def reply_to(qid: int, rtype: str, *rrsets: dns.rrset.RRset) -> bytes:
    query = dns.message.make_query("www.site.test", rtype)
    query.id = qid
    reply = dns.message.make_response(query)
    reply.answer.extend(rrsets)
    return reply.to_wire()


def test_query_encoding_is_what_dnspython_reads() -> None:
    message = dns.message.from_wire(encode_query(4660, QNAME, 28))
    assert message.id == 4660
    assert str(message.question[0].name) == "www.site.test."
    assert message.question[0].rdtype == 28
    assert message.edns == 0 and message.payload == 1232
    assert message.flags & 0x0100  # recursion desired


def test_cname_chain_answer_and_rrset_ttl_match_dnspython() -> None:
    wire = reply_to(
        7,
        "A",
        dns.rrset.from_text("www.site.test.", 120, "IN", "CNAME", "Edge.Site.Test."),
        dns.rrset.from_text("edge.site.test.", 60, "IN", "CNAME", "site.cdn.test."),
        dns.rrset.from_text("site.cdn.test.", 30, "IN", "A", "104.16.1.1", "104.16.1.2"),
    )
    reply = parse_reply(wire, 7, QNAME, 1)
    assert reply.rcode == 0 and not reply.truncated
    assert reply.cnames == (
        ("www.site.test", "CNAME", ("edge.site.test",), 120),
        ("edge.site.test", "CNAME", ("site.cdn.test",), 60),
    )
    # dnspython writes an rrset's records in set order: compare them as a set.
    name, rdtype, values, ttl = reply.answer
    assert (name, rdtype, sorted(values), ttl) == (
        "site.cdn.test",
        "A",
        ["104.16.1.1", "104.16.1.2"],
        30,
    )
    chain = dns.message.from_wire(wire).resolve_chaining()  # type: ignore[attr-defined]
    assert chain.answer is not None and chain.answer.ttl == reply.answer[3]


def test_duplicate_records_collapse_and_ttl_is_the_minimum() -> None:
    answer = struct.pack("!HHHLH4s", 0xC00C, 1, 1, 300, 4, bytes([192, 0, 2, 1]))
    answer_low = struct.pack("!HHHLH4s", 0xC00C, 1, 1, 2**31 + 5, 4, bytes([192, 0, 2, 1]))
    question = QNAME + struct.pack("!HH", 1, 1)
    wire = struct.pack("!HHHHHH", 9, 0x8180, 1, 2, 0, 0) + question + answer + answer_low
    reply = parse_reply(wire, 9, QNAME, 1)
    assert reply.answer == ("www.site.test", "A", ("192.0.2.1",), 0)  # RFC 2181 §8


def test_unusual_label_is_escaped_like_dnspython() -> None:
    target = dns.name.Name([b"we\\ird.", b"x\xff", b"test", b""])
    wire = reply_to(
        3, "CNAME", dns.rrset.from_text("www.site.test.", 5, "IN", "CNAME", target.to_text())
    )
    reply = parse_reply(wire, 3, QNAME, 5)
    assert reply.answer is not None
    assert reply.answer[2] == (target.to_text(omit_final_dot=True),)


def test_aaaa_text_form() -> None:
    wire = reply_to(
        1, "AAAA", dns.rrset.from_text("www.site.test.", 5, "IN", "AAAA", "2001:db8:0:0:1::1")
    )
    assert parse_reply(wire, 1, QNAME, 28).answer == (
        "www.site.test",
        "AAAA",
        ("2001:db8::1:0:0:1",),
        5,
    )


def _header(ancount: int) -> bytes:
    return struct.pack("!HHHHHH", 5, 0x8180, 1, ancount, 0, 0) + QNAME + struct.pack("!HH", 1, 1)


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (b"\x00\x05\x81", "shorter"),
        (reply_to(6, "A"), "not a response"),  # another id
        (
            struct.pack("!HHHHHH", 5, 0x0100, 1, 0, 0, 0) + QNAME + b"\x00\x01\x00\x01",
            "not a response",
        ),
        (
            struct.pack("!HHHHHH", 5, 0x8180, 1, 0, 0, 0)
            + encode_name("evil.test")
            + b"\x00\x01\x00\x01",
            "question",
        ),
        (_header(1) + b"\xc0\x40" + b"\x00" * 10, "backwards"),  # pointer forwards
        (_header(1) + b"\x01a\xc0\x1f" + b"\x00" * 10, "backwards"),  # pointer to itself: a loop
        (_header(1) + b"\xc0", "compression pointer"),
        (_header(1) + b"\x05ab", "past the end"),
        (_header(1) + b"\x50" + b"a" * 80 + b"\x00" + b"\x00" * 10, "label length"),
        (_header(1) + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01", "record data"),
        (_header(1) + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x03\x01\x02\x03", "4 octets"),
        (
            _header(2) + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04",
            "past the end",
        ),
        (_header(1) + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + b"\x00" * 10, "255"),
    ],
)
def test_malformed_or_foreign_replies_are_refused(wire: bytes, reason: str) -> None:
    with pytest.raises(WireError, match=reason):
        parse_reply(wire, 5, QNAME, 1)


def test_cname_loop_is_refused() -> None:
    wire = reply_to(
        2,
        "A",
        dns.rrset.from_text("www.site.test.", 5, "IN", "CNAME", "b.test."),
        dns.rrset.from_text("b.test.", 5, "IN", "CNAME", "www.site.test."),
    )
    with pytest.raises(WireError, match="too long"):
        parse_reply(wire, 2, QNAME, 1)
