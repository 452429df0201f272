"""Merge incoming records, batch by batch, by uuid, with the rules documented in registry.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from lms.base import utcnow
from lms.extensions import db
from lms.sync.engine import (
    UuidIndex,
    among,
    attribute_of,
    content_hash,
    decode,
    foreign_keys,
    insert_rows,
    locals_of,
    names_an_actor,
    plain_columns,
    prefetch,
    states_of,
    to_record,
)
from lms.sync.models import SyncAlias, SyncConflict, SyncPeer, SyncRecordState
from lms.sync.registry import SPECS, Spec

OUTCOMES = ("new", "updated", "unchanged", "kept_ours", "conflicts", "skipped", "clashes")


class MergeRefused(Exception):
    """A record cannot be merged (a rule refuses it); the import is undone."""


class Merge:
    """One import: the peer, the uuid index, the tallies; records are merged table by table."""

    def __init__(self, peer: SyncPeer, trust_refs: bool = False):
        self.peer = peer
        self.index = UuidIndex()
        self.counts: dict[str, dict[str, int]] = {}
        self.now = utcnow()
        # From the central server every record is authoritative; from a lab, `__ref` records
        # are another site's and never change ours.
        self.trust_refs = trust_refs
        self.held: dict[tuple, object] = {}  # natural key -> record here (this batch)
        self.pending: list[dict] = []  # new records written at the end of the batch
        self.new_states: list[dict] = []
        self.holders: dict[tuple, object] = {}  # (column, value) -> record holding it here
        self.written: dict[str, int] = {}  # new rows per table in this import
        self.analyzed: dict[str, int] = {}

    def table(self, spec: Spec, batches: Iterable[list[dict]],
              progress: Callable[[int], None] | None = None) -> None:
        """Merge one table's records, batch by batch."""
        tally = self.counts.setdefault(spec.table, dict.fromkeys(OUTCOMES, 0))
        for rows in batches:
            uuids = [r["uuid"] for r in rows]
            existing, states = locals_of(spec, uuids), states_of(spec, uuids)
            prefetch(spec, self.index, rows=rows)
            self.index.prefetch_uuids(spec.table, uuids)
            self.held = self._held_keys(spec, [r for r in rows if r["uuid"] not in existing])
            self.holders = self._aside_holders(spec, rows)
            for row in rows:
                outcome = self._one(spec, row, existing.get(row["uuid"]), states.get(row["uuid"]))
                tally[outcome] += 1
            self._write_pending(spec)
            # What was merged is written: the session need not keep it (bounded memory).
            for obj in [o for o in db.session.identity_map.values()
                        if isinstance(o, spec.model | SyncRecordState)]:
                db.session.expunge(obj)
            self.index.trim()
            if progress:
                progress(len(rows))

    def _one(self, spec: Spec, row: dict, local, state) -> str:
        incoming_hash = content_hash(spec, row)
        if local is None:
            obj, outcome = self._insert(spec, row)
            if obj is None:
                return outcome
            self._set_state(spec, row["uuid"], incoming_hash if outcome == "new"
                            else content_hash(spec, to_record(spec, obj, self.index)), state)
            if outcome == "clashes":
                self._write_pending(spec)
            return outcome
        if spec.immutable or spec.mode == "append":
            return "unchanged"
        if row.get("__ref") and not self.trust_refs:
            return "unchanged"  # another site's record: only its owner's changes count
        ours = to_record(spec, local, self.index)
        our_hash = content_hash(spec, ours)
        base = state.content_hash if state else None
        if our_hash == incoming_hash:
            return "unchanged"
        incoming_newer = row.get("updated_at", "") > (ours.get("updated_at") or "")
        if incoming_hash == base:
            return "kept_ours"  # the peer sent what we last agreed on; ours is newer
        if our_hash == base or base is None and incoming_newer:
            if not incoming_newer:
                return "kept_ours"  # an older bundle: never undo a newer change
            clashed = self._apply(spec, local, row)
            self._set_state(spec, row["uuid"], content_hash(spec, to_record(
                spec, local, self.index)) if clashed else incoming_hash, state)
            return "clashes" if clashed else "updated"
        # Changed on both sides since the last exchange: the newer change wins; staff review both.
        kept, other = (row, ours) if incoming_newer else (ours, row)
        self._conflict(spec, row["uuid"], "both_changed",
                       "both sides changed: the most recent change was kept", kept, other)
        if incoming_newer:
            self._apply(spec, local, row)
            self._set_state(spec, row["uuid"], incoming_hash, state)
        return "conflicts"

    def _conflict(self, spec: Spec, record_uuid: str, kind: str, rule: str, kept: dict,
                  other: dict) -> None:
        """List a conflict for staff, once while it is open."""
        if kind != "both_changed" and db.session.scalar(select(SyncConflict.id).where(
                SyncConflict.table_name == spec.table, SyncConflict.record_uuid == record_uuid,
                SyncConflict.kind == kind, SyncConflict.rule == rule,
                SyncConflict.resolved_at.is_(None))):
            return
        kept = {k: v for k, v in kept.items() if k != "password_hash"}
        other = {k: v for k, v in other.items() if k != "password_hash"}
        db.session.add(SyncConflict(peer_id=self.peer.id, table_name=spec.table,
                                    record_uuid=record_uuid, rule=rule, kind=kind, kept=kept,
                                    other=other))

    def _set_state(self, spec, record_uuid, digest, state) -> None:
        if state is None:  # written with the batch, in one statement
            self.new_states.append({"table_name": spec.table, "record_uuid": record_uuid,
                                    "content_hash": digest, "changed_at": self.now,
                                    "source_peer_id": self.peer.id})
            return
        state.content_hash = digest
        state.changed_at = self.now
        state.source_peer_id = self.peer.id

    def _values(self, spec: Spec, row: dict) -> dict:
        values = {}
        for column in plain_columns(spec):
            if column.name in row:
                values[attribute_of(spec.model, column)] = decode(column, row[column.name])
        for column, table in foreign_keys(spec.model).items():
            ref = row.get(f"{column}__uuid")
            ref_id = self.index.id_of(table, ref)
            if ref is not None and ref_id is None and not names_an_actor(spec.model, column,
                                                                          table):
                raise MergeRefused(_(
                    "a record of %(table)s refers to a record of %(other)s that neither the "
                    "bundle nor this server holds (%(uuid)s). Make a full bundle on the other "
                    "server (export --full) and import it here.", table=spec.table[4:],
                    other=table[4:], uuid=ref))
            values[column] = ref_id
        return values

    def _set_aside(self, spec: Spec, values: dict, row: dict, local=None) -> bool:
        """Hold aside a unique number that another record here already has; list the clash."""
        clashed = False
        for key in spec.aside:
            value = values.get(key)
            if value is None:
                continue
            holder = self.holders.get((key, value))
            if holder is None or holder.uuid == row["uuid"]:
                continue
            clashed = True
            column = spec.model.__table__.columns[key]
            values[key] = (getattr(local, key) if local is not None and getattr(local, key) != value
                           else None if column.nullable else f"{value[:27]}~{row['uuid'][:8]}")
            self._conflict(spec, row["uuid"], "clash",
                           f"two different people have {key.replace('_', ' ')} {value}",
                           to_record(spec, holder, self.index), row)
        return clashed

    def _insert(self, spec: Spec, row: dict):
        if self.index.id_of(spec.table, row["uuid"]) is not None:
            return None, "unchanged"  # their id for a record of ours (an alias)
        values = self._values(spec, row)
        clashed = self._set_aside(spec, values, row)
        key = tuple(values.get(k) for k in spec.natural_key)
        if spec.natural_key and None not in key:
            clash = self.held.get(key)
            if isinstance(clash, dict):  # a new record of this very batch: write it first
                self._write_pending(spec)
                clash = self._held_keys(spec, [row]).get(key)
            if clash is not None:
                if spec.on_clash == "renumber":
                    values["number"] = 1 + (db.session.scalar(select(func.max(
                        spec.model.number)).where(*[getattr(spec.model, k) == values[k]
                                                    for k in spec.natural_key
                                                    if k != "number"])) or 0)
                else:
                    return None, self._same_fact(spec, row, clash)
        if not (spec.extra_in or spec.aside or _refers_to_itself(spec)):
            # Written with the rest of the batch, in one statement (most records: answers).
            if spec.natural_key:
                self.held[key] = values
            self.pending.append(values)
            return values, "new"
        obj = spec.model(**values)
        db.session.add(obj)
        if spec.natural_key:
            self.held[key] = obj
        for column in spec.aside:
            self.holders[(column, getattr(obj, column))] = obj
        if spec.extra_in:
            spec.extra_in(obj, row, self.index)
        db.session.flush()
        self.index.add(spec.table, obj.id, obj.uuid)
        return obj, "clashes" if clashed else "new"

    def _write_pending(self, spec: Spec) -> None:
        """Write the batch's new records and states, grouped by the columns they carry: one
        statement per group (`insert_rows`)."""
        groups: dict[frozenset, list[dict]] = {}
        for values in self.pending:
            groups.setdefault(frozenset(values), []).append(values)
        table = spec.model.__table__
        columns = column_keys(spec.model)
        first = first_values(spec.model)  # what the ORM would set (a version counter)
        for rows in groups.values():
            insert_rows(table, [{**first, **{columns[k]: v for k, v in row.items()}}
                                for row in rows])
        for values in self.pending:  # "not here" was remembered for them: look again
            self.index.to_id.pop((spec.table, values["uuid"]), None)
        if self.new_states:
            insert_rows(SyncRecordState.__table__, self.new_states)
        self.written[spec.table] = self.written.get(spec.table, 0) + len(self.pending)
        self.pending, self.new_states = [], []
        db.session.flush()
        self._refresh_statistics(spec)

    def _refresh_statistics(self, spec: Spec) -> None:
        """On PostgreSQL, have the planner count the rows this import wrote (at 5,000, 10,000,
        20,000... of a table): without it, a table that grew from nothing in this transaction
        is read whole for each batch's lookups (a first import slowed down batch after batch).
        """
        written = self.written.get(spec.table, 0)
        if (written < max(5000, 2 * self.analyzed.get(spec.table, 0))
                or db.session.get_bind().dialect.name != "postgresql"):
            return
        self.analyzed[spec.table] = written
        for table in (spec.table, SyncRecordState.__tablename__):
            db.session.execute(text(f'ANALYZE "{table}"'))

    def _aside_holders(self, spec: Spec, rows: list[dict]) -> dict[tuple, object]:
        """Who here holds the unique numbers a batch brings (one query per column)."""
        holders = {}
        for column in spec.aside:
            wanted = sorted({r[column] for r in rows if isinstance(r.get(column), str)})
            for start in range(0, len(wanted), 500):
                for obj in db.session.scalars(select(spec.model).where(
                        among(getattr(spec.model, column), wanted[start:start + 500]))):
                    holders[(column, getattr(obj, column))] = obj
        return holders

    def _held_keys(self, spec: Spec, rows: list[dict]) -> dict[tuple, object]:
        """The records here that hold the natural keys of a batch's new records (one query)."""
        if not spec.natural_key or not rows:
            return {}
        fks = foreign_keys(spec.model)
        keys = set()
        types = [getattr(spec.model, k).type.python_type for k in spec.natural_key]
        for row in rows:
            key = tuple(self.index.id_of(fks[k], row.get(f"{k}__uuid")) if k in fks
                        else row.get(k) for k in spec.natural_key)
            if None not in key and all(isinstance(v, t) for v, t in zip(key, types, strict=True)):
                keys.add(key)
        if not keys:
            return {}
        # One query on the key's first column (one array parameter on PostgreSQL), the rest
        # compared here: the statement's text does not grow with the batch.
        first = getattr(spec.model, spec.natural_key[0])
        held = {}
        for obj in db.session.scalars(select(spec.model).where(
                among(first, sorted({k[0] for k in keys}, key=str)))):
            key = tuple(getattr(obj, k) for k in spec.natural_key)
            if key in keys:
                held[key] = obj
        return held

    def _same_fact(self, spec: Spec, row: dict, ours) -> str:
        """One fact recorded on two servers: ours stands for theirs from now on."""
        self.index.to_id[(spec.table, row["uuid"])] = ours.id
        if not db.session.scalar(select(SyncAlias.id).where(
                SyncAlias.table_name == spec.table, SyncAlias.other_uuid == row["uuid"])):
            db.session.add(SyncAlias(table_name=spec.table, other_uuid=row["uuid"],
                                     local_uuid=ours.uuid))
        if spec.on_clash == "conflict":
            self._conflict(spec, row["uuid"], "twice",
                           "recorded in two places: the record already here was kept",
                           to_record(spec, ours, self.index), row)
            return "conflicts"
        return "skipped"

    def _apply(self, spec: Spec, obj, row: dict) -> bool:
        values = self._values(spec, row)
        clashed = self._set_aside(spec, values, row, obj)
        for key in spec.local_only:
            values.pop(key, None)
        for key, value in values.items():
            setattr(obj, key, value)
        if spec.extra_in:
            spec.extra_in(obj, row, self.index)
        return clashed


@cache
def column_keys(model) -> dict[str, str]:
    """{mapped attribute name: column name} of a model (`structure_json` -> `structure`)."""
    return {attribute_of(model, c): c.key for c in model.__table__.columns}


@cache
def first_values(model) -> dict:
    """Values the ORM gives a new row beyond column defaults: a version counter starts at 1."""
    from sqlalchemy import inspect

    version = inspect(model).version_id_col
    return {version.key: 1} if version is not None else {}


def _refers_to_itself(spec: Spec) -> bool:
    return spec.table in foreign_keys(spec.model).values()


def specs_in_order() -> list[Spec]:
    """Tables parents first (the order records are merged)."""
    return list(SPECS)
