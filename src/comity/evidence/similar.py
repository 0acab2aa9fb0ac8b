"""Near-duplicate search over captured objects: PDQ by Hamming distance, TLSH by diff.

PDQ index (multi-index hashing, Norouzi et al. 2012): every PDQ row stores its
256 bits as 16 indexed 16-bit chunks. If two hashes are within distance d, by
pigeonhole at least one chunk differs in at most r = d // 16 bits. A lookup
therefore probes, for each chunk, every value within r bits of the query's
chunk (17 values per chunk at d = 31, 137 at d = 63), takes the union of rows
found and verifies each candidate's full distance. That is exact: every hash
within d is returned (recall 100%), none beyond it. Its cost is the number of
candidates: ~16 * 17 * N / 65536 for uniformly spread hashes, more where real
hashes crowd (flat or low-quality images share chunks); bench/bench_hashes.py
measures it: on SQLite, 1,000,000 uniform hashes, ~4,000 candidates a query
give ~55 lookups per CPU second (numpy brute force in memory: ~29), far
below 1,000; an in-memory index per process is the next step if that matters.
Distances above 63 are refused (the probe lists grow as C(16, r)).

TLSH has no index here: a lookup compares against every stored TLSH (linear
in their number); fine for thousands of pages, not for millions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import combinations
from typing import Any

import tlsh  # no type stubs: see the mypy overrides in pyproject.toml
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core.errors import BadInput, NotFound
from comity.evidence.hashes import ObjectHash
from comity.evidence.models import PDQ_CHUNKS, Evidence, ObjectHashRow, PdqChunks
from comity.intake.models import Item

__all__ = [
    "DEFAULT_PDQ_DISTANCE",
    "DEFAULT_TLSH_DISTANCE",
    "MAX_PDQ_DISTANCE",
    "chunks",
    "hamming",
    "hash_rows",
    "own_hashes",
    "pdq_near",
    "pdq_probes",
    "record_hashes",
    "register_external_matcher",
    "set_chunks",
    "similar",
]

DEFAULT_PDQ_DISTANCE = 31  # ThreatExchange's usual PDQ match threshold
DEFAULT_TLSH_DISTANCE = 100
MAX_PDQ_DISTANCE = 63
_CHUNK_BITS = 256 // PDQ_CHUNKS
_CHUNK_MASK = (1 << _CHUNK_BITS) - 1

# Hashes kept outside the evidence (imported hash lists) that `similar` also
# lists, apart from the items: fn(session, own hash rows, pdq distance) -> matches.
ExternalMatcher = Callable[[Session, Sequence[ObjectHashRow], int], list[dict[str, Any]]]
_EXTERNAL: dict[str, ExternalMatcher] = {}


def register_external_matcher(name: str, fn: ExternalMatcher) -> None:
    """What `similar` lists under `external` (the hash exchange registers its imports)."""
    _EXTERNAL[name] = fn


def chunks(value: str) -> list[int]:
    """The 16-bit chunks of a 64-hex-digit PDQ hash, most significant first."""
    number = int(value, 16)
    return [
        (number >> (_CHUNK_BITS * (PDQ_CHUNKS - 1 - i))) & _CHUNK_MASK for i in range(PDQ_CHUNKS)
    ]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@cache
def _masks(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask with at most `radius` bits set."""
    found = [0]
    for count in range(1, radius + 1):
        for bits in combinations(range(_CHUNK_BITS), count):
            found.append(sum(1 << b for b in bits))
    return tuple(found)


