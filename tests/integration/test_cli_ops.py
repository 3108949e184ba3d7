"""Operator commands: seed-demo, backup, serve."""
from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import base_config
from webapp import create_app
from webapp.cli.demo_data import CAMPAIGNS, DEMO_EMAIL, PERSONAS
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _counts(app) -> dict:
    from webapp.models import Campaign, ContentItem, Persona, Team, User

    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Team, Persona, Campaign, ContentItem)
        }


# --- seed-demo ------------------------------------------------------------------------------------

def test_seed_demo_creates_a_living_team(app, runner):
    from webapp.models import Campaign, ContentItem, Persona, Team, User
    from webapp.services.accounts import authenticate

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "3 personas, 4 campaigns" in result.output
    password = re.search(r"with password: (\S+)", result.output).group(1)

    with app.app_context():
        user = authenticate(DEMO_EMAIL, password)
        assert user is not None, "the printed password must log in"
        team = db.session.get(Team, user.current_team_id)
        assert team.name == "Demo Team"
        personas = db.session.scalars(select(Persona).where(Persona.team_id == team.id)).all()
        assert {p.name for p in personas} == {p["name"] for p in PERSONAS}
        assert all(p.goals and p.pain_points and p.preferred_channels for p in personas)
        campaigns = db.session.scalars(select(Campaign).where(Campaign.team_id == team.id)).all()
        assert len(campaigns) == 4
        assert {c.status for c in campaigns} >= {"draft", "active", "completed"}
        assert {c.objective for c in campaigns} == {"awareness", "consideration", "conversion"}
        assert all(c.persona_id and c.platforms and c.content_types and 1 <= c.creativity_level <= 10
                   for c in campaigns)
        assert all(c.start_date <= c.end_date for c in campaigns)
        items = db.session.scalars(select(ContentItem).where(ContentItem.team_id == team.id)).all()
        assert len(items) == sum(len(c["content"]) for c in CAMPAIGNS)
        assert {i.campaign_id for i in items} == {c.id for c in campaigns}  # every campaign has content
        assert {i.generated_by for i in items} == {"manual"}
        emails = [i for i in items if i.content_type == "email"]
        assert emails and all(i.subject_line and i.preheader and i.body for i in emails)
        google = [i for i in items if i.platform == "google_ads"]
        assert google and all(len(i.headlines) >= 3 and len(i.descriptions) >= 2 for i in google)
        social = [i for i in items if i.content_type == "social_post"]
        assert {i.platform for i in social} >= {"linkedin", "twitter"}
        assert all(i.hashtags for i in social)
        # Hand-written copy that breaks its platform's limits would make a poor first impression.
        assert [(i.platform, i.violations) for i in items if i.violations] == []
        assert all(User.email != "" for _ in [0]) and user.email == DEMO_EMAIL


def test_seed_demo_scores_content(app, runner):
    from webapp.models import ContentItem

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        scores = db.session.scalars(select(ContentItem.quality_score)).all()
        assert scores and all(s is not None and 0 <= s <= 100 for s in scores)


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    before = _counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    assert "password:" not in second.output  # the password is shown once, at creation
    assert _counts(app) == before


def test_seed_demo_fills_in_what_is_missing(app, runner):
    from webapp.models import Campaign

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = _counts(app)
    with app.app_context():
        db.session.execute(Campaign.__table__.delete().where(Campaign.name == CAMPAIGNS[0]["name"]))
        db.session.commit()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "0 personas, 1 campaigns" in again.output
    assert _counts(app) == before


def test_seed_demo_with_password_and_weak_password(app, runner):
    from webapp.services.accounts import authenticate

    weak = runner.invoke(args=["seed-demo", "--password", "short"])
    assert weak.exit_code != 0
    assert "Could not create the demo user" in weak.output
    assert _counts(app)["campaigns"] == 0  # nothing half-written
    ok = runner.invoke(args=["seed-demo", "--password", "a long demo passphrase"])
    assert ok.exit_code == 0, ok.output
    assert "a long demo passphrase" not in ok.output
    with app.app_context():
        assert authenticate(DEMO_EMAIL, "a long demo passphrase") is not None


def test_demo_data_is_only_visible_to_the_demo_team(app, runner, factory):
    from webapp.services.access import Actor
    from webapp.services.campaigns import list_campaigns

    other = factory.user()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert list_campaigns(Actor(other.id, other.current_team_id, "owner")).total == 0


def test_seed_demo_before_migrations_says_what_to_do(tmp_path):
    app = create_app(base_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}"))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "db upgrade" in result.output


# --- backup ---------------------------------------------------------------------------------------

@pytest.fixture
def sqlite_app(app_factory, tmp_path):
    """A SQLite app (backup is SQLite-only), whatever HERALD_TEST_DATABASE_URL says."""
    return app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")


