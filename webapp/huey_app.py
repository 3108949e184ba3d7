"""The one module owning the Huey instance (huey docs, "imports"): tasks.py imports `huey` from here.

Storage is picked on first use, not at import: RedisHuey storage when REDIS_URL is set, else
SqliteHuey storage in its own file (HUEY_PATH, default instance/huey.db — never Herald's database,
see PITFALLS.md) whose consumers are woken when a task arrives (huey_doorbell.py). An app built
with other settings (tests, `create_app(config)`) rebinds it with `configure(...)`. Huey carries
only job ids; the Job rows are the truth.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage

from .huey_doorbell import DoorbellSqliteStorage

# Which seed queue each Huey task serves (queues/status counts pending messages per queue by task name).
TASK_QUEUES: dict[str, str] = {}


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
