"""Page benchmark: SQL queries and render time for the dashboard, the campaigns list and a campaign
page, then requests/second under gunicorn as a ratio to /healthz on the same server.

Run: `.venv/bin/python bench/pages.py` (or `make bench`). Prints figures; asserts nothing.

1. Seeds two temporary SQLite databases (migrated with Alembic): 1,000 campaigns x 10 content items,
   and 100 x 10, for one team and one user (bulk inserts through the models).
2. In process, with Flask's test client logged in: SQL queries per render (a before_cursor_execute
   listener) at both sizes side by side, so a count that grows with the rows (an N+1) shows, and
   the median render time over 20 renders.
3. Under gunicorn (gthread, as `make run` serves it) on a free loopback port: a few seconds of
   concurrent keep-alive requests per page with the logged-in session cookie, and requests/second
   as a ratio to /healthz measured on the same server in the same run.
"""
from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
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


def make_app(workdir: Path):
    from webapp import create_app

    return create_app({
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(workdir),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'herald.db'}",
        "HUEY_PATH": str(workdir / "huey.db"),
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "HERALD_LOG_LEVEL": "WARNING",
    })


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


def start_gunicorn(workdir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'herald.db'}", "SECRET_KEY": SECRET,
        "HERALD_INSTANCE_PATH": str(workdir), "HERALD_LOG_LEVEL": "WARNING", "HERALD_RATELIMIT_ENABLED": "0",
        "HERALD_HUEY_PATH": str(workdir / "huey.db"),
    })
    gunicorn = Path(sys.executable).parent / "gunicorn"
    argv = [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-k", "gthread", "--threads", "16",
            "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "webapp:create_app()"]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def load(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> tuple[float, dict[int, int]]:
    """Keep-alive GETs from `concurrency` threads for `seconds` (bounded). Returns (2xx per second,
    {status: count})."""
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
    return ok / elapsed, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100, help="campaigns in the comparison database")
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=4.0, help="load per page under gunicorn")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-gunicorn", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        big_dir, small_dir = Path(tmp, "big"), Path(tmp, "small")
        big_dir.mkdir()
        small_dir.mkdir()
        t0 = time.perf_counter()
        big_app = make_app(big_dir)
        big_ids = seed(big_app, args.campaigns)
        small_app = make_app(small_dir)
        small_ids = seed(small_app, args.small)
        print(f"Seeded {args.campaigns:,} campaigns x 10 items and {args.small:,} x 10 "
              f"in {time.perf_counter() - t0:.1f}s (SQLite, migrated)\n")

        big = measure_in_process(big_app, big_ids, args.renders)
        small = measure_in_process(small_app, small_ids, args.renders)
        print(f"In process (Flask test client, logged in), median of {args.renders} renders")
        n_small, n_big = format(args.small, ","), format(args.campaigns, ",")
        header = (f"{'page':<16} {'queries @' + n_small:>14} {'queries @' + n_big:>16}"
                  f" {'median ms @' + n_small:>16} {'median ms @' + n_big:>18}")
        print(header)
        print("-" * len(header))
        failures = []
        for label, _ in PAGES:
            (s_status, s_q, s_ms), (b_status, b_q, b_ms) = small[label], big[label]
            if s_status != 200 or b_status != 200:
                print(f"{label:<16} PAGE ANSWERED HTTP {s_status} / {b_status}: no figures")
                failures.append(label)
                continue
            flag = "" if s_q == b_q else "   <- grows with rows"
            print(f"{label:<16} {s_q:>14} {b_q:>16} {s_ms:>16.1f} {b_ms:>18.1f}{flag}")

        if args.skip_gunicorn:
            return 1 if failures else 0
        port = free_port()
        cookie = session_cookie(big_app, big_ids)
        proc = start_gunicorn(big_dir, port)
        try:
            wait_ready(port, proc)
            print(f"\nUnder gunicorn (gthread, 1 worker x 16 threads, 127.0.0.1:{port}), {args.concurrency} "
                  f"keep-alive clients, {args.seconds:g}s per page, {args.campaigns:,}-campaign database")
            load(port, "/healthz", "", 1.0, args.concurrency)  # warm-up
            base_rps, base_statuses = load(port, "/healthz", "", args.seconds, args.concurrency)
            print(f"{'page':<16} {'req/s':>10} {'vs /healthz':>12}")
            print(f"{'/healthz':<16} {base_rps:>10.1f} {'1.00':>12}")
            for label, path in PAGES:
                url = path.format(cid=big_ids["campaign_id"])
                rps, statuses = load(port, url, cookie, args.seconds, args.concurrency)
                bad = {s: n for s, n in statuses.items() if not 200 <= s < 300}
                if bad:
                    print(f"{label:<16} NOT MEASURED: responses {bad} (0 = connection error)")
                    failures.append(label)
                    continue
                print(f"{label:<16} {rps:>10.1f} {rps / base_rps:>12.2f}")
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
