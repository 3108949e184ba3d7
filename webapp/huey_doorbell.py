"""SqliteHuey storage that wakes its consumers when a task is enqueued, instead of making them poll.

Plain SqliteHuey consumers poll the queue table, backing off to the consumer's max delay (`-m`)
while idle, so a job started on a quiet system waits up to that long before a worker sees it
(RedisHuey blocks on BRPOP and has no such wait). Here a consumer that finds the queue empty waits
on a doorbell for up to `read_timeout`; whoever enqueues rings it: a one-byte Unix datagram to
every consumer process's socket in `<huey file>.wake/`, and the waiters in its own process
directly. The queue table stays the truth: a lost ring costs one `read_timeout` at most.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from huey.storage import SqliteStorage

from .datagrams import Listener, send_to_all

log = logging.getLogger(__name__)


class Doorbell:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cond = threading.Condition()
        self._rings = 0
        self.waiting = 0  # consumers waiting now (for tests and debugging)
        self._lock = threading.Lock()
        self._pid: int | None = None  # the process whose listener runs (a forked child starts its own)
        self._listener: Listener | None = None
        self._failed = False

    @property
    def rings(self) -> int:
        return self._rings

    def ring(self) -> None:
        """Wake every consumer waiting on this queue file, in this process and the others."""
        self.ring_here()
        # Never wait on a consumer: a full queue of rings is as good as one more.
        send_to_all(self.directory, b"!", wait=0, skip=self._listener.path if self._listener else None)

    def ring_here(self) -> None:
        with self._cond:
            self._rings += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Until a ring after `seen` (a value of `rings` read before looking at the queue) or timeout."""
        with self._cond:
            self.waiting += 1
            try:
                self._cond.wait_for(lambda: self._rings != seen, timeout)
            finally:
                self.waiting -= 1

    def listen(self) -> bool:
        """Start this process's listener if needed. False when it cannot (then poll instead)."""
        if self._pid == os.getpid():
            return True
        if self._failed:
            return False
        with self._lock:
            if self._pid == os.getpid():
                return True
            try:
                self._listener = Listener(self.directory, "", lambda _data: self.ring_here())
            except OSError as exc:
                self._failed = True
                log.warning("Huey doorbell unavailable (%s); consumers poll the queue instead", exc)
                return False
            self._pid = os.getpid()
            return True

    def close(self) -> None:
        with self._lock:
            if self._listener is not None and self._pid == os.getpid():
                self._listener.close()
            self._listener, self._pid = None, None


class DoorbellSqliteStorage(SqliteStorage):
    """SqliteStorage whose dequeue() blocks until a ring or `read_timeout`, as RedisStorage's does."""

    blocking = True  # the consumer does not sleep between empty dequeues; we wait here instead

    def __init__(self, name: str, *, filename: str, read_timeout: float = 1.0, **kwargs) -> None:
        super().__init__(name, filename=filename, **kwargs)
        self.read_timeout = read_timeout
        self.doorbell = Doorbell(Path(filename).with_suffix(".wake"))

    def enqueue(self, data, priority=None) -> None:
        super().enqueue(data, priority)
        self.doorbell.ring()

    def dequeue(self):
        if not self.doorbell.listen():
            self.blocking = False  # cannot be woken: the consumer polls, as with plain SqliteHuey
            return super().dequeue()
        seen = self.doorbell.rings
        data = super().dequeue()
        if data is None:
            self.doorbell.wait(seen, self.read_timeout)
        return data

    def close(self) -> None:
        self.doorbell.close()
        super().close()
