"""Huey tasks: thin calls into webapp.services. Each takes only a job id.

The task a service enqueues is declared by name in webapp.huey_app; this module says what it does
(`handles`), so only the processes that run tasks import it: the consumer and its entry points.

Run workers with:  huey_consumer tasks.huey -w 4 -k thread -m 1     (or: flask --app webapp worker)

Nothing happens at import: the app is created on the first task (from the environment, like
`flask --app webapp`), and the Huey storage is opened on first use (webapp.huey_app).
"""
from __future__ import annotations

import logging
import threading

from huey import crontab

from webapp.huey_app import GENERATE_CONTENT, handles, huey

log = logging.getLogger("herald.tasks")

_app = None
_app_lock = threading.Lock()


def get_app():
    """The Flask app tasks run in: created lazily from the environment, or the one `use_app` set."""
    global _app
    with _app_lock:
        if _app is None:
            from webapp import create_app

            _app = create_app()
        return _app


def use_app(app) -> None:
    """Run tasks inside `app` (the test worker and `flask worker` pass theirs)."""
    global _app
    with _app_lock:
        _app = app


@handles(GENERATE_CONTENT)
def generate_content(job_id: str) -> None:
    """Write a campaign's pieces (or one piece) for the job `job_id`."""
    from webapp.services import jobs

    with get_app().app_context():
        jobs.mark_worker_seen()  # consumers started with --no-periodic check in here
        status = jobs.run_job(job_id)
    log.info("job %s: %s", job_id, status)


@huey.periodic_task(crontab(minute="*"), name="reap_jobs")
def reap_jobs() -> None:
    """Every minute: requeue jobs whose worker died, fail those past their deadline."""
    _reap()


def _reap() -> dict:
    from webapp.services import jobs

    with get_app().app_context():
        jobs.mark_worker_seen()
        report = jobs.reap()
    if any(report.values()):
        log.warning("reaper: %s", report)
    return report


_started = threading.Event()


@huey.on_startup()
def reap_at_startup() -> None:
    """Once per consumer process (each worker thread calls start-up hooks): reap before working."""
    if _started.is_set():
        return
    _started.set()
    try:
        _reap()
        _warm_writer()
    except Exception:  # noqa: BLE001 - a worker must start even if the database is briefly busy
        log.exception("start-up reaper failed")


def _warm_writer() -> None:
    """Build the AI writer (imports, HTTP client) before the first job, not inside its first piece."""
    from webapp.services import generation

    app = get_app()
    generation.writer_for(app.config)
