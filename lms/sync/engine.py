"""Records as portable dicts: columns, foreign keys as uuids, content hashes, uuid index."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import JSON, Date, DateTime, String, Time, any_, bindparam, select
from sqlalchemy.types import ARRAY

from lms.extensions import db
from lms.sync.models import SyncAlias, SyncRecordState
from lms.sync.registry import Spec

CHUNK = 500
NOT_COMPARED = {"created_at", "updated_at"}


def models_by_table() -> dict[str, type]:
    return {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers
            if hasattr(m.class_, "__tablename__")}


@cache
def foreign_keys(model) -> dict[str, str]:
    """{column name: referenced table} for foreign keys to tables whose rows carry a uuid."""
    tables = models_by_table()
    out = {}
    for column in model.__table__.columns:
        for fk in column.foreign_keys:
            target = tables.get(fk.column.table.name)
            if target is not None and "uuid" in target.__table__.columns:
                out[column.name] = fk.column.table.name
    return out


def names_an_actor(model, column: str, table: str) -> bool:
    """A nullable reference to the person who acted (graded, recorded, issued...).

    Left empty when that person is not on this server (an academy staff member unknown to a
    lab), instead of refusing the whole bundle; the record itself still arrives.
    """
    return table == "lms_users" and bool(model.__table__.columns[column].nullable)


def plain_columns(spec: Spec) -> list:
    """The columns that travel as values (not the local id, not foreign keys)."""
    return _plain_columns(spec.model, spec.skip_columns)


@cache
def attribute_of(model, column) -> str:
    """The mapped attribute name of a column (`structure_json` for the column `structure`)."""
    from sqlalchemy import inspect

    return inspect(model).get_property_by_column(column).key


@cache
def _plain_columns(model, skip: frozenset[str]) -> list:
    fks = foreign_keys(model)
    return [c for c in model.__table__.columns
            if c.name != "id" and c.name not in fks and c.name not in skip]


def _encode(value):
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes: they are UTC, say so, so that times compare.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, String) and not isinstance(value, str):
        raise ValueError(f"{column.name}: not text")
    if isinstance(column.type, String) and column.type.length and len(value) > column.type.length:
        raise ValueError(f"{column.name}: longer than {column.type.length} characters")
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Time):
        return time.fromisoformat(value)
    return value


def content_hash(spec: Spec, record: dict) -> str:
    """Hash of what matters in a record (not timestamps, not local-only fields)."""
    kept = {k: v for k, v in record.items()
            if k not in NOT_COMPARED and k not in spec.local_only and k != "__ref"}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


def among(column, values):
    """`column IN (values)`; on PostgreSQL `column = ANY(one array parameter)`: the statement's
    text is then the same for every batch (psycopg parses a long IN list anew each time)."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def insert_rows(table, rows: list[dict]) -> None:
    """Insert many rows of one table, all with the same keys (column names).

    On PostgreSQL one COPY per batch, in the session's transaction: the rows go out in the
    driver's C code, with no statement to parse (an INSERT of arrays spent a third of a first
    import quoting the arrays' text in Python). Elsewhere (SQLite) the driver's executemany,
    which loops in C.
    """
    if not rows:
        return
    dialect = db.session.get_bind().dialect
    keys = list(rows[0])
    if dialect.name != "postgresql" or _missing_defaults(table, tuple(keys)):
        db.session.execute(table.insert(), rows)
        return
    db.session.flush()
    columns = [table.c[k] for k in keys]
    quote = dialect.identifier_preparer.quote
    json_columns = {i for i, c in enumerate(columns) if isinstance(c.type, JSON)}
    nulls = {i: None if columns[i].type.none_as_null else "null" for i in json_columns}
    sql = (f"COPY {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(c.name) for c in columns)}) FROM STDIN")
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = [row[c.key] for c in columns]
            for i in json_columns:
                values[i] = nulls[i] if values[i] is None else json.dumps(values[i])
            copy.write_row(values)


def _missing_defaults(table, keys: tuple[str, ...]) -> bool:
    """Whether a column left out of `keys` gets a value from the application (a default)."""
    return any(c.key not in keys and c.default is not None for c in table.columns)


