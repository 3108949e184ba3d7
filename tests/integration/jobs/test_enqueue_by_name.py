"""A web process (gunicorn, `flask run`) never imports tasks.py, yet starts jobs and reports the
queues: the task that carries a job id is declared by name in webapp/huey_app.py."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

WEB_PROCESS = """
import json, sys
from webapp import create_app
from webapp import huey_app
from webapp.services.jobs import broker

app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": sys.argv[1], "REDIS_URL": None,
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/herald.db",
                  "HUEY_PATH": sys.argv[1] + "/huey.db", "HERALD_LOG_LEVEL": "WARNING"})
with app.app_context():
    huey_app.enqueue(huey_app.GENERATE_CONTENT, "job-1")
    huey_app.enqueue(huey_app.GENERATE_CONTENT, "job-2", delay=60)
    counts, error = broker.broker_counts()
    print(json.dumps({"waiting": sorted(broker.waiting_job_ids()), "counts": counts, "error": error,
                      "tasks_imported": "tasks" in sys.modules}))
"""


def test_a_web_process_enqueues_and_counts_jobs_without_the_task_module(tmp_path):
    out = subprocess.run([sys.executable, "-c", WEB_PROCESS, str(tmp_path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["tasks_imported"] is False
    assert report["waiting"] == ["job-1", "job-2"] and report["error"] is None
    # A delayed task waits in the queue until a consumer moves it to the schedule.
    assert sum(report["counts"]["content-generation"].values()) == 2


def test_the_consumer_runs_what_tasks_py_registered():
    import tasks
    from webapp import huey_app

    assert huey_app._handlers[huey_app.GENERATE_CONTENT] is tasks.generate_content
