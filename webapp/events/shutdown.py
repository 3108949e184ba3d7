"""A planned restart closes this process's websockets with 1001 ("going away"), so every client
reconnects to the next process and replays from its cursor, instead of holding the server's
graceful timeout open and then being cut (1006). Gunicorn's post_worker_init hook calls watch_worker."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

GOING_AWAY = 1001
RESTART_REASON = "Server restarting: reconnect."


def close_every_socket() -> int:
    """Close every open socket of this process with 1001; how many were open."""
    from .registry import close_all

    return close_all(GOING_AWAY, RESTART_REASON)


def watch_worker(worker, interval: float = 0.5) -> threading.Thread:
    """Watch a gunicorn worker's `alive` flag (cleared by SIGTERM, SIGHUP, SIGQUIT or a parent that
    went away) and close the sockets the moment it drops. Under the gevent worker this thread is a
    greenlet; the check is one attribute read per interval."""
    stopped = threading.Event()

    def watch() -> None:
        while getattr(worker, "alive", False):
            stopped.wait(interval)
        closed = close_every_socket()
        if closed:
            log.info("worker stopping: closed %d websocket(s) with 1001", closed)

    thread = threading.Thread(target=watch, name="herald-socket-shutdown", daemon=True)
    thread.start()
    return thread
