"""Page benchmark: SQL queries and render time for the dashboard, the campaigns list and a campaign
page, then requests/second under the real server as a ratio to /healthz on the same server.

Run: `.venv/bin/python bench/pages.py [--campaigns 1000,10000] [--database sqlite|postgres]` (or
`make bench`). Prints figures; asserts nothing.

1. For each size, seeds a temporary database migrated with Alembic (SQLite file, or a PostgreSQL
   database created on PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432, and dropped
   afterwards): N campaigns x 10 content items for one team and user, by bulk inserts.
2. In process, with Flask's test client logged in: SQL queries per render (a before_cursor_execute
   listener; a count that differs between sizes is flagged as growing with rows) and the median
   render time.
3. The server started with webapp.cli.ops.web_command() (what `make run` runs) on a free loopback
   port, loaded from another process by wrk (Python threads when wrk is missing) with the logged-in
   session cookie: req/s per page and its ratio to /healthz measured on the same server, same run.
"""
from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

SECRET = "bench-secret-key"
PAGES = [("dashboard", "/"), ("campaigns list", "/campaigns"), ("campaign page", "/campaigns/{cid}")]
PLATFORM_MIX = [
    ("email", "email"), ("email", "email"), ("social_post", "linkedin"), ("social_post", "twitter"),
    ("social_post", "instagram"), ("social_post", "facebook"), ("ad_copy", "google_ads"),
    ("ad_copy", "meta_ads"), ("ad_copy", "linkedin"), ("social_post", "linkedin"),
]