def test_backup_produces_a_readable_copy_with_the_data(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    dest = tmp_path / "backups" / "herald.db"
    dest.parent.mkdir()
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    assert re.search(r"\d+(\.\d)? KiB", result.output)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600  # it holds password hashes
    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert copy.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 4
        assert copy.execute("SELECT email FROM users").fetchall() == [(DEMO_EMAIL,)]
    finally:
        copy.close()
    assert [p.name for p in dest.parent.iterdir()] == ["herald.db"]  # no partial files left behind


def test_backup_refuses_to_overwrite_without_force(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    dest = tmp_path / "existing.db"
    dest.write_bytes(b"precious")
    refused = runner.invoke(args=["backup", str(dest)])
    assert refused.exit_code != 0
    assert "already exists" in refused.output and "--force" in refused.output
    assert dest.read_bytes() == b"precious"
    forced = runner.invoke(args=["backup", str(dest), "--force"])
    assert forced.exit_code == 0, forced.output
    assert sqlite3.connect(dest).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp / "no-such-folder" / "b.db", "does not exist"),
        (lambda tmp: tmp, "is a folder"),
        (lambda tmp: tmp / "live.db", "live database"),
    ],
    ids=["missing-folder", "a-folder", "the-live-database"],
)
def test_backup_bad_paths_get_a_clear_error(sqlite_app, tmp_path, make_path, message):
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(make_path(tmp_path))])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_backup_unwritable_folder_is_a_clear_error(sqlite_app, tmp_path):
    if os.geteuid() == 0:
        # root ignores directory permissions; a path under /proc is unwritable for everyone.
        dest = Path("/proc/herald-backup.db")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        dest = locked / "b.db"
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code != 0
    assert "Backup failed" in result.output


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    # No connection is made: the command refuses before touching the database.
    app = create_app(base_config(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@127.0.0.1:1/herald"))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "b.db").exists()


# --- serve ----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




def _serve(tmp_path, port: int, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY")}
    env.update(HERALD_INSTANCE_PATH=str(tmp_path / "instance"), HOST="127.0.0.1", HERALD_LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "serve", "--port", str(port), *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _get(url: str, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_serve_runs_web_and_worker_and_stops_both_on_sigterm(tmp_path):
    port = _free_port()
    proc = _serve(tmp_path, port)
    try:
        assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        children = _children(proc.pid)
        commands = [_cmdline(c) for c in children]
        assert any("gunicorn" in c and "gevent" in c for c in commands), commands
        assert any("huey_consumer" in c and "tasks.huey" in c for c in commands), commands
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{port}/" in out
    assert "mode:     embedded" in out and "offline writer" in out
    assert "huey consumer" in out
    assert not any(_alive(c) for c in children)
    with pytest.raises(OSError):  # gunicorn is gone with it: the port is free again
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _flask(tmp_path, *args: str, stdin: str | None = None) -> str:
    """Run a `flask --app webapp` command against the same instance folder as _serve."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY")}
    env.update(HERALD_INSTANCE_PATH=str(tmp_path / "instance"), HERALD_LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _api(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    import json

    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, json.loads(r.read())


def _wait_for(check, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_pid(serve_pid: int) -> int | None:
    return next((c for c in _children(serve_pid) if _alive(c) and "huey_consumer" in _cmdline(c)), None)


def test_serve_restarts_a_killed_worker_while_the_web_keeps_serving(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    _flask(tmp_path, "db", "upgrade")
    _flask(tmp_path, "seed-demo", "--password", "correct horse battery staple")
    token = _flask(tmp_path, "tokens", "create", DEMO_EMAIL, "--name", "restart test").strip()
    proc = _serve(tmp_path, port)
    try:
        assert _get(f"{base}/healthz") == 200
        children = {_cmdline(c): c for c in _children(proc.pid)}
        web = next(pid for cmd, pid in children.items() if "gunicorn" in cmd)
        victim = _wait_for(lambda: _worker_pid(proc.pid), what="the worker")
        os.kill(victim, signal.SIGKILL)
        assert _get(f"{base}/healthz", timeout=5) == 200  # during: the web server is untouched
        replacement = _wait_for(lambda: (pid := _worker_pid(proc.pid)) and pid != victim and pid,
                                what="a new worker")
        assert _alive(web) and not _alive(victim)
        assert _get(f"{base}/healthz", timeout=5) == 200  # and after
        # A job queued after the restart is run by the new consumer.
        _, campaigns = _api(f"{base}/api/campaigns", token)
        campaign_id = campaigns["items"][0]["id"]
        status, body = _api(f"{base}/api/content/batch-generate", token,
                            {"campaignId": campaign_id, "items": [{"contentType": "email"}], "async": True})
        assert status == 202
        job = _wait_for(lambda: (j := _api(base + body["statusUrl"], token)[1])["status"] in
                        ("succeeded", "failed", "cancelled") and j, what="the job to finish")
        assert job["status"] == "succeeded", job
        assert _alive(replacement)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert re.search(rf"the worker process \(pid {victim}\) exited with signal SIGKILL; restarting it in 1 s", out), out
    assert f"restarted the worker process (pid {replacement})" in out
    assert not any(_alive(c) for c in (web, replacement))


def test_serve_restarts_a_dead_web_server(tmp_path):
    port = _free_port()
    proc = _serve(tmp_path, port, "--no-worker")
    try:
        assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        web = next(c for c in _children(proc.pid) if "gunicorn" in _cmdline(c))
        os.kill(web, signal.SIGKILL)
        new_web = _wait_for(lambda: next((c for c in _children(proc.pid) if c != web and _alive(c)), None),
                            what="a new web server")
        assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert f"the web process (pid {web}) exited with signal SIGKILL; restarting it in 1 s" in out
    assert not _alive(new_web)


def test_serve_command_lines():
    from webapp.cli.ops import web_command, worker_command

    web = web_command("127.0.0.1", 5050, 2, dev=False)
    assert web[-1] == "webapp:create_app()"
    assert ["-k", "gevent", "-w", "2", "-b", "127.0.0.1:5050"] == web[3:9]
    assert "run" in web_command("127.0.0.1", 5050, 1, dev=True)
    assert worker_command()[1:] == ["tasks.huey", "-w", "4", "-k", "thread", "-d", "0.05", "-m", "0.25"]
