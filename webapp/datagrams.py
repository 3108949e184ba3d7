"""One-way Unix datagrams to every listener in a folder: how a worker reaches the web processes
(live token deltas, events/live.py) and how whoever enqueues a task wakes the consumers
(huey_doorbell.py). Each listener binds its own `*.sock` file in the folder."""
from __future__ import annotations

import errno
import socket
import threading
from pathlib import Path

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