def make_app(workdir: Path, database_url: str):
    from webapp import create_app

    return create_app({
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(workdir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "HUEY_PATH": str(workdir / "huey.db"),
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "HERALD_LOG_LEVEL": "WARNING",
    })


class Database:
    """A throw-away database: a SQLite file in the work folder, or a PostgreSQL database created on
    PG_ADMIN_URL (user postgres on 127.0.0.1:5432 by default) and dropped by `drop()`."""

    def __init__(self, kind: str, workdir: Path, label: str):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'herald.db'}"
            return
        self.name = f"herald_bench_{os.getpid()}_{label}"
        self.admin = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432")
        self.url = f"{self.admin}/{self.name}"
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.admin}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def seed(app, campaigns: int, items_per_campaign: int = 10) -> dict:
    """Migrate, then bulk-insert one user and team, 5 personas, `campaigns` campaigns with
    `items_per_campaign` content items each. Returns ids the benchmark needs."""
    from flask_migrate import upgrade

    from webapp.extensions import db
    from webapp.models import CAMPAIGN_STATUSES, OBJECTIVES, Campaign, ContentItem, Persona
    from webapp.services.accounts import register_user

    rng = random.Random(42)
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's "Running upgrade" lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        user = register_user("bench@example.com", "a long bench passphrase", name="Bench", team_name="Bench Team")
        team_id = user.current_team_id
        db.session.execute(insert(Persona), [
            {"team_id": team_id, "name": f"Persona {i}", "role": "Head of Marketing", "goals": "Grow pipeline",
             "preferred_channels": ["email", "linkedin"]} for i in range(5)
        ])
        persona_ids = list(db.session.scalars(select(Persona.id).where(Persona.team_id == team_id)))
        now = datetime.now(UTC)
        db.session.execute(insert(Campaign), [
            {"team_id": team_id, "user_id": user.id, "persona_id": rng.choice(persona_ids),
             "name": f"Campaign {i:04d} {rng.choice(['Spring', 'Summer', 'Launch', 'Webinar', 'Offer'])}",
             "description": "Benchmark campaign with a realistic description of a few words. " * 3,
             "objective": rng.choice(OBJECTIVES), "status": rng.choice([s for s in CAMPAIGN_STATUSES
                                                                         if s != "generating"]),
             "budget": Decimal(rng.randrange(500, 50000)), "currency": rng.choice(["USD", "EUR", "GBP"]),
             "start_date": date.today() - timedelta(days=rng.randrange(0, 60)),
             "end_date": date.today() + timedelta(days=rng.randrange(0, 60)),
             "tone": "friendly", "keywords": "invoicing, cash flow, agencies",
             "content_types": ["email", "social_post", "ad_copy"], "platforms": ["email", "linkedin"],
             "creativity_level": rng.randrange(1, 11),
             "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i)}
            for i in range(campaigns)
        ])
        campaign_ids = list(db.session.scalars(select(Campaign.id).where(Campaign.team_id == team_id)))
        rows = []
        for cid in campaign_ids:
            for n in range(items_per_campaign):
                ctype, platform = PLATFORM_MIX[n % len(PLATFORM_MIX)]
                rows.append({
                    "campaign_id": cid, "team_id": team_id, "content_type": ctype, "platform": platform,
                    "subject_line": "A subject line that fits" if ctype == "email" else "",
                    "preheader": "A preheader of a sensible length for the inbox preview" if ctype == "email" else "",
                    "headlines": ["Headline one", "Headline two", "Headline three"] if ctype == "ad_copy" else [],
                    "descriptions": ["A description", "Another one"] if ctype == "ad_copy" else [],
                    "body": "Body copy for the benchmark. " * 12, "call_to_action": "Learn more",
                    "hashtags": ["Marketing", "SaaS"] if ctype == "social_post" else [],
                    "quality_score": rng.randrange(40, 100), "score_breakdown": {"length": {"score": 20}},
                    "violations": [], "status": rng.choice(["draft", "approved", "archived"]),
                    "generated_by": rng.choice(["ai", "manual"]), "created_at": now, "updated_at": now,
                })
            if len(rows) >= 20_000:  # executemany in chunks: bounded memory at 10,000 x 10
                db.session.execute(insert(ContentItem), rows)
                rows = []
        if rows:
            db.session.execute(insert(ContentItem), rows)
        db.session.commit()
        return {"user_id": user.id, "epoch": user.session_epoch, "campaign_id": campaign_ids[len(campaign_ids) // 2]}


class QueryCounter:
    """Counts SQL statements sent to the database while active."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args, **_kwargs):
        self.count += 1


def logged_in_client(app, ids: dict):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{ids['user_id']}:{ids['epoch']}"
        session["_fresh"] = True
    return client


def measure_in_process(app, ids: dict, renders: int) -> dict:
    """{page: (status, queries per render, median ms)} for each page."""
    from webapp.extensions import db

    client = logged_in_client(app, ids)
    out = {}
    with app.app_context():
        counter = QueryCounter(db.engine)
    for label, path in PAGES:
        url = path.format(cid=ids["campaign_id"])
        first = client.get(url)
        if first.status_code != 200:
            out[label] = (first.status_code, None, None)
            continue
        client.get(url)  # warm caches (templates, statement cache)
        counter.count = 0
        client.get(url)
        queries = counter.count
        times = []
        for _ in range(renders):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        out[label] = (200, queries, statistics.median(times))
    return out


def session_cookie(app, ids: dict) -> str:
    client = logged_in_client(app, ids)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return f"{cookie.key}={cookie.value}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path, database_url: str, port: int) -> subprocess.Popen:
    """The web server exactly as `make run` starts it (webapp.cli.ops.web_command), one worker."""
    from webapp.cli.ops import web_command

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({
        "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
        "HERALD_INSTANCE_PATH": str(workdir), "HERALD_LOG_LEVEL": "WARNING", "HERALD_RATELIMIT_ENABLED": "0",
        "HERALD_HUEY_PATH": str(workdir / "huey.db"),
    })
    argv = web_command("127.0.0.1", port, 1, False)
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def status_of(port: int, path: str, cookie: str) -> int:
    """One GET's status: wrk counts a redirect to the login page as a success, so check first."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


WRK = shutil.which("wrk")


def load_wrk(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> tuple[float, dict[int, int]]:
    """wrk (another process) with keep-alive connections. Returns (2xx per second, {0|-1: count}) where
    -1 counts non-2xx/3xx answers and 0 socket errors."""
    argv = [WRK, "-t", "2", "-c", str(concurrency), "-d", f"{seconds:g}s", "--timeout", "30s"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(argv + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad: dict[int, int] = {}
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        bad[-1] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        if sum(map(int, m.groups())):
            bad[0] = sum(map(int, m.groups()))
    return rps, bad


def load_threads(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> tuple[float, dict[int, int]]:
    """Fallback when wrk is missing: keep-alive GETs from `concurrency` threads for `seconds`.
    Returns (2xx per second, {status: count} of the others)."""
    stop_at = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: dict[int, int] = {}
        while time.monotonic() < stop_at:
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                local[response.status] = local.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException):
                local[0] = local.get(0, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            for status, n in local.items():
                statuses[status] = statuses.get(status, 0) + n

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return ok / elapsed, {s: n for s, n in statuses.items() if not 200 <= s < 300}


def serve_and_load(workdir: Path, db: Database, ids: dict, cookie: str, args) -> tuple[float, dict[str, float | None]]:
    """/healthz's req/s and each page's (None when a page answered anything but 200)."""
    load = load_wrk if WRK else load_threads
    port = free_port()
    proc = start_server(workdir, db.url, port)
    results: dict[str, float | None] = {}
    try:
        wait_ready(port, proc)
        load(port, "/healthz", "", 1.0, args.concurrency)  # warm-up
        base, _ = load(port, "/healthz", "", args.seconds, args.concurrency)
        for label, path in PAGES:
            url = path.format(cid=ids["campaign_id"])
            status = status_of(port, url, cookie)
            if status != 200:
                print(f"  {label}: answered HTTP {status} under the server: not measured")
                results[label] = None
                continue
            load(port, url, cookie, 1.0, args.concurrency)  # warm-up (templates, connections)
            rps, bad = load(port, url, cookie, args.seconds, args.concurrency)
            if bad:
                print(f"  {label}: bad responses {bad} (-1 = non-2xx, 0 = socket errors): not measured")
                results[label] = None
                continue
            results[label] = rps
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return base, results


def run_size(kind: str, campaigns: int, tmp: Path, args) -> dict:
    """Seed, count queries in process, then load the server; returns the figures of one size."""
    workdir = tmp / f"{kind}-{campaigns}"
    workdir.mkdir()
    db = Database(kind, workdir, str(campaigns))
    try:
        t0 = time.perf_counter()
        app = make_app(workdir, db.url)
        ids = seed(app, campaigns)
        seeded = time.perf_counter() - t0
        in_process = measure_in_process(app, ids, args.renders)
        cookie = session_cookie(app, ids)
        with app.app_context():
            from webapp.extensions import db as sa

            sa.engine.dispose()  # give the server the connections
        served = (None, {}) if args.skip_server else serve_and_load(workdir, db, ids, cookie, args)
        return {"seeded": seeded, "pages": in_process, "healthz": served[0], "rps": served[1]}
    finally:
        db.drop()


def report(kind: str, sizes: list[int], figures: dict[int, dict], args) -> int:
    print(f"\n{kind}: queries per render, median in-process render (Flask test client, {args.renders} renders),"
          f" and req/s under web_command() with {'wrk' if WRK else 'Python threads'}, {args.concurrency} "
          f"keep-alive connections, {args.seconds:g}s per page")
    header = f"{'campaigns':>10} {'page':<16} {'queries':>8} {'median ms':>10} {'req/s':>9} {'vs /healthz':>12}"
    print(header)
    print("-" * len(header))
    failures = 0
    for size in sizes:
        f = figures[size]
        base = f["healthz"]
        shown = format(base, "9.1f") if base else "-"
        print(f"{size:>10,} {'/healthz':<16} {'':>8} {'':>10} {shown:>9} {'1.00' if base else '':>12}"
              f"   (seeded in {f['seeded']:.1f}s)")
        for label, _ in PAGES:
            status, queries, ms = f["pages"][label]
            if status != 200:
                print(f"{size:>10,} {label:<16} HTTP {status}: no figures")
                failures += 1
                continue
            rps = f["rps"].get(label)
            grows = "" if len({figures[s]["pages"][label][1] for s in sizes}) == 1 else "   <- grows with rows"
            ratio = f"{rps / base:.2f}" if rps and base else "-"
            print(f"{size:>10,} {label:<16} {queries:>8} {ms:>10.1f} {(format(rps, '9.1f') if rps else '-'):>9} "
                  f"{ratio:>12}{grows}")
            failures += bool(base) and rps is None
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--campaigns", default="1000,10000", help="sizes to seed, comma-separated")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=4.0, help="load per page under the server")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-server", action="store_true", help="in-process figures only")
    args = parser.parse_args()
    sizes = [int(n) for n in args.campaigns.split(",") if n.strip()]

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        figures = {size: run_size(args.database, size, Path(tmp), args) for size in sizes}
    return 1 if report(args.database, sizes, figures, args) else 0


if __name__ == "__main__":
    sys.exit(main())