class UuidIndex:
    """Local id <-> uuid, per table: looked up in batches (prefetch) and kept while one export
    or import runs; another server's id for a record held here under ours resolves to ours."""

    def __init__(self):
        self.to_id: dict[tuple[str, str], int | None] = {}
        self.to_uuid: dict[tuple[str, int], str] = {}
        self.loaded: set[str] = set()  # kept for callers that reset a table after writing it
        self.alias_tables: set[str] | None = None  # tables with aliases here (read once)

    def note_alias(self, table: str) -> None:
        """An alias was just recorded for `table`: look aliases up there from now on."""
        if self.alias_tables is not None:
            self.alias_tables.add(table)

    def _has_aliases(self, table: str) -> bool:
        if self.alias_tables is None:
            self.alias_tables = set(db.session.scalars(select(SyncAlias.table_name).distinct()))
        return table in self.alias_tables

    def add(self, table: str, row_id: int, row_uuid: str) -> None:
        self.to_id[(table, row_uuid)] = row_id
        self.to_uuid[(table, row_id)] = row_uuid

    def prefetch_ids(self, table: str, ids) -> None:
        """Look up the uuids of local ids not seen yet, in one query per CHUNK."""
        missing = sorted({i for i in ids if i is not None and (table, i) not in self.to_uuid})
        model = models_by_table()[table]
        for start in range(0, len(missing), CHUNK):
            for row_id, row_uuid in db.session.execute(select(model.id, model.uuid).where(
                    among(model.id, missing[start:start + CHUNK]))):
                self.add(table, row_id, row_uuid)

    def prefetch_uuids(self, table: str, uuids) -> None:
        """Look up the local ids of uuids not seen yet (ours, or aliases of ours)."""
        missing = sorted({u for u in uuids if isinstance(u, str) and (table, u) not in self.to_id})
        model = models_by_table()[table]
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]
            for row_id, row_uuid in db.session.execute(select(model.id, model.uuid).where(
                    among(model.uuid, chunk))):
                self.add(table, row_id, row_uuid)
            for other, row_id in () if not self._has_aliases(table) else db.session.execute(
                    select(SyncAlias.other_uuid, model.id).join(
                        model, model.uuid == SyncAlias.local_uuid).where(
                        SyncAlias.table_name == table, among(SyncAlias.other_uuid, chunk))):
                self.to_id[(table, other)] = row_id
            for row_uuid in chunk:
                self.to_id.setdefault((table, row_uuid), None)

    def uuid_of(self, table: str, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        if (table, row_id) not in self.to_uuid:
            self.prefetch_ids(table, [row_id])
        return self.to_uuid[(table, row_id)]

    def id_of(self, table: str, row_uuid: str | None) -> int | None:
        if row_uuid is None:
            return None
        if (table, row_uuid) not in self.to_id:
            self.prefetch_uuids(table, [row_uuid])
        return self.to_id.get((table, row_uuid))

    def trim(self, limit: int = 50_000) -> None:
        """Forget what was looked up when it grows large (it is only a cache: memory stays low)."""
        if len(self.to_id) + len(self.to_uuid) > limit:
            self.to_id.clear()
            self.to_uuid.clear()


def prefetch(spec: Spec, index: UuidIndex, objects=(), rows=()) -> None:
    """Look up, in a few queries, every reference of a batch of objects (export) or rows."""
    for column, table in foreign_keys(spec.model).items():
        if objects:
            index.prefetch_ids(table, [getattr(o, column) for o in objects])
        if rows:
            index.prefetch_uuids(table, [r.get(f"{column}__uuid") for r in rows])


def to_record(spec: Spec, obj, index: UuidIndex) -> dict:
    """One model object as a portable dict."""
    record = {c.name: _encode(getattr(obj, c.key)) for c in plain_columns(spec)}
    for column, table in foreign_keys(spec.model).items():
        record[f"{column}__uuid"] = index.uuid_of(table, getattr(obj, column))
    if spec.extra_out:
        record.update(spec.extra_out(obj))
    return record


def states_of(spec: Spec, uuids: list[str]) -> dict[str, SyncRecordState]:
    """The sync states of a batch's records (looked up by uuid: see SyncRecordState)."""
    out = {}
    for start in range(0, len(uuids), CHUNK):
        chunk = uuids[start:start + CHUNK]
        for state in db.session.scalars(select(SyncRecordState).where(
                among(SyncRecordState.record_uuid, chunk))):
            if state.table_name == spec.table:
                out[state.record_uuid] = state
    return out


def state_rows(spec: Spec, uuids: list[str]) -> dict[str, tuple]:
    """Like `states_of`, as plain (id, content hash, source peer) rows: no ORM objects."""
    out = {}
    model = SyncRecordState
    for start in range(0, len(uuids), CHUNK):
        for row in db.session.execute(select(
                model.id, model.record_uuid, model.table_name, model.content_hash,
                model.source_peer_id).where(among(model.record_uuid, uuids[start:start + CHUNK]))):
            if row.table_name == spec.table:
                out[row.record_uuid] = (row.id, row.content_hash, row.source_peer_id)
    return out


def locals_of(spec: Spec, uuids: list[str]) -> dict[str, object]:
    out = {}
    for start in range(0, len(uuids), CHUNK):
        chunk = uuids[start:start + CHUNK]
        for obj in db.session.scalars(select(spec.model).where(among(spec.model.uuid, chunk))):
            out[obj.uuid] = obj
    return out


