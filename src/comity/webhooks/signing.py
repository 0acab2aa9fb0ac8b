"""Standard Webhooks signatures (https://www.standardwebhooks.com/, the specification's
"Signature scheme"): HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with
the secret's bytes, sent base64 in `webhook-signature` as "v1,<signature>".

The secret is "whsec_" + base64 of 32 random bytes, as the specification's libraries
expect; a receiver verifies with any of them, or with `verify` below.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

__all__ = ["PREFIX", "TOLERANCE", "InvalidSignature", "new_secret", "sign", "verify"]

PREFIX = "whsec_"
TOLERANCE = 5 * 60  # seconds a receiver accepts between the timestamp and its clock


class InvalidSignature(Exception):
    """The message was not signed with the secret, or its timestamp is too far off."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> None:
    """Check a received message as a receiver must; InvalidSignature if it does not hold."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        sent = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        raise InvalidSignature("missing or malformed webhook-* headers") from None
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE:
        raise InvalidSignature("timestamp outside the tolerance (a replay?)")
    expected = sign(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in sent):
        raise InvalidSignature("no signature matches")
