"""Turn records into portable dicts and merge incoming ones, by uuid, with the documented rules."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time

from sqlalchemy import Date, DateTime, Time, func, select

from lms.extensions import db
from lms.sync.models import SyncConflict, SyncPeer, SyncRecordState
from lms.sync.registry import SPECS, Scope, Spec

CHUNK = 500
NOT_COMPARED = {"created_at", "updated_at"}


def _models_by_table() -> dict[str, type]:
    return {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers
            if hasattr(m.class_, "__tablename__")}


def _foreign_keys(model) -> dict[str, str]:
    """{column name: referenced table} for foreign keys to tables whose rows carry a uuid."""
    tables = _models_by_table()
    out = {}
    for column in model.__table__.columns:
        for fk in column.foreign_keys:
            target = tables.get(fk.column.table.name)
            if target is not None and "uuid" in target.__table__.columns:
                out[column.name] = fk.column.table.name
    return out


def _names_an_actor(model, column: str, table: str) -> bool:
    """A nullable reference to the person who acted (graded, recorded, issued...).

    Left empty when that person is not on this server (an academy staff member unknown to a
    lab), instead of refusing the whole bundle; the record itself still arrives.
    """
    return table == "lms_users" and bool(model.__table__.columns[column].nullable)


def _plain_columns(spec: Spec) -> list:
    fks = _foreign_keys(spec.model)
    return [c for c in spec.model.__table__.columns
            if c.name != "id" and c.name not in fks and c.name not in spec.skip_columns]


def _encode(value):
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes: they are UTC, say so, so that times compare.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _decode(column, value):
    if value is None:
        return None
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
            if k not in NOT_COMPARED and k not in spec.local_only}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


class UuidIndex:
    """Local id <-> uuid, per table, loaded lazily and kept current during an import."""

    def __init__(self):
        self.to_id: dict[tuple[str, str], int] = {}
        self.to_uuid: dict[tuple[str, int], str] = {}
        self.loaded: set[str] = set()

    def load(self, table: str) -> None:
        if table in self.loaded:
            return
        model = _models_by_table()[table]
        for row_id, row_uuid in db.session.execute(select(model.id, model.uuid)):
            self.add(table, row_id, row_uuid)
        self.loaded.add(table)

    def add(self, table: str, row_id: int, row_uuid: str) -> None:
        self.to_id[(table, row_uuid)] = row_id
        self.to_uuid[(table, row_id)] = row_uuid

    def uuid_of(self, table: str, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        self.load(table)
        return self.to_uuid[(table, row_id)]

    def id_of(self, table: str, row_uuid: str | None) -> int | None:
        if row_uuid is None:
            return None
        self.load(table)
        return self.to_id.get((table, row_uuid))


def to_record(spec: Spec, obj, index: UuidIndex) -> dict:
    """One model object as a portable dict."""
    record = {c.name: _encode(getattr(obj, c.key)) for c in _plain_columns(spec)}
    for column, table in _foreign_keys(spec.model).items():
        record[f"{column}__uuid"] = index.uuid_of(table, getattr(obj, column))
    if spec.extra_out:
        record.update(spec.extra_out(obj))
    return record


def export_tables(scope: Scope) -> dict[str, list[dict]]:
    """Every syncable record in scope, table by table, parents first; remember what we sent."""
    index = UuidIndex()
    tables = {}
    for spec in SPECS:
        rows = [to_record(spec, obj, index) for obj in db.session.scalars(spec.scope(scope))]
        tables[spec.table] = rows
        _remember(spec, rows)
    return tables


def _remember(spec: Spec, rows: list[dict]) -> None:
    states = _states(spec, [r["uuid"] for r in rows])
    for row in rows:
        digest = content_hash(spec, row)
        state = states.get(row["uuid"])
        if state is None:
            db.session.add(SyncRecordState(table_name=spec.table, record_uuid=row["uuid"],
                                           content_hash=digest))
        elif state.content_hash != digest:
            state.content_hash = digest


def _states(spec: Spec, uuids: list[str]) -> dict[str, SyncRecordState]:
    out = {}
    for start in range(0, len(uuids), CHUNK):
        chunk = uuids[start:start + CHUNK]
        for state in db.session.scalars(select(SyncRecordState).where(
                SyncRecordState.table_name == spec.table,
                SyncRecordState.record_uuid.in_(chunk))):
            out[state.record_uuid] = state
    return out


def _locals(spec: Spec, uuids: list[str]) -> dict[str, object]:
    out = {}
    for start in range(0, len(uuids), CHUNK):
        chunk = uuids[start:start + CHUNK]
        for obj in db.session.scalars(select(spec.model).where(spec.model.uuid.in_(chunk))):
            out[obj.uuid] = obj
    return out


class MergeRefused(Exception):
    """A record cannot be merged (a clash the rules refuse); the import is undone."""


def import_tables(tables: dict[str, list[dict]], peer: SyncPeer) -> dict[str, dict[str, int]]:
    """Merge incoming tables into this database (caller commits or rolls back as one unit)."""
    index = UuidIndex()
    counts: dict[str, dict[str, int]] = {}
    for spec in SPECS:
        rows = tables.get(spec.table, [])
        tally = counts.setdefault(spec.table, {"new": 0, "updated": 0, "unchanged": 0,
                                               "kept_ours": 0, "conflicts": 0, "skipped": 0})
        if not rows:
            continue
        existing = _locals(spec, [r["uuid"] for r in rows])
        states = _states(spec, [r["uuid"] for r in rows])
        for row in rows:
            outcome = _merge_one(spec, row, existing.get(row["uuid"]),
                                 states.get(row["uuid"]), index, peer)
            tally[outcome] += 1
        db.session.flush()
        index.loaded.discard(spec.table)
    return counts


def _merge_one(spec, row, local, state, index, peer) -> str:
    incoming_hash = content_hash(spec, row)
    if local is None:
        obj = _insert(spec, row, index, peer)
        if obj is None:
            return "skipped"
        _set_state(spec, row["uuid"], incoming_hash, state)
        return "new"
    if spec.immutable or spec.mode == "append":
        return "unchanged"
    ours = to_record(spec, local, index)
    our_hash = content_hash(spec, ours)
    base = state.content_hash if state else None
    if our_hash == incoming_hash:
        _set_state(spec, row["uuid"], incoming_hash, state)
        return "unchanged"
    incoming_newer = row.get("updated_at", "") > (ours.get("updated_at") or "")
    if incoming_hash == base:
        return "kept_ours"  # the peer sent what we last agreed on; ours is newer
    if our_hash == base or base is None and incoming_newer:
        if not incoming_newer:
            return "kept_ours"  # an older bundle: never undo a newer change
        _apply(spec, local, row, index)
        _set_state(spec, row["uuid"], incoming_hash, state)
        return "updated"
    # Changed on both sides since the last exchange: the newer change wins; staff review both.
    kept, other = (row, ours) if incoming_newer else (ours, row)
    db.session.add(SyncConflict(peer=peer, table_name=spec.table, record_uuid=row["uuid"],
                                rule="both sides changed: the most recent change was kept",
                                kept=kept, other=other))
    if incoming_newer:
        _apply(spec, local, row, index)
        _set_state(spec, row["uuid"], incoming_hash, state)
    return "conflicts"


def _set_state(spec, record_uuid, digest, state) -> None:
    if state is None:
        db.session.add(SyncRecordState(table_name=spec.table, record_uuid=record_uuid,
                                       content_hash=digest))
    else:
        state.content_hash = digest


def _values(spec: Spec, row: dict, index: UuidIndex) -> dict:
    values = {}
    for column in _plain_columns(spec):
        if column.name in row:
            values[column.key] = _decode(column, row[column.name])
    for column, table in _foreign_keys(spec.model).items():
        ref = row.get(f"{column}__uuid")
        ref_id = index.id_of(table, ref)
        if ref is not None and ref_id is None and not _names_an_actor(spec.model, column, table):
            raise MergeRefused(f"{spec.table} {row['uuid']}: missing {table} {ref}")
        values[column] = ref_id
    return values


def _insert(spec: Spec, row: dict, index: UuidIndex, peer: SyncPeer):
    values = _values(spec, row, index)
    if spec.natural_key and all(values.get(k) is not None for k in spec.natural_key):
        clash = db.session.scalar(select(spec.model).where(
            *[getattr(spec.model, k) == values[k] for k in spec.natural_key]))
        if clash is not None:
            if spec.on_clash == "skip":
                return None
            if spec.on_clash == "conflict":  # the same fact recorded in two places
                ours = to_record(spec, clash, index)
                db.session.add(SyncConflict(
                    peer=peer, table_name=spec.table, record_uuid=row["uuid"],
                    rule="recorded in two places: the record already here was kept",
                    kept=ours, other=row))
                return None
            if spec.on_clash == "renumber":
                values["number"] = 1 + (db.session.scalar(select(func.max(spec.model.number)).where(
                    *[getattr(spec.model, k) == values[k] for k in spec.natural_key
                      if k != "number"])) or 0)
            else:
                raise MergeRefused(
                    f"{spec.table}: {', '.join(f'{k}={values[k]}' for k in spec.natural_key)} "
                    f"already exists here with another global id")
    obj = spec.model(**values)
    db.session.add(obj)
    if spec.extra_in:
        spec.extra_in(obj, row, index)
    db.session.flush()
    index.add(spec.table, obj.id, obj.uuid)
    return obj


def _apply(spec: Spec, obj, row: dict, index: UuidIndex) -> None:
    values = _values(spec, row, index)
    for key in spec.local_only:
        values.pop(key, None)
    for key, value in values.items():
        setattr(obj, key, value)
    if spec.extra_in:
        spec.extra_in(obj, row, index)


