"""Database engine set-up: SQLite pragmas, and how SQLite transactions begin (see PITFALLS.md).

A SQLite transaction that reads and then writes fails at once when another writer got there first,
so anything that may write starts with BEGIN IMMEDIATE. Read-only requests (GET/HEAD/OPTIONS) start
with a plain BEGIN instead, so page views do not queue behind each other; the rare write during such a
request goes through `writing()`, which ends the read and opens an immediate transaction.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

# True everywhere (tasks, CLI, POST…) except inside a read-only HTTP request.
_write_intent: ContextVar[bool] = ContextVar("herald_sqlite_write_intent", default=True)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_conn, _record):
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    # Driver autocommit off: we emit BEGIN ourselves so write transactions never upgrade a read lock.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# Writers in one process queue here rather than inside SQLite: SQLite's busy handler sleeps in
# growing steps (up to 100 ms) when threads collide on its write lock, so a 12-piece job's threads
# waited on each other far longer than their writes took. Other processes still meet SQLite's busy
# timeout. A plain Lock (any thread may release it) taken with a timeout: a thread that opens a second
# writing connection while its first still writes waits the timeout and then goes on to SQLite, which
# behaves as it did before.
_process_write_lock = threading.Lock()
_LOCK_WAIT = 15.0


class _HeraldSQLiteConnection(sqlite3.Connection):
    """sqlite3 connection that gives the process write lock back once COMMIT or ROLLBACK has run."""

    herald_holds_lock = False

    def _herald_release(self) -> None:
        if self.herald_holds_lock:
            self.herald_holds_lock = False
            _process_write_lock.release()

    def commit(self):
        try:
            return super().commit()
        finally:
            self._herald_release()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._herald_release()

    def close(self):
        try:
            return super().close()
        finally:
            self._herald_release()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    if not _write_intent.get():
        conn.exec_driver_sql("BEGIN")
        return
    raw = conn.connection.dbapi_connection
    if isinstance(raw, _HeraldSQLiteConnection) and not raw.herald_holds_lock:
        raw.herald_holds_lock = _process_write_lock.acquire(timeout=_LOCK_WAIT)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(raw, _HeraldSQLiteConnection):
            raw._herald_release()
        raise


@contextmanager
def writing():
    """Write inside a read-only request: end the current read, then begin IMMEDIATE for the block.
    The caller commits inside the block."""
    from .extensions import db

    db.session.rollback()
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def reading():
    """A block that only reads (its transaction must end inside it): begin deferred, so a worker's
    many threads do not queue on the write lock just to look things up."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def init_request_intent(app: Flask) -> None:
    @app.before_request
    def _read_only_requests_begin_deferred():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            _write_intent.set(False)

    @app.teardown_request
    def _reset_intent(_exc):
        _write_intent.set(True)


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 15, "check_same_thread": False, "factory": _HeraldSQLiteConnection}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
