"""WARC 1.1 records of a capture: a request and a response record for every hop.

The response record carries the body exactly as received (still
content-encoded, so the bytes are the server's), the address we connected to
(WARC-IP-Address) and warcio's payload and block digests. The body arrives
de-chunked, so `Transfer-Encoding` is left out of the recorded headers (it
would misdescribe the stored body); the evidence row keeps all headers.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from comity.evidence.fetch import USER_AGENT, FetchResult, Hop

__all__ = ["write_warc"]


def _target(url: str) -> str:
    raw = httpx.URL(url).raw_path.decode("ascii")
    return raw or "/"


def _write_hop(writer: WARCWriter, hop: Hop) -> None:
    request_headers = StatusAndHeaders(
        f"GET {_target(hop.url)} HTTP/1.1", list(hop.request_headers), is_http_request=True
    )
    request = writer.create_warc_record(hop.url, "request", http_headers=request_headers)
    headers = [(k, v) for k, v in hop.headers if k.lower() != "transfer-encoding"]
    response_headers = StatusAndHeaders(
        f"{hop.status} {hop.reason}".strip(), headers, protocol=hop.http_version
    )
    extra = {"WARC-IP-Address": hop.ip} if hop.ip else {}
    response = writer.create_warc_record(
        hop.url,
        "response",
        payload=io.BytesIO(hop.raw_body),
        length=len(hop.raw_body),
        http_headers=response_headers,
        warc_headers_dict=extra,
    )
    writer.write_request_response_pair(request, response)


def write_warc(handle: BinaryIO, result: FetchResult, *, captured_by: str) -> None:
    """Write `result` (every hop that got a complete response) as gzipped WARC/1.1."""
    writer = WARCWriter(handle, gzip=True, warc_version="1.1")
    info = writer.create_warcinfo_record(
        "",
        {
            "software": USER_AGENT,
            "format": "WARC File Format 1.1",
            "requested-url": result.requested_url,
            "captured-by": captured_by,
            "outcome": result.outcome,
        },
    )
    writer.write_record(info)
    for hop in result.hops:
        if hop.status is not None and hop.complete:
            _write_hop(writer, hop)
