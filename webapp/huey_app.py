"""The one module owning the Huey instance (huey docs, "imports"): tasks.py imports `huey` from here.

Services enqueue through `enqueue(task name, job id)` and never import tasks.py: the Huey tasks that
carry a job id are declared here by name, and what each does is registered by tasks.py (`handles`),
which only the consumer's entry points import. So a web process can send and count messages
without loading any task code.

Storage is picked on first use, not at import: RedisHuey storage when REDIS_URL is set, else
SqliteHuey storage in its own file (HUEY_PATH, default instance/huey.db — never Herald's database,
see PITFALLS.md) whose consumers are woken when a task arrives (huey_doorbell.py). An app built
with other settings (tests, `create_app(config)`) rebinds it with `configure(...)`. Huey carries
only job ids; the Job rows are the truth.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage

from .huey_doorbell import DoorbellSqliteStorage

# The Huey tasks services enqueue, and the seed queue each serves (queues/status counts waiting
# messages per queue by task name).
GENERATE_CONTENT = "generate_content"
TASK_QUEUES: dict[str, str] = {GENERATE_CONTENT: "content-generation"}


def _env_settings() -> dict:
    """What the consumer process knows before any app exists: the environment."""
    instance = Path(os.environ.get("HERALD_INSTANCE_PATH") or Path(__file__).resolve().parent.parent / "instance")
    return {
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "HUEY_PATH": os.environ.get("HERALD_HUEY_PATH") or str(instance / "huey.db"),
        "HUEY_NAME": os.environ.get("HERALD_HUEY_NAME") or "herald",
    }


class HeraldHuey(Huey):
    """A Huey whose storage is created lazily from settings, so importing tasks.py does no work."""

    def __init__(self) -> None:
        self._storage = None
        self._settings: dict | None = None
        self._lock = threading.Lock()
        super().__init__("herald", results=False, utc=True)

    # Huey.__init__ assigns self.storage = self.create_storage(); defer the real one.
    def create_storage(self):
        if self._immediate and self.immediate_use_memory:
            return MemoryStorage(self.name)
        return None

    @property
    def storage(self):
        if self._storage is None:
            with self._lock:
                if self._storage is None:
                    self._storage = self._build(self._settings or _env_settings())
        return self._storage

    @storage.setter
    def storage(self, value) -> None:
        self._storage = value

    @property
    def backend(self) -> str:
        return "redis" if (self._settings or _env_settings()).get("REDIS_URL") else "sqlite"

    def _build(self, settings: dict):
        self.name = settings.get("HUEY_NAME") or "herald"
        if settings.get("REDIS_URL"):
            return RedisStorage(self.name, url=settings["REDIS_URL"], blocking=True, read_timeout=1)
        path = Path(settings["HUEY_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        return DoorbellSqliteStorage(self.name, filename=str(path), timeout=15, read_timeout=1.0)

    def configure(self, *, redis_url: str | None, huey_path: str, name: str | None = None) -> None:
        """Point the instance at this app's queue store (a no-op when nothing changed)."""
        settings = {"REDIS_URL": redis_url or None, "HUEY_PATH": huey_path, "HUEY_NAME": name or "herald"}
        with self._lock:
            if settings == self._settings:
                return
            old, self._settings, self._storage = self._storage, settings, None
        if old is not None:
            try:
                old.close()
            except Exception:  # noqa: BLE001 - a half-open store must not stop reconfiguration
                pass


huey = HeraldHuey()


def configure_from_app(app) -> None:
    """Bind the Huey instance to `app`'s REDIS_URL / HUEY_PATH (called by the app factory)."""
    huey.configure(
        redis_url=app.config.get("REDIS_URL"),
        huey_path=app.config.get("HUEY_PATH") or str(Path(app.instance_path) / "huey.db"),
        name=app.config.get("HERALD_HUEY_NAME") or os.environ.get("HERALD_HUEY_NAME") or "herald",
    )


# --- tasks by name --------------------------------------------------------------------------------

_handlers: dict[str, Callable[[str], None]] = {}


def handles(name: str) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    """Decorator for tasks.py: `fn(job_id)` is what the Huey task `name` does in a consumer."""
    if name not in TASK_QUEUES:
        raise ValueError(f"unknown Huey task {name!r}; declare it in TASK_QUEUES")

    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        _handlers[name] = fn
        return fn

    return register


def _task(name: str):
    def run(job_id: str) -> None:
        handler = _handlers.get(name)
        if handler is None:  # a consumer started without tasks.py: the job row stays for the reaper
            raise LookupError(f"no handler for Huey task {name!r}; run the consumer as `huey_consumer tasks.huey`")
        handler(job_id)

    run.__name__ = run.__qualname__ = name
    return huey.task(name=name)(run)


_TASKS = {name: _task(name) for name in TASK_QUEUES}


def enqueue(name: str, job_id: str, delay: float | None = None) -> None:
    """Send the Huey task `name` for a committed job (optionally after `delay` seconds)."""
    task = _TASKS[name]
    if delay:
        task.schedule(args=(job_id,), delay=delay)
    else:
        task(job_id)
