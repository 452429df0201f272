"""gunicorn settings for a classroom lab server (a two-core laptop).

    gunicorn -c gunicorn.conf.py wsgi:app


Measured in bench/ (see bench/README.md). Override any of them on the command line, e.g.
`--bind 0.0.0.0:8000` to serve the lab's network, or with GUNICORN_CMD_ARGS.
"""

import ctypes
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
# One process per core plus one, two threads each: the threads overlap the waits (SQLite
# commit, network), more processes rather than more threads keep Python's GIL uncontended and
# each worker's peak memory lower (bench/README.md: 2 x 4 threads peaked at 77-83 MB a worker,
# 3 x 2 at 76-77 MB, for the same throughput and latency).
workers = int(os.environ.get("LMS_WORKERS", (os.cpu_count() or 2) + 1))
worker_class = "gthread"
threads = int(os.environ.get("LMS_THREADS", "2"))
# Keep-alive saves a TCP handshake per page on a slow lab network.
keepalive = 5
# Import the app once in the master: faster start, workers share its memory pages.
preload_app = True
timeout = 60
graceful_timeout = 20
backlog = 2048
accesslog = os.environ.get("LMS_ACCESS_LOG")  # None: no access log (a file path to keep one)


def _return_big_blocks_to_the_system() -> None:
    """Make glibc give Argon2's 7 MiB blocks back at once instead of keeping one per thread."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    # M_MMAP_THRESHOLD: blocks over 1 MiB are mmap'd, and unmapped when freed.
    libc.mallopt(-3, 1024 * 1024)
    libc.mallopt(-8, 2)            # M_ARENA_MAX: two malloc arenas per process, not 8 per core


_settled = False
_passwords = None


def on_starting(server):
    """Before the workers: the process that hashes every worker's passwords (7 MiB and a core
    each, a fixed number at a time, outside the workers). LMS_PASSWORD_PROCESS=0: in the workers."""
    global _passwords
    if os.environ.get("LMS_PASSWORD_PROCESS", "1") == "0":
        return
    from lms.auth.hasher_process import start

    _passwords = start()
    os.environ["LMS_PASSWORD_HASHER"] = _passwords[1]
    server.log.info("Passwords are hashed by process %s", _passwords[0].pid)


def on_exit(server):
    """The password process stops with the server."""
    if _passwords is not None:
        from lms.auth.hasher_process import stop

        stop(*_passwords)


def pre_fork(server, worker):
    """Once, in the master: settle the preloaded app so that the workers share more of it.

    Mappers configured here (SQLAlchemy does it at the first query otherwise, in each worker),
    a full collection, then frozen (later collections in the workers do not touch, and so do
    not copy, these pages), and the freed heap handed back to the system.
    """
    global _settled
    if _settled or not server.cfg.preload_app:
        return
    _settled = True
    import gc
    import sys

    if "sqlalchemy.orm" in sys.modules:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
    gc.collect()
    gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def post_fork(server, worker):
    """Each worker opens its own database connections (never share them across fork)."""
    _return_big_blocks_to_the_system()
    from lms.extensions import db

    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    with app.app_context():
        db.engine.dispose(close=False)
