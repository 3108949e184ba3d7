"""One-way Unix datagrams to every listener in a folder: how a worker reaches the web processes
(live token deltas, events/live.py) and how whoever enqueues a task wakes the consumers
(huey_doorbell.py). Each listener binds its own `*.sock` file in the folder."""
from __future__ import annotations

import atexit
import errno
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

_local = threading.local()


def send_to_all(directory: Path, payload: bytes, *, wait: float, skip: Path | None = None) -> None:
    """Send `payload` to every listener in `directory` (best effort). A listener whose process is
    gone (its file left behind) is removed; one whose queue stays full for `wait` seconds (0: not at
    all) misses this datagram."""
    try:
        targets = [p for p in directory.iterdir() if p.suffix == ".sock" and p != skip]
    except OSError:  # nobody has listened yet
        return
    sender = _sender(wait)
    for path in targets:
        try:
            sender.sendto(payload, str(path))
        except OSError as exc:
            if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
                path.unlink(missing_ok=True)  # its process is gone


def _sender(wait: float) -> socket.socket:
    """This thread's sending socket for that wait (0: non-blocking)."""
    senders = _local.__dict__.setdefault("senders", {})
    sock = senders.get(wait)
    if sock is None:
        sock = senders[wait] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if wait:
            sock.settimeout(wait)
        else:
            sock.setblocking(False)
    return sock


class Listener:
    """This process's socket in `directory`, handing each datagram to `on_datagram` on a thread of
    its own. Binding raises OSError (a path over ~107 bytes, a read-only folder)."""

    def __init__(self, directory: Path, prefix: str, on_datagram: Callable[[bytes], None], *,
                 max_size: int = 65536) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self.path = directory / f"{prefix}{self._pid}-{uuid.uuid4().hex[:8]}.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(str(self.path))
        except OSError:
            self.sock.close()
            raise
        self.sock.settimeout(1.0)
        self._on_datagram, self._max_size = on_datagram, max_size
        self.stopped = False
        self.thread = threading.Thread(target=self._loop, name=f"datagrams-{prefix}", daemon=True)
        self.thread.start()
        atexit.register(self.close)  # a process that exits cleanly leaves no socket behind

    def _loop(self) -> None:
        while not self.stopped:
            try:
                data = self.sock.recv(self._max_size)
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            try:
                self._on_datagram(data)
            except Exception:  # noqa: BLE001 - one bad datagram must not stop the listener
                log.warning("bad datagram on %s", self.path.name, exc_info=True)

    def close(self) -> None:
        if self.stopped or os.getpid() != self._pid:  # a forked child must not remove its parent's socket
            return
        self.stopped = True
        self.sock.close()
        self.path.unlink(missing_ok=True)
