"""PDQ near-duplicate search through an index kept in memory, per process, per table.

Exact multi-index hashing (Norouzi et al. 2012) over numpy arrays. The 256 bits
are 16 chunks of 16 bits; if two hashes are within distance d, by pigeonhole
one chunk differs in at most r = d // 16 bits. For each chunk the index keeps
the row positions grouped by chunk value (CSR: `order`, `starts`), so a lookup
reads, per chunk, the groups of the values within r bits of the query's chunk
(17 at d = 31), and verifies every candidate's full distance with XOR and
popcount: every row within d is found (recall 100%), none beyond it. Where the
groups hold more candidates than there are rows (large d, few rows) every row
is verified instead, which is the same answer.

The database stays the source of truth; this is a cache each process builds
from it and keeps in step, so every worker and web process answers the same:

- Built from the committed rows (`algorithm = 'pdq'`), read on a connection of
  its own: a row the caller inserted and then rolled back never enters it.
- Rows added later are read on a refresh (rows above `safe`, at most every
  `REFRESH_SECONDS` or once `REFRESH_ROWS` rows wait) into a tail searched by
  brute force, merged into the CSR arrays when the tail grows.
- Every lookup also reads, in the caller's own session, the PDQ rows above
  `safe` (rows committed since the refresh, and the caller's own uncommitted
  rows) and verifies them directly: what the caller sees is searched whole.
- `safe` is the id up to which the index is final. On SQLite writers are
  serialised, so the committed ids are a prefix: `safe` is the highest id read.
  On PostgreSQL a transaction can commit id 7 after another committed id 8:
  a refresh notes (highest id, the snapshot's xmax) and `safe` moves to that
  id once the oldest running transaction is newer than that xmax (every
  transaction that could still have committed a lower id has ended). The one
  gap: a transaction whose first write is the hash row itself, between
  `nextval` and the assignment of its transaction id inside that INSERT;
  Comity writes the evidence row or the import row first.
- Rows removed (an item or evidence deleted cascades to its hashes) can linger
  in the arrays, so nothing is returned from them: the matches are loaded by
  id in the caller's session and their distance recomputed from the loaded
  value; an id the database no longer has (read on the index's connection) is
  dropped from the index. Hash rows are never updated in place.
- If the highest PDQ row the index holds is gone or changed (SQLite reuses the
  highest row ids after a delete; a database restored or truncated) the index
  is rebuilt from scratch.

Memory: 32 bytes a hash (4 uint64) + 8 (id) + 16 x 4 (chunk positions) =
~104 bytes a row plus 8 MiB of group offsets; bench/bench_hashes.py measures it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations
from typing import Any, TypeVar, cast

import numpy as np
from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from comity.core.errors import BadInput

__all__ = [
    "MAX_DISTANCE",
    "REFRESH_ROWS",
    "REFRESH_SECONDS",
    "PdqArrays",
    "index_for",
    "near_rows",
    "parse",
]

MAX_DISTANCE = 63  # the probe lists grow as C(16, d // 16): 697 values a chunk at 63
REFRESH_SECONDS = 1.0
REFRESH_ROWS = 256  # rows above `safe` read by every lookup before a refresh absorbs them
_CHUNKS = 16
_VALUES = 1 << 16
_MIN_TAIL = 8192  # the tail is merged into the CSR arrays beyond max(this, rows / 16)

_Array = np.ndarray[Any, Any]
R = TypeVar("R")


def parse(values: Sequence[str]) -> _Array:
    """64-hex-digit PDQ hashes as an (n, 4) uint64 array, most significant word first."""
    if not values:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = bytes.fromhex("".join(values))
    if len(raw) != 32 * len(values):
        raise ValueError("a PDQ hash is not 64 hex digits")
    return np.frombuffer(raw, dtype=">u8").reshape(-1, 4).astype(np.uint64)


def _chunk_values(words: _Array, chunk: int | _Array) -> _Array:
    """Chunk `chunk` of each row (or chunk `chunk[i]` of row i, for an array)."""
    shift = (48 - 16 * (np.asarray(chunk) % 4)).astype(np.uint64)
    column = (
        words[:, chunk // 4] if isinstance(chunk, int) else words[np.arange(len(words)), chunk // 4]
    )
    return ((column >> shift) & np.uint64(0xFFFF)).astype(np.int64)


_CHUNK_INDEX = np.arange(_CHUNKS)


@cache
def _masks(radius: int) -> _Array:
    """Every 16-bit mask with at most `radius` bits set."""
    found = [0]
    for count in range(1, radius + 1):
        found += [sum(1 << b for b in bits) for bits in combinations(range(16), count)]
    return np.array(found, dtype=np.int64)


@dataclass(frozen=True)
class PdqArrays:
    """Rows with their hashes, and per chunk the positions by chunk value."""

    ids: _Array  # int64 (n,), in no particular order
    words: _Array  # uint64 (n, 4)
    order: _Array  # uint32 (16 n,): chunk c's positions sorted by value, at [c n, (c + 1) n)
    starts: _Array  # int64 (16, 65537): offsets into `order` of each chunk value's positions

    @classmethod
    def build(cls, ids: _Array, words: _Array) -> PdqArrays:
        n = len(ids)
        order = np.empty(_CHUNKS * n, dtype=np.uint32)
        starts = np.empty((_CHUNKS, _VALUES + 1), dtype=np.int64)
        for c in range(_CHUNKS):
            values = _chunk_values(words, c)
            # A stable sort of small integers is numpy's radix sort: linear.
            order[c * n : (c + 1) * n] = np.argsort(values.astype(np.uint16), kind="stable")
            starts[c, 0] = c * n
            np.cumsum(np.bincount(values, minlength=_VALUES), out=starts[c, 1:])
            starts[c, 1:] += c * n
        return cls(ids, words, order, starts)

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.words.nbytes + self.order.nbytes + self.starts.nbytes)

    def near(self, query: _Array, distance: int) -> tuple[_Array, _Array]:
        """(ids, distances) of the rows within `distance` of `query` (4 uint64 words)."""
        n = len(self.ids)
        if n == 0:
            return self.ids, self.ids
        chunks = _chunk_values(query[None, :].repeat(_CHUNKS, axis=0), _CHUNK_INDEX)
        values = chunks[:, None] ^ _masks(distance // _CHUNKS)[None, :]
        rows = np.arange(_CHUNKS)[:, None]
        lo = self.starts[rows, values].ravel()
        lengths = self.starts[rows, values + 1].ravel() - lo
        total = int(lengths.sum())
        if total < n:
            keep = lengths > 0
            lo, lengths = lo[keep], lengths[keep]
            # Concatenate the ranges [lo, lo + length) without a Python loop.
            shift = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
            positions = self.order[np.arange(total) + shift]
            found = np.bitwise_count(self.words[positions] ^ query).sum(axis=1)
            hit = np.unique(positions[found <= distance])
        else:
            found = np.bitwise_count(self.words ^ query).sum(axis=1)
            hit = np.nonzero(found <= distance)[0]
        return self.ids[hit], np.bitwise_count(self.words[hit] ^ query).sum(axis=1)


def _brute(ids: _Array, words: _Array, query: _Array, distance: int) -> tuple[_Array, _Array]:
    found = np.bitwise_count(words ^ query).sum(axis=1)
    hit = found <= distance
    return ids[hit], found[hit]


@dataclass(frozen=True)
class _State:
    """What lookups read; replaced whole on a refresh, so they need no lock."""

    base: PdqArrays
    tail_ids: _Array
    tail_words: _Array
    safe: int  # every committed PDQ row with an id up to this is in base or tail
    top: tuple[int, str]  # the highest PDQ row held (id, value): (0, "") when none
    dead: frozenset[int]  # ids held but deleted from the database


_EMPTY = np.zeros(0, dtype=np.int64)
_NO_WORDS = np.zeros((0, 4), dtype=np.uint64)


def _empty() -> _State:
    return _State(PdqArrays.build(_EMPTY, _NO_WORDS), _EMPTY, _NO_WORDS, 0, (0, ""), frozenset())


class PdqIndex:
    """The PDQ rows of one table (`id`, `algorithm`, `value` columns) for one database."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.state = _empty()
        self.built = False
        self.build_seconds = 0.0
        self._lock = threading.Lock()
        self._refreshed = 0.0
        self._held: set[int] = set()  # ids above `safe` already in the tail
        self._checkpoints: list[tuple[int, int]] = []  # PostgreSQL: (highest id, xmax)
        # Built once: a lookup's own reads cost less than building their statements.
        self._recent = select(table.c.id, table.c.value).where(
            self._pdq(),
            (table.c.id > bindparam("safe")) | (table.c.id == bindparam("top")),
        )

    # -- keeping in step -------------------------------------------------------

    def _pdq(self) -> ColumnElement[bool]:
        return (self.table.c.algorithm == "pdq") & self.table.c.value.is_not(None)

    def refresh(self, engine: Engine, *, force: bool = False) -> None:
        """Read the committed rows added since the last refresh (all of them the first time)."""
        with self._lock:
            if not force and self.built and time.monotonic() - self._refreshed < 0.01:
                return  # another thread has just done it
            with _reader(engine) as conn:
                first = not self.built or not self._top_holds(conn)
                if first:
                    self._load(conn)
                else:
                    self._extend(conn)
            if first:
                self._wait(engine)
            self._refreshed = time.monotonic()

    def _top_holds(self, conn: Connection) -> bool:
        top_id, top_value = self.state.top
        if top_id == 0:
            return True
        now = conn.execute(select(self.table.c.value).where(self.table.c.id == top_id)).first()
        return now is not None and now[0] == top_value

    def _load(self, conn: Connection) -> None:
        start = time.perf_counter()
        rows = conn.execute(
            select(self.table.c.id, self.table.c.value).where(self._pdq()).order_by(self.table.c.id)
        ).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        words = parse([str(r[1]) for r in rows])
        top = (int(ids[-1]), str(rows[-1][1])) if rows else (0, "")
        self._held, self._checkpoints = set(), []
        safe = self._settle(conn, top[0], 0)
        self.state = _State(PdqArrays.build(ids, words), _EMPTY, _NO_WORDS, safe, top, frozenset())
        self._held = {int(i) for i in ids if i > safe}
        self.built = True
        self.build_seconds = time.perf_counter() - start

    def _extend(self, conn: Connection) -> None:
        state = self.state
        rows = conn.execute(
            select(self.table.c.id, self.table.c.value)
            .where(self._pdq(), self.table.c.id > state.safe)
            .order_by(self.table.c.id)
        ).all()
        fresh = [(int(i), str(v)) for i, v in rows if int(i) not in self._held]
        top = max(state.top, fresh[-1]) if fresh else state.top
        safe = self._settle(conn, top[0], state.safe)
        self._held = {i for i in self._held | {i for i, _ in fresh} if i > safe}
        base, dead = state.base, state.dead
        ids = np.concatenate([state.tail_ids, np.array([i for i, _ in fresh], dtype=np.int64)])
        words = np.concatenate([state.tail_words, parse([v for _, v in fresh])])
        if len(ids) > max(_MIN_TAIL, len(base.ids) // 16):
            ids, words = np.concatenate([base.ids, ids]), np.concatenate([base.words, words])
            alive = ~np.isin(ids, np.array(sorted(dead), dtype=np.int64))
            base, dead = PdqArrays.build(ids[alive], words[alive]), frozenset()
            ids, words = _EMPTY, _NO_WORDS
        self.state = _State(base, ids, words, safe, top, dead)

    def _settle(self, conn: Connection, highest: int, safe: int) -> int:
        """The new `safe`: see the module's note on PostgreSQL."""
        if conn.dialect.name != "postgresql":
            return highest
        xmin, xmax = conn.execute(
            text(
                "SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text"
                " FROM pg_current_snapshot() AS s"
            )
        ).one()
        self._checkpoints.append((highest, int(xmax)))
        return self._resolve(int(xmin), safe)

    def _resolve(self, xmin: int, safe: int) -> int:
        done = [seen for seen, until in self._checkpoints if xmin >= until]
        self._checkpoints = [(s, u) for s, u in self._checkpoints if xmin < u]
        return max([safe, *done])

    def _wait(self, engine: Engine) -> None:
        """After a first load on PostgreSQL: wait (up to ~2 s) for the transactions that
        were running to end, so that lookups do not read every row above `safe` = 0."""
        for _ in range(20):
            if not self._checkpoints:
                return
            time.sleep(0.1)
            with engine.connect() as conn:
                xmin = conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"))
                safe = self._resolve(int(xmin.scalar_one()), self.state.safe)
            self._held = {i for i in self._held if i > safe}
            self.state = replace(self.state, safe=safe)

    def forget(self, engine: Engine, ids: Iterable[int]) -> None:
        """Drop from the index the ids (up to `safe`) the database no longer has."""
        asked = [i for i in ids if i <= self.state.safe]
        if not asked:
            return
        with self._lock, _reader(engine) as conn:
            there = set(
                conn.scalars(select(self.table.c.id).where(self.table.c.id.in_(asked))).all()
            )
            gone = frozenset(asked) - there
            if gone:
                self.state = replace(self.state, dead=self.state.dead | gone)

    # -- lookups -----------------------------------------------------------------

    def near(self, *, session: Session, value: str, distance: int) -> dict[int, int]:
        """{id: distance} of the PDQ rows within `distance` of `value`: the index's rows
        plus the rows above `safe` as the caller's session sees them. Ids may name rows
        the caller cannot see (deleted, or newer than its snapshot): load them to know."""
        if not 0 <= distance <= MAX_DISTANCE:
            raise BadInput(f"--pdq-distance must be between 0 and {MAX_DISTANCE}")
        engine = _engine(session)
        if not self.built or time.monotonic() - self._refreshed > REFRESH_SECONDS:
            self.refresh(engine)
        for attempt in (1, 2):
            state = self.state
            top_id, top_value = state.top
            read = session.execute(self._recent, {"safe": state.safe, "top": top_id})
            recent = [(int(i), str(v)) for i, v in read]
            top_ok = top_id == 0 or (top_id, top_value) in recent
            if top_ok or attempt == 2:
                break
            # The highest row held is gone or changed: rows were deleted and their ids
            # reused, or the database was restored. The check reruns on the index's own
            # reader (the caller's snapshot may just be older) and rebuilds if so.
            self.refresh(engine, force=True)
        if len(recent) > REFRESH_ROWS:
            self.refresh(engine)  # for the next lookups: this one reads them below
        extra = [(i, v) for i, v in recent if i > state.safe]
        query = parse([value])[0]
        found: dict[int, int] = {}
        for got, d in (
            state.base.near(query, distance),
            _brute(state.tail_ids, state.tail_words, query, distance),
            _brute(
                np.array([i for i, _ in extra], dtype=np.int64),
                parse([v for _, v in extra]),
                query,
                distance,
            ),
        ):
            found.update(zip(got.tolist(), d.tolist(), strict=True))
        return {i: d for i, d in found.items() if i not in state.dead}


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


class _reader:
    """A short read transaction on a connection of the index's own (never the caller's:
    its uncommitted rows must not enter a cache that outlives it)."""

    def __init__(self, engine: Engine) -> None:
        options: dict[str, Any] = {"comity_readonly": True}  # SQLite: BEGIN, not IMMEDIATE
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"  # one snapshot for all its reads
        self._conn = engine.execution_options(**options).connect()

    def __enter__(self) -> Connection:
        self._conn.begin()
        return self._conn

    def __exit__(self, *exc: object) -> None:
        self._conn.rollback()
        self._conn.close()


_INDEXES: weakref.WeakKeyDictionary[Pool, dict[str, PdqIndex]] = weakref.WeakKeyDictionary()
_REGISTRY = threading.Lock()


def index_for(session: Session, table: Table) -> PdqIndex:
    """This process's index of `table` for the session's database (one per engine pool:
    a disposed engine, as after a fork or in tests, starts a fresh one)."""
    pool = _engine(session).pool
    with _REGISTRY:
        per_table = _INDEXES.setdefault(pool, {})
        index = per_table.get(table.name)
        if index is None:
            index = per_table[table.name] = PdqIndex(table)
    return index


@cache
def _by_ids(model: type[Any]) -> Any:
    table = cast(Table, model.__table__)
    return select(model).where(table.c.id.in_(bindparam("ids", expanding=True)))


def near_rows(
    *, session: Session, model: type[R], value: str, distance: int
) -> list[tuple[R, int]]:
    """The PDQ rows of `model` within `distance` of `value`, as the session sees them,
    with their distance (recomputed from each loaded row: nothing stale is returned),
    nearest first."""
    table = cast(Table, cast(Any, model).__table__)
    index = index_for(session, table)
    near = index.near(session=session, value=value, distance=distance)
    if not near:
        return []
    rows: list[Any] = list(session.scalars(_by_ids(cast(Any, model)), {"ids": list(near)}))
    if len(rows) < len(near):
        index.forget(_engine(session), set(near) - {int(r.id) for r in rows})
    target = int(value, 16)
    found = [(row, (target ^ int(str(row.value), 16)).bit_count()) for row in rows]
    found = [(row, d) for row, d in found if d <= distance]
    return sorted(found, key=lambda pair: (pair[1], int(pair[0].id)))