def pdq_probes(model: type[PdqChunks], value: str, distance: int) -> list[ColumnElement[bool]]:
    """One IN condition per chunk column of `model`: OR them to get every candidate within
    `distance` of `value` (exact: see the module's note), to be verified by `hamming`."""
    if not 0 <= distance <= MAX_PDQ_DISTANCE:
        raise BadInput(f"--pdq-distance must be between 0 and {MAX_PDQ_DISTANCE}")
    masks = _masks(distance // PDQ_CHUNKS)
    columns = [getattr(model, f"c{i}") for i in range(PDQ_CHUNKS)]
    return [
        column.in_(sorted({chunk ^ m for m in masks}))
        for column, chunk in zip(columns, chunks(value), strict=True)
    ]


def set_chunks(row: PdqChunks, value: str) -> None:
    """Fill `row`'s chunk columns from the PDQ hash `value`."""
    for i, chunk in enumerate(chunks(value)):
        setattr(row, f"c{i}", chunk)


def hash_rows(
    *, item_id: int, evidence_id: int, hashes: Iterable[ObjectHash]
) -> list[ObjectHashRow]:
    rows = []
    for h in hashes:
        row = ObjectHashRow(
            item_id=item_id,
            evidence_id=evidence_id,
            url=h.url,
            kind=h.kind,
            algorithm=h.algorithm,
            value=h.value,
            quality=h.quality,
            reason=h.reason,
        )
        if h.algorithm == "pdq" and h.value is not None:
            set_chunks(row, h.value)
        rows.append(row)
    return rows


def record_hashes(
    *, session: Session, item_id: int, evidence_id: int, hashes: Iterable[ObjectHash]
) -> int:
    """Insert the hash rows of one capture (the caller's transaction and audit event)."""
    rows = hash_rows(item_id=item_id, evidence_id=evidence_id, hashes=hashes)
    session.add_all(rows)
    return len(rows)


def pdq_near(
    *, session: Session, value: str, distance: int, exclude_item: int | None = None
) -> list[tuple[ObjectHashRow, int]]:
    """Stored PDQ rows within `distance` of `value`, with their distance (exact: see above)."""
    probes = pdq_probes(ObjectHashRow, value, distance)
    # Candidates as (id, value) only: verifying thousands of bare tuples is cheap,
    # building thousands of ORM objects is not; only matches are loaded whole.
    query = select(ObjectHashRow.id, ObjectHashRow.value).where(
        ObjectHashRow.algorithm == "pdq", or_(*probes)
    )
    if exclude_item is not None:
        query = query.where(ObjectHashRow.item_id != exclude_item)
    target = int(value, 16)
    near = {
        row_id: d
        for row_id, other in session.execute(query)
        if (d := (target ^ int(str(other), 16)).bit_count()) <= distance
    }
    if not near:
        return []
    rows = session.scalars(select(ObjectHashRow).where(ObjectHashRow.id.in_(list(near))))
    return [(row, near[row.id]) for row in rows]


def own_hashes(session: Session, item_id: int) -> list[ObjectHashRow]:
    """The item's hashes from its latest successful capture with hashes."""
    latest = (
        select(ObjectHashRow.evidence_id)
        .join(Evidence, Evidence.id == ObjectHashRow.evidence_id)
        .where(ObjectHashRow.item_id == item_id, Evidence.outcome == "ok")
        .order_by(ObjectHashRow.evidence_id.desc())
        .limit(1)
    ).scalar_subquery()
    query = select(ObjectHashRow).where(
        ObjectHashRow.evidence_id == latest, ObjectHashRow.value.is_not(None)
    )
    return list(session.scalars(query))


def _matches(
    session: Session, item_id: int, own: Sequence[ObjectHashRow], pdq: int, tlsh_max: int
) -> list[tuple[ObjectHashRow, ObjectHashRow, int]]:
    found: list[tuple[ObjectHashRow, ObjectHashRow, int]] = []
    sha = {r.value: r for r in own if r.algorithm == "sha256"}
    if sha:
        query = select(ObjectHashRow).where(
            ObjectHashRow.algorithm == "sha256",
            ObjectHashRow.value.in_(list(sha)),
            ObjectHashRow.item_id != item_id,
        )
        found += [(sha[str(r.value)], r, 0) for r in session.scalars(query)]
    for mine in (r for r in own if r.algorithm == "pdq"):
        assert mine.value is not None  # own_hashes reads hashed rows only
        near = pdq_near(session=session, value=mine.value, distance=pdq, exclude_item=item_id)
        found += [(mine, row, d) for row, d in near]
    texts = [r for r in own if r.algorithm == "tlsh" and r.value]
    if texts:
        query = select(ObjectHashRow).where(
            ObjectHashRow.algorithm == "tlsh",
            ObjectHashRow.value.is_not(None),
            ObjectHashRow.item_id != item_id,
        )
        for row in session.scalars(query):
            for mine in texts:
                d = int(tlsh.diff(mine.value, row.value))
                if d <= tlsh_max:
                    found.append((mine, row, d))
    return found


def _decision(session: Session, item_id: int) -> dict[str, Any] | None:
    proposal = session.scalars(
        select(Proposal).where(Proposal.item_id == item_id).order_by(Proposal.id.desc()).limit(1)
    ).first()
    if proposal is None:
        return None
    return {
        "proposal_id": proposal.id,
        "host": proposal.host,
        "state": proposal.state,
        "decided_by": proposal.decided_by,
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
    }


def similar(
    *,
    session: Session,
    item_id: int,
    pdq_distance: int = DEFAULT_PDQ_DISTANCE,
    tlsh_distance: int = DEFAULT_TLSH_DISTANCE,
) -> dict[str, Any]:
    """Other items with an object within the distances of one of this item's objects."""
    if session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} does not exist (see: comity items list)")
    if tlsh_distance < 0:
        raise BadInput("--tlsh-distance must be 0 or more")
    if not 0 <= pdq_distance <= MAX_PDQ_DISTANCE:
        raise BadInput(f"--pdq-distance must be between 0 and {MAX_PDQ_DISTANCE}")
    own = own_hashes(session, item_id)
    by_item: dict[int, list[dict[str, Any]]] = {}
    for mine, theirs, d in _matches(session, item_id, own, pdq_distance, tlsh_distance):
        by_item.setdefault(theirs.item_id, []).append(
            {
                "algorithm": theirs.algorithm,
                "distance": d,
                "object_url": mine.url,
                "matched_url": theirs.url,
                "matched_evidence_id": theirs.evidence_id,
            }
        )
    matches = []
    for other in session.scalars(select(Item).where(Item.id.in_(list(by_item)))):
        found = sorted(by_item[other.id], key=lambda m: (m["distance"], m["algorithm"]))
        matches.append(
            {
                "item_id": other.id,
                "url": other.url,
                "state": other.state,
                "decision": _decision(session, other.id),
                "best_distance": found[0]["distance"],
                "objects": found,
            }
        )
    matches.sort(key=lambda m: (m["best_distance"], m["item_id"]))
    from comity.cases.hooks import load_hooks

    load_hooks()  # the hash exchange registers its matcher in its cases_hooks
    external = [m for _, fn in sorted(_EXTERNAL.items()) for m in fn(session, own, pdq_distance)]
    return {
        "item_id": item_id,
        "pdq_distance": pdq_distance,
        "tlsh_distance": tlsh_distance,
        "hashed_objects": len({r.url for r in own}),
        "matches": matches,
        # Imported hash lists: another party's judgement, never evidence of this item.
        "external": external,
    }
