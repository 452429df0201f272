"""Short write transactions: a request reads freely and holds the write lock only to write.

SQLite has one writer at a time. A form POST normally takes the write lock at its first query
(see `lms.sqlite.sqlite_begin`), so everything it does, loading the user, checking the rules,
rendering, waits for and holds that lock. On the hottest path (a trainee saving an answer) the
view is marked with `writes_in_blocks`: its reads run in a read transaction that never blocks
anyone, and only the block inside `write_transaction()` takes the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from lms.extensions import db

View = TypeVar("View", bound=Callable)


def writes_in_blocks(view: View) -> View:
    """Mark a view that writes only inside `write_transaction()` blocks.

    Its other queries run in a read (deferred) transaction even for a POST, so they never wait
    for, nor hold, SQLite's write lock. Put it under the route decorators (innermost).
    """
    view.lms_writes_in_blocks = True
    return view


def view_writes_in_blocks(view) -> bool:
    """Whether a view was marked with `writes_in_blocks`."""
    return getattr(view, "lms_writes_in_blocks", False)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block in a write transaction of its own, committed when it ends.

    The session's current transaction is committed first (ending a read), then the block starts
    with SQLite's `BEGIN IMMEDIATE`: it waits for the write lock before its first query, so it
    sees the latest committed data and can never fail to upgrade a stale read. Anything the
    write depends on must be checked again inside the block. An exception rolls the block back.
    Loaded objects are expired by the commits, as after any commit.
    """
    session = db.session
    session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
