"""Imported hash lists: each import with its provenance, its hashes, and what they flagged.

Imported hashes live here and nowhere else: never in `object_hashes`, never as
`evidence`. They are another party's judgement of content Comity has not
captured, so nothing that needs evidence (a proposal's safeguards, a dossier)
ever reads them; a capture that matches one is flagged (`ExternalMatch`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow
from comity.evidence.models import PDQ_CHUNKS, PdqChunks

__all__ = ["ExternalHash", "ExternalMatch", "HashImport"]


class HashImport(Base):
    """One imported file: who gave it (`source`), its SHA-256, when and by whom."""

    __tablename__ = "hash_imports"
    __table_args__ = (UniqueConstraint("source", "file_sha256", name="uq_hash_imports_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    added: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64), nullable=False)


class ExternalHash(PdqChunks, Base):
    """One hash from an imported list, with what its source said about it.

    `reference` is the source's own name for the record (e.g. `item-12`), "" when
    the format has none; a source's (algorithm, value, reference) is stored once.
    """

    __tablename__ = "external_hashes"
    __table_args__ = (
        UniqueConstraint("source", "algorithm", "value", "reference", name="uq_external_hashes"),
        Index("ix_external_hashes_algorithm_value", "algorithm", "value"),
        *(Index(f"ix_external_hashes_c{i}", f"c{i}") for i in range(PDQ_CHUNKS)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("hash_imports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(8), nullable=False)
    value: Mapped[str] = mapped_column(String(160), nullable=False)
    reference: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # What the source said (untrusted text from its file): all optional.
    url: Mapped[str | None] = mapped_column(Text)
    conduct: Mapped[str | None] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(64))
    organisation_name: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(32))
    decided_on: Mapped[str | None] = mapped_column(String(10))
    case_name: Mapped[str | None] = mapped_column(Text)


class ExternalMatch(Base):
    """A captured object of an item that matched an imported hash (a flag, not evidence)."""

    __tablename__ = "external_matches"
    __table_args__ = (
        UniqueConstraint("evidence_id", "external_hash_id", name="uq_external_matches"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), nullable=False
    )
    external_hash_id: Mapped[int] = mapped_column(
        ForeignKey("external_hashes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    object_url: Mapped[str] = mapped_column(Text, nullable=False)  # untrusted: from the capture
    algorithm: Mapped[str] = mapped_column(String(8), nullable=False)
    distance: Mapped[int] = mapped_column(Integer, nullable=False)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
