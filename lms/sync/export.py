"""What a bundle carries: the records in scope (all, or changed since what the peer acknowledged),
every record they refer to that the peer is not known to hold, written in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import Select, and_, exists, literal, or_, select, update

from lms.extensions import db
from lms.sync.bundle import BATCH, BundleWriter
from lms.sync.engine import (
    UuidIndex,
    among,
    attribute_of,
    content_hash,
    foreign_keys,
    insert_rows,
    models_by_table,
    prefetch,
    state_rows,
    to_record,
)
from lms.sync.models import SyncBundle, SyncPeer, SyncPeerRecord, SyncRecordState
from lms.sync.registry import SPECS, Scope, Spec

# Changes committed while the previous bundle was being made are carried again, not lost (a
# lab's write transactions last milliseconds; a clock corrected by a minute is covered too).
MARGIN = timedelta(minutes=2)


def changes_since(peer: SyncPeer) -> datetime | None:
    """Where a delta for `peer` starts: when our last bundle it acknowledged was made (less a
    margin); None (everything) before the first acknowledgement."""
    if not peer.acked_seq:
        return None
    made = db.session.scalar(select(SyncBundle.created_at).where(
        SyncBundle.peer_id == peer.id, SyncBundle.direction == "out",
        SyncBundle.seq == peer.acked_seq))
    if made is None:
        return None
    return (made if made.tzinfo else made.replace(tzinfo=UTC)) - MARGIN


def _ids(spec: Spec, query: Select) -> Select:
    return query.with_only_columns(spec.model.id).order_by(None)


def _changed_since(spec: Spec, since: datetime, peer: SyncPeer):
    """Changed here since `since`, or received since then from another peer.

    Records last written by an import from `peer` itself and not changed here since then are
    left out in the query (the centre no longer reads back a lab's whole week to send none of
    it); `_records` still compares content hashes for what remains.
    """
    model = spec.model
    received = select(SyncRecordState.record_uuid).where(
        SyncRecordState.table_name == spec.table, SyncRecordState.changed_at > since)
    echoed = exists().where(
        SyncRecordState.record_uuid == model.uuid, SyncRecordState.table_name == spec.table,
        SyncRecordState.source_peer_id == peer.id, SyncRecordState.changed_at >= model.updated_at)
    return and_(or_(model.updated_at > since, model.created_at > since,
                    model.uuid.in_(received)), ~echoed)


def _known(peer: SyncPeer, table: str) -> Select:
    return select(SyncPeerRecord.record_uuid).where(
        SyncPeerRecord.peer_id == peer.id, SyncPeerRecord.table_name == table,
        SyncPeerRecord.seq <= peer.acked_seq)


class Export:
    """One bundle's content for one peer."""

    def __init__(self, scope: Scope, peer: SyncPeer, since: datetime | None, seq: int,
                 lab_scope: Scope | None):
        self.scope, self.peer, self.since, self.seq = scope, peer, since, seq
        self.lab_scope = lab_scope  # set on a lab: what its site does not own is a reference
        self.index = UuidIndex()
        self.base: dict[str, Select] = {}
        self.extra: dict[str, set[int]] = {spec.table: set() for spec in SPECS}
        self.specs = {spec.table: spec for spec in SPECS}

    def _chosen(self, spec: Spec):
        extra = sorted(self.extra[spec.table])
        condition = spec.model.id.in_(self.base[spec.table])
        return or_(condition, among(spec.model.id, extra)) if extra else condition

    def plan(self) -> None:
        """Choose the records: in scope (changed since `since`), then what they refer to."""
        for spec in SPECS:
            query = _ids(spec, spec.scope(self.scope))
            if self.since is not None:
                query = query.where(_changed_since(spec, self.since, self.peer))
            self.base[spec.table] = query
        models = models_by_table()
        # Children come after their parents in SPECS: walking backwards, every reference to a
        # table is known before that table's own references are followed.
        for spec in reversed(SPECS):
            chosen = self._chosen(spec)
            links = [(table, select(getattr(spec.model, column)).where(chosen))
                     for column, table in foreign_keys(spec.model).items()
                     if table in self.specs]
            if spec.refs:
                links += spec.refs(select(spec.model.id).where(chosen))
            for table, referred in links:
                target = models[table]
                query = select(target.id).where(target.id.in_(referred),
                                                target.id.not_in(self.base[table]))
                if self.since is not None and self.specs[table].track_known:
                    query = query.where(target.uuid.not_in(_known(self.peer, table)))
                self.extra[table].update(db.session.scalars(query))

    def write(self, writer: BundleWriter, progress: Callable[[int], None] | None = None) -> None:
        """Write every chosen record, table by table, in batches; remember what was sent."""
        for spec in SPECS:
            writer.table(spec.table, self._batches(spec, progress))

    def _owned(self, spec: Spec):
        if self.lab_scope is None:
            return literal(True)
        owned = (spec.owned(self.lab_scope) if spec.owned
                 else _ids(spec, spec.scope(self.lab_scope)))
        return spec.model.id.in_(owned)

    def _batches(self, spec: Spec, progress) -> Iterator[list[dict]]:
        owned = self._owned(spec).label("sync_owned")
        # Plain rows unless the record needs its object (link rows, decoded columns): no ORM
        # object per record on the hot path (answers, attempts).
        selected = ((spec.model,) if needs_objects(spec)
                    else tuple(spec.model.__table__.columns))
        query = (select(*selected, owned).where(self._chosen(spec)).order_by(spec.model.id)
                 .execution_options(yield_per=BATCH))
        batch: list = []
        for row in db.session.execute(query):
            batch.append((row[0], row.sync_owned) if len(selected) == 1 else (row, row.sync_owned))
            if len(batch) >= BATCH:
                yield self._records(spec, batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            yield self._records(spec, batch)
            if progress:
                progress(len(batch))

    def _records(self, spec: Spec, batch: list) -> list[dict]:
        prefetch(spec, self.index, objects=[obj for obj, _owned in batch])
        records = []
        for obj, owned in batch:
            record = to_record(spec, obj, self.index)
            if not owned:
                record["__ref"] = True
            records.append(record)
        states = state_rows(spec, [r["uuid"] for r in records])
        kept, new_states, changed = [], [], []
        for record in records:
            digest = content_hash(spec, record)
            state = states.get(record["uuid"])
            if (self.since is not None and state is not None
                    and state[2] == self.peer.id and state[1] == digest):
                continue  # exactly what this peer sent us: not sent back
            if state is None:
                new_states.append({"table_name": spec.table, "record_uuid": record["uuid"],
                                   "content_hash": digest})
            elif state[1] != digest:
                changed.append({"id": state[0], "content_hash": digest, "source_peer_id": None})
            kept.append(record)
        if new_states:
            insert_rows(SyncRecordState.__table__, new_states)
        if changed:
            db.session.execute(update(SyncRecordState), changed)
        if spec.track_known and kept:
            self._remember_sent(spec, [r["uuid"] for r in kept])
        if needs_objects(spec):
            for obj in [o for o in db.session.identity_map.values()
                        if isinstance(o, spec.model)]:
                db.session.expunge(obj)
        self.index.trim()
        return kept

    def _remember_sent(self, spec: Spec, uuids: list[str]) -> None:
        known = set(db.session.scalars(select(SyncPeerRecord.record_uuid).where(
            SyncPeerRecord.peer_id == self.peer.id, SyncPeerRecord.table_name == spec.table,
            among(SyncPeerRecord.record_uuid, uuids))))
        rows = [{"peer_id": self.peer.id, "table_name": spec.table, "record_uuid": u,
                 "seq": self.seq} for u in uuids if u not in known]
        if rows:
            insert_rows(SyncPeerRecord.__table__, rows)


def needs_objects(spec: Spec) -> bool:
    """Whether a table's records are made from model objects (extra fields, or a column whose
    attribute has another name) rather than from plain rows."""
    return spec.extra_out is not None or _renamed_columns(spec.model)


@cache
def _renamed_columns(model) -> bool:
    return any(attribute_of(model, column) != column.key for column in model.__table__.columns)
