"""Operator commands: `seed-demo` (a living demo team), `backup PATH` (SQLite online backup) and
`serve` (web server + Huey worker in one command; what `make run` calls)."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from ..config import ROOT, run_mode, writer_description
from ..extensions import db
from .supervisor import Supervisor


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup)
    app.cli.add_command(serve)


# --- seed-demo ----------------------------------------------------------------------------------

def _require_schema() -> None:
    if not inspect(db.engine).has_table("campaigns"):
        raise click.ClickException("The database has no tables yet: run `flask --app webapp db upgrade` first.")


def _demo_owner(password: str | None):
    """The demo user and their Demo Team, created when missing. Returns (user, team_id, new_password)."""
    from ..models import Membership, Team, User
    from ..services.accounts import register_user
    from ..services.errors import ValidationFailed
    from .demo_data import DEMO_EMAIL, DEMO_NAME, DEMO_TEAM

    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        chosen = password or secrets.token_urlsafe(12)
        try:
            user = register_user(DEMO_EMAIL, chosen, name=DEMO_NAME, team_name=DEMO_TEAM)
        except ValidationFailed as exc:
            raise click.ClickException(f"Could not create the demo user: {exc.message}") from None
        return user, user.current_team_id, chosen
    team_id = db.session.scalar(
        select(Team.id).join(Membership, Membership.team_id == Team.id)
        .where(Membership.user_id == user.id, Team.name == DEMO_TEAM).order_by(Team.id).limit(1)
    )
    if team_id is None:  # the demo user exists but left (or renamed) the demo team: give them a new one
        team = Team(name=DEMO_TEAM)
        db.session.add(team)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, team_id=team.id, role="owner"))
        team_id = team.id
    return user, team_id, None


def seed_demo_data(password: str | None = None) -> dict:
    """Create the demo team's user, personas, campaigns and content through the services; anything
    already there (matched by name) is left alone, so running it twice duplicates nothing.
    Returns counts of what was created, and the new password when the user was created."""
    from ..models import Campaign, Persona
    from ..services.access import Actor
    from ..services.campaigns import create_campaign
    from ..services.content import create_content
    from ..services.personas import create_persona
    from .demo_data import CAMPAIGNS, PERSONAS

    user, team_id, new_password = _demo_owner(password)
    actor = Actor(user_id=user.id, team_id=team_id, role="owner")
    created = {"personas": 0, "campaigns": 0, "content": 0}

    personas = {p.name: p.id for p in db.session.scalars(select(Persona).where(Persona.team_id == team_id))}
    for data in PERSONAS:
        if data["name"] not in personas:
            personas[data["name"]] = create_persona(actor, data).id
            created["personas"] += 1

    existing = set(db.session.scalars(select(Campaign.name).where(Campaign.team_id == team_id)))
    today = date.today()
    for spec in CAMPAIGNS:
        if spec["name"] in existing:
            continue
        data = {k: v for k, v in spec.items() if k not in ("persona", "content", "start_offset", "end_offset")}
        data["persona_id"] = personas.get(spec["persona"])
        data["start_date"] = today + timedelta(days=spec["start_offset"])
        data["end_date"] = today + timedelta(days=spec["end_offset"])
        campaign = create_campaign(actor, data)
        created["campaigns"] += 1
        for piece in spec["content"]:
            create_content(actor, campaign.id, piece)  # scores the piece when the scoring hook exists
            created["content"] += 1
    db.session.commit()
    return {**created, "email": user.email, "password": new_password, "team_id": team_id}


@click.command("seed-demo")
@click.option("--password", help="Password for demo@herald.example (default: a random one, printed once).")
@with_appcontext
def seed_demo(password: str | None) -> None:
    """Create a demo team with personas, campaigns and content (safe to run again)."""
    _require_schema()
    result = seed_demo_data(password)
    if not any(result[k] for k in ("personas", "campaigns", "content")):
        click.echo(f"Demo data is already there (team “Demo Team”, user {result['email']}); nothing added.")
        return
    click.echo(
        f"Demo team ready: {result['personas']} personas, {result['campaigns']} campaigns, "
        f"{result['content']} content items."
    )
    if result["password"] and not password:
        click.echo(f"Log in as {result['email']} with password: {result['password']}")
        click.echo("(shown once; change it under Settings, or run seed-demo on a fresh database with --password)")
    elif result["password"]:
        click.echo(f"Log in as {result['email']} with the password you gave.")
    else:
        click.echo(f"Log in as {result['email']} (its password is unchanged).")


# --- backup -------------------------------------------------------------------------------------

def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def backup_sqlite(source: Path, dest: Path) -> int:
    """Copy the live SQLite database `source` to `dest` with SQLite's online backup API (safe while
    Herald runs), verify the copy with PRAGMA integrity_check, and move it into place atomically.
    Returns the number of tables in the copy. Raises click.ClickException with a plain message."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    src = dst = None
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(tmp)
        os.chmod(tmp, 0o600)  # it holds password hashes and token hashes
        src.backup(dst)
        # One self-contained file: the copy inherits WAL mode from the live database.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise click.ClickException(f"The copy failed its integrity check ({check}); nothing was written.")
        tables = dst.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        dst.close()
        dst = None
        os.replace(tmp, dest)
        return tables
    except (sqlite3.Error, OSError) as exc:
        raise click.ClickException(f"Backup failed: {exc}") from None
    finally:
        for conn in (src, dst):
            if conn is not None:
                conn.close()
        tmp.unlink(missing_ok=True)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup(path: Path, force: bool) -> None:
    """Back up the SQLite database to PATH while Herald keeps running."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            f"This database is {url.get_backend_name()}, not SQLite: back it up with its own tools, e.g. "
            "`pg_dump --format=custom --file=herald.dump \"$DATABASE_URL\"` (restore with pg_restore)."
        )
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source.is_file():
        raise click.ClickException(f"There is no database file at {source} to back up (has Herald been started?).")
    dest = path.expanduser().absolute()
    if dest.is_dir():
        raise click.ClickException(f"{dest} is a folder; give a file name, e.g. {dest / 'herald-backup.db'}")
    if not dest.parent.is_dir():
        raise click.ClickException(f"The folder {dest.parent} does not exist; create it first.")
    if dest.exists() and dest.resolve() == source.resolve():
        raise click.ClickException("That is the live database itself; choose another file.")
    if dest.exists() and not force:
        raise click.ClickException(f"{dest} already exists; add --force to replace it.")
    tables = backup_sqlite(source, dest)
    click.echo(f"Backed up {source} to {dest}: {_human_size(dest.stat().st_size)}, {tables} tables, "
               "integrity check ok.")


# --- serve --------------------------------------------------------------------------------------

def _bin(name: str) -> str | None:
    """A console script from this interpreter's environment (the venv), else from PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if `serve` itself dies (Linux), so no orphan keeps the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _describe_database(uri: str) -> str:
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    return f"{url.get_backend_name()} {url.host or 'localhost'}/{url.database}"  # never the password


