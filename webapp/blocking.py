"""CPU-heavy C calls off the gevent event loop.

Under gunicorn's gevent worker every request and websocket of a process shares one OS thread, so a
call that holds it for tens of milliseconds (an argon2 hash) stalls them all. Such calls go to
gevent's pool of native threads, where the C code runs while the loop keeps serving; elsewhere
(threaded servers, the worker, the CLI, tests) they are plain calls.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("threading"))


def off_loop(fn: Callable[..., T], *args) -> T:
    if not _gevent_patched():
        return fn(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(fn, args)
