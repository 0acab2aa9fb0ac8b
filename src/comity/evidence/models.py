"""One row per capture attempt of an item, successful or not (refusals are evidence too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = [
    "OUTCOMES",
    "PDQ_CHUNKS",
    "CaptureText",
    "ContentMember",
    "Evidence",
    "ObjectHashRow",
    "PdqChunks",
]

OUTCOMES = (
    "ok",
    "http_error",
    "too_large",
    "timeout",
    "deadline",
    "refused_ssrf",
    "malformed",
    "dns_error",
    "too_many_redirects",
    "decompression_bomb",
    "connection_error",
)


class Evidence(Base):
    """A capture of `item_id`'s URL.

    Files are written (and fsynced) before this row is inserted, so a row never
    points at a missing file; paths are relative to the data folder and named by
    their SHA-256, never by anything taken from the captured content.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    requested_url: Mapped[str] = mapped_column(Text, nullable=False)
    final_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    # [[name, value], ...] in the order received: duplicates (Set-Cookie, Link) kept.
    headers: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    content_length: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    content_path: Mapped[str | None] = mapped_column(String(255))
    warc_sha256: Mapped[str | None] = mapped_column(String(64))
    warc_path: Mapped[str | None] = mapped_column(String(255))
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    screenshot_path: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)  # untrusted: from the captured page
    error: Mapped[str | None] = mapped_column(Text)
    captured_by: Mapped[str] = mapped_column(String(64), nullable=False)


class CaptureText(Base):
    """What a capture says, for text search: its page title, then the visible text
    of the captured document (bounded). Untrusted: from the captured page.

    Not a column of `evidence`, whose every column is sealed in the audit chain:
    retention erases this text with the files it was read from. The search
    indexes over it are kept by the database (migration 0020).
    """

    __tablename__ = "capture_texts"

    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)


# PDQ's 256 bits as 16 chunks of 16 bits, each an indexed column (see
# comity.evidence.similar for what a lookup through them guarantees).
PDQ_CHUNKS = 16


class PdqChunks:
    """`c0`..`c15`: a PDQ hash's 16-bit chunks (big-endian order), each indexed by the table.

    Shared by the tables that hold PDQ hashes; None on rows of other algorithms.
    They were the index of the SQL lookup comity.evidence.pdqindex replaced:
    still filled, read by no lookup.
    """

    c0: Mapped[int | None] = mapped_column(Integer)
    c1: Mapped[int | None] = mapped_column(Integer)
    c2: Mapped[int | None] = mapped_column(Integer)
    c3: Mapped[int | None] = mapped_column(Integer)
    c4: Mapped[int | None] = mapped_column(Integer)
    c5: Mapped[int | None] = mapped_column(Integer)
    c6: Mapped[int | None] = mapped_column(Integer)
    c7: Mapped[int | None] = mapped_column(Integer)
    c8: Mapped[int | None] = mapped_column(Integer)
    c9: Mapped[int | None] = mapped_column(Integer)
    c10: Mapped[int | None] = mapped_column(Integer)
    c11: Mapped[int | None] = mapped_column(Integer)
    c12: Mapped[int | None] = mapped_column(Integer)
    c13: Mapped[int | None] = mapped_column(Integer)
    c14: Mapped[int | None] = mapped_column(Integer)
    c15: Mapped[int | None] = mapped_column(Integer)


class ObjectHashRow(PdqChunks, Base):
    """One hash of one object in an evidence WARC, or why it could not be computed.

    `value` is None for an unhashable object and `reason` says why. For PDQ rows
    `c0`..`c15` hold the hash's 16-bit chunks (big-endian order), for lookups.
    A video's frames are PDQ rows like an image's, so every PDQ search finds them.
    """

    __tablename__ = "object_hashes"
    __table_args__ = (
        Index("ix_object_hashes_algorithm_value", "algorithm", "value"),
        *(Index(f"ix_object_hashes_c{i}", f"c{i}") for i in range(PDQ_CHUNKS)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(Text, nullable=False)  # untrusted: from the capture
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(8), nullable=False)
    value: Mapped[str | None] = mapped_column(String(160))
    quality: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    # A video frame's PDQ row: the frame's time in the video. A video has one PDQ row
    # per sampled frame (vPDQ), all with its `url`; None on every other row.
    frame_ms: Mapped[int | None] = mapped_column(Integer)


class ContentMember(Base):
    """An item's place in a content group: items whose captured objects match.

    A group is named by its first item's id (`group_id`); that item's own row
    has no `matched_item_id`. Every other member says which earlier item it
    matched, by which hash and at what distance (0 for SHA-256).
    """

    __tablename__ = "content_members"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    matched_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    algorithm: Mapped[str | None] = mapped_column(String(8))
    distance: Mapped[int | None] = mapped_column(Integer)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