def web_command(host: str, port: int, workers: int, dev: bool) -> list[str]:
    """The web server's command line: gunicorn with gevent workers (a websocket is a greenlet, not a
    request thread; deploy/gunicorn.conf.py says why) or Flask's dev server."""
    if dev:
        return [sys.executable, "-m", "flask", "--app", "webapp", "run", "--debug", "-h", host, "-p", str(port)]
    gunicorn = _bin("gunicorn") or "gunicorn"
    return [gunicorn, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-k", "gevent",
            "-w", str(workers), "-b", f"{host}:{port}", "webapp:create_app()"]


def worker_command() -> list[str]:
    """The Huey consumer's command line (it imports tasks.py, which registers the tasks)."""
    consumer = _bin("huey_consumer") or "huey_consumer"
    # Consumers wait on the queue's doorbell (webapp/huey_doorbell.py); -d/-m only pace retries after
    # a queue error, or polling where the doorbell's socket cannot be made.
    return [consumer, "tasks.huey", "-w", "4", "-k", "thread", "-d", "0.05", "-m", "0.25"]


# Graceful stops: gunicorn finishes requests on SIGTERM; huey finishes running tasks on SIGINT
# (its SIGTERM interrupts them).
GRACEFUL = {"web": signal.SIGTERM, "worker": signal.SIGINT}


@click.command("serve")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT") or 5000), show_default="$PORT or 5000")
@click.option("--host", default=lambda: os.environ.get("HOST") or "127.0.0.1", show_default="$HOST or 127.0.0.1")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Gunicorn worker processes (gevent: each serves thousands of connections).")
@click.option("--dev", is_flag=True, help="Flask's debug server with reload instead of gunicorn.")
@click.option("--no-worker", is_flag=True, help="Do not start the background worker (run it elsewhere).")
@with_appcontext
def serve(port: int, host: str, workers: int, dev: bool, no_worker: bool) -> None:
    """Run the web server and the background worker (each restarted if it dies); Ctrl-C stops both."""
    config = current_app.config
    commands: dict[str, list[str]] = {"web": web_command(host, port, workers, dev)}
    worker = None if no_worker else worker_command()
    if worker:
        commands["worker"] = worker

    server = "development server" if dev else f"gunicorn, {workers} gevent worker{'s' if workers > 1 else ''}"
    click.echo(f"Herald on http://{host}:{port}/  ({server})")
    click.echo(f"  mode:     {run_mode(config)} ({_describe_database(config['SQLALCHEMY_DATABASE_URI'])})")
    click.echo(f"  writer:   {writer_description(config)}")
    if worker:
        click.echo("  worker:   huey consumer, 4 threads")
    else:
        click.echo("  worker:   not started (--no-worker); run `huey_consumer tasks.huey` elsewhere")

    stop = {"signal": None}

    def _on_signal(signum, _frame):
        stop["signal"] = signum

    def _spawn(argv: list[str]) -> subprocess.Popen:
        # Own session: a terminal's Ctrl-C reaches only us, and we stop the children in order.
        return subprocess.Popen(argv, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent)

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    # A child that dies (crash, OOM, SIGKILL) is started again with backoff; the other keeps running.
    supervisor = Supervisor(commands, spawn=_spawn, log=lambda line: click.echo(line, err=True))
    try:
        supervisor.start()
        while stop["signal"] is None:
            supervisor.tick()
            time.sleep(0.2)
    finally:
        _stop_all(supervisor.processes())
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stop_all(children: dict[str, subprocess.Popen], timeout: float = 30.0) -> None:
    for name, proc in children.items():
        if proc.poll() is None:
            proc.send_signal(GRACEFUL.get(name, signal.SIGTERM))
    deadline = time.monotonic() + timeout
    for proc in children.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
