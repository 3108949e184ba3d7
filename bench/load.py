"""Load test: simulated users against a real Herald server, then an integrity check.

    python bench/load.py [--users 30] [--seconds 60] [--backend sqlite|postgres] [--drain 60]

Starts Herald the way `make run` does (`flask --app webapp db upgrade`, then `flask --app webapp
serve --port <free>`: web + worker, whatever server flags `serve` picks) on loopback, in a temporary
instance folder: SQLite (embedded default) or, with `--backend postgres`, a temporary database on
127.0.0.1:5432 (user postgres) with Redis at 127.0.0.1:6379 (its own db number and HERALD_HUEY_NAME).
The writer is the offline one (no OPENAI_* set). Every user registers through the API (a token),
logs in through the real HTML login (CSRF token from the page), then for --seconds mixes page
reads (dashboard, campaigns list, a campaign page), HTML form posts (create/edit a campaign, create a
persona), API writes (campaign, content item) and generations (queue a job through the API). The
login and API rate limits are raised for the run: thirty users share one address here.

Prints requests, req/s, 5xx, connection errors, p50/p95/p99 latency per kind and overall, and
"database is locked" lines in the server log. After a bounded drain (no job queued or running),
checks that every campaign, content item and persona a user created is there exactly once and that
no campaign is left `generating`. Nothing is asserted: figures go to stdout (exit 1 on a broken
integrity check, 5xx or locked database, so a rerun can be scripted).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Weighted mix of what a user does next (kind → weight).
MIX = {"page": 45, "form": 15, "api_write": 25, "generate": 15}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter = Counter()
        self.errors: Counter = Counter()  # connection errors per kind
        self.fivexx: list[str] = []
        self.error_types: Counter = Counter()

    def record(self, kind: str, method: str, url: str, seconds: float, status: int | None,
               error: Exception | None = None) -> None:
        with self.lock:
            if status is None:
                self.errors[kind] += 1
                self.error_types[type(error).__name__] += 1
                return
            self.latency[kind].append(seconds)
            self.status[status] += 1
            if status >= 500:
                self.fivexx.append(f"{status} {method} {url}")


class User:
    """One simulated person: an API token and a logged-in browser session."""

    def __init__(self, base: str, index: int, stats: Stats, tag: str) -> None:
        self.base, self.stats, self.index = base, stats, index
        self.email = f"load{index}-{tag}@example.com"
        self.api = requests.Session()
        self.web = requests.Session()
        self.campaigns: list[int] = []  # created through the API (ids)
        self.content: dict[int, list[int]] = defaultdict(list)
        self.form_campaigns: list[str] = []  # names created through the HTML form
        self.personas: list[str] = []
        self.jobs: list[str] = []
        self.n = 0

    def call(self, kind: str, session, method: str, path: str, **kw):
        t0 = time.perf_counter()
        try:
            r = session.request(method, self.base + path, timeout=30, allow_redirects=False, **kw)
        except requests.RequestException as exc:
            self.stats.record(kind, method, path, time.perf_counter() - t0, None, exc)
            return None
        self.stats.record(kind, method, path, time.perf_counter() - t0, r.status_code)
        return r

    def unique(self, what: str) -> str:
        self.n += 1
        return f"{what} u{self.index} n{self.n}"

    # set-up ---------------------------------------------------------------------------------------
    def sign_up(self) -> None:
        r = self.api.post(self.base + "/api/auth/register", timeout=30,
                          json={"email": self.email, "password": PASSWORD, "name": f"Load {self.index}"})
        r.raise_for_status()
        self.api.headers["Authorization"] = f"Bearer {r.json()['token']}"
        page = self.web.get(self.base + "/login", timeout=30)
        token = CSRF.search(page.text).group(1)
        r = self.web.post(self.base + "/login", data={"email": self.email, "password": PASSWORD, "csrf_token": token},
                          timeout=30, allow_redirects=False)
        if r.status_code != 302:
            raise SystemExit(f"HTML login failed for {self.email}: {r.status_code}")
        self.api_campaign()  # something to read, write into and generate from

    def csrf(self, path: str) -> str | None:
        r = self.call("page", self.web, "GET", path)
        match = CSRF.search(r.text) if r is not None and r.status_code == 200 else None
        return match.group(1) if match else None

    # actions --------------------------------------------------------------------------------------
    def page(self) -> None:
        path = random.choice(["/", "/campaigns", f"/campaigns/{random.choice(self.campaigns)}"])
        self.call("page", self.web, "GET", path)

    def form(self) -> None:
        choice = random.random()
        if choice < 0.4:
            token = self.csrf("/campaigns/new")
            name = self.unique("Form campaign")
            r = self.call("form", self.web, "POST", "/campaigns/new", data={
                "csrf_token": token, "name": name, "objective": "awareness", "status": "draft", "currency": "USD",
                "content_types": ["email"], "platforms": ["email"], "description": "From the load test."})
            if r is not None and r.status_code == 302:
                self.form_campaigns.append(name)
        elif choice < 0.7:
            cid = random.choice(self.campaigns)
            token = self.csrf(f"/campaigns/{cid}/edit")
            self.call("form", self.web, "POST", f"/campaigns/{cid}/edit", data={
                "csrf_token": token, "name": f"API campaign u{self.index} id{cid}", "objective": "conversion",
                "status": "draft", "currency": "USD", "content_types": ["email", "social_post"],
                "platforms": ["email", "linkedin"], "description": f"Edited at {time.time():.3f}."})
        else:
            token = self.csrf("/personas/new")
            name = self.unique("Persona")
            r = self.call("form", self.web, "POST", "/personas/new", data={"csrf_token": token, "name": name,
                                                                            "role": "CFO"})
            if r is not None and r.status_code == 302:
                self.personas.append(name)

    def api_campaign(self) -> None:
        r = self.call("api_write", self.api, "POST", "/api/campaigns", json={
            "name": f"API campaign u{self.index} n{self.n}", "objective": "conversion",
            "generationSettings": {"contentTypes": ["email", "social_post"], "platforms": ["email", "linkedin"]}})
        self.n += 1
        if r is not None and r.status_code == 201:
            self.campaigns.append(r.json()["id"])

    def api_write(self) -> None:
        if random.random() < 0.3:
            return self.api_campaign()
        cid = random.choice(self.campaigns)
        r = self.call("api_write", self.api, "POST", f"/api/campaigns/{cid}/content", json={
            "contentType": "email", "platform": "email", "subjectLine": self.unique("Subject"),
            "contentBody": "Reports done before lunch."})
        if r is not None and r.status_code == 201:
            self.content[cid].append(r.json()["id"])

    def generate(self) -> None:
        cid = random.choice(self.campaigns)
        r = self.call("generate", self.api, "POST", f"/api/jobs/campaigns/{cid}/generate")
        if r is not None and r.status_code in (200, 201, 202):
            body = r.json()
            self.jobs.append(body.get("id") or body.get("jobId"))

    def run(self, until: float) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < until:
            getattr(self, random.choices(kinds, weights)[0])()


# the server -----------------------------------------------------------------------------------------
def server_env(tmp: Path, backend: str, tag: str) -> tuple[dict, callable]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HERALD_", "OPENAI_")) and k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY")}
    env.update({"HERALD_INSTANCE_PATH": str(tmp), "SECRET_KEY": "load-secret", "HERALD_LOG_LEVEL": "INFO",
                "HERALD_HUEY_PATH": str(tmp / "huey.db"), "HERALD_AI_CRITIQUE": "0",
                "HERALD_RATELIMIT_LOGIN": "100000 per minute", "HERALD_RATELIMIT_LOGIN_ACCOUNT": "100000 per hour",
                "HERALD_RATELIMIT_API": "100000 per minute", "PYTHONPATH": str(ROOT)})
    cleanup = lambda: None  # noqa: E731
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp}/herald.db"
    else:
        name = f"herald_load_{tag}"
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
        subprocess.run(psql + [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        db_number = 10 + int(tag) % 5
        env.update({"DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}",
                    "REDIS_URL": f"redis://127.0.0.1:6379/{db_number}", "HERALD_HUEY_NAME": f"herald-load-{tag}"})

        def cleanup():
            subprocess.run(psql + [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
    return env, cleanup


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} before it was ready")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


# after the run -----------------------------------------------------------------------------------------
def drain(users: list[User], timeout: float) -> tuple[float, int]:
    """Wait (bounded) until no user has a job queued or running. Returns (seconds, jobs still active)."""
    t0 = time.monotonic()
    while True:
        active = 0
        for u in users:
            r = u.api.get(u.base + "/api/jobs/user/recent", params={"limit": 100}, timeout=30)
            body = r.json()
            rows = body if isinstance(body, list) else body.get("jobs") or body.get("items") or []
            active += sum(1 for j in rows if j.get("status") in ("queued", "running"))
        if not active or time.monotonic() - t0 > timeout:
            return time.monotonic() - t0, active
        time.sleep(1)


def all_pages(u: User, path: str) -> list[dict]:
    items, page = [], 1
    while True:
        r = u.api.get(f"{u.base}{path}", params={"page": page, "perPage": 100}, timeout=30)
        r.raise_for_status()
        body = r.json()
        if isinstance(body, list):  # an unpaginated list
            return body
        items += body["items"]
        if len(items) >= body.get("total", len(items)) or not body["items"] or "total" not in body:
            return items
        page += 1


def integrity(users: list[User]) -> list[str]:
    problems = []
    for u in users:
        campaigns = all_pages(u, "/api/campaigns")
        ids = Counter(c["id"] for c in campaigns)
        names = Counter(c["name"] for c in campaigns)
        for cid in u.campaigns:
            if ids[cid] != 1:
                problems.append(f"{u.email}: campaign {cid} listed {ids[cid]} times")
        for name in u.form_campaigns:
            if names[name] != 1:
                problems.append(f"{u.email}: form campaign {name!r} listed {names[name]} times")
        problems += [f"{u.email}: campaign {c['id']} left generating" for c in campaigns if c["status"] == "generating"]
        for cid, created in u.content.items():
            present = Counter(i["id"] for i in all_pages(u, f"/api/campaigns/{cid}/content"))
            problems += [f"{u.email}: content {i} of campaign {cid} listed {present[i]} times"
                         for i in created if present[i] != 1]
        personas = Counter(p["name"] for p in all_pages(u, "/api/personas"))
        problems += [f"{u.email}: persona {n!r} listed {personas[n]} times" for n in u.personas if personas[n] != 1]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--drain", type=float, default=60.0, help="longest wait for jobs to finish afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (and print it)")
    args = parser.parse_args()
    if not (1 <= args.users <= 200 and 1 <= args.seconds <= 600):
        raise SystemExit("--users 1..200 and --seconds 1..600 (the test is bounded)")

    tag = str(os.getpid())
    tmp = Path(tempfile.mkdtemp(prefix="herald-load-"))
    env, cleanup = server_env(tmp, args.backend, tag)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    subprocess.run([FLASK, "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(log_path, "wb") as log:
        server = subprocess.Popen([FLASK, "--app", "webapp", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(base, server)
        stats = Stats()
        users = [User(base, i, stats, tag) for i in range(args.users)]
        for u in users:
            u.sign_up()
        stats.__init__()  # measure the mix, not the sign-ups
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=u.run, args=(until,), daemon=True) for u in users]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - t0
        drained, still_active = drain(users, args.drain)
        problems = integrity(users)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        cleanup()

    log_text = log_path.read_text(errors="replace")
    locked = log_text.lower().count("database is locked")
    tracebacks = log_text.count("Traceback (most recent call last)")
    every = [s for v in stats.latency.values() for s in v]
    total = len(every) + sum(stats.errors.values())
    print(f"{args.users} users, {elapsed:.1f} s, backend {args.backend} ({os.cpu_count()} CPUs, shared: expect noise)")
    print(f"{'kind':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'conn err':>8}")
    for kind in [*MIX, "all"]:
        values = every if kind == "all" else stats.latency.get(kind, [])
        errors = sum(stats.errors.values()) if kind == "all" else stats.errors[kind]
        print(f"{kind:<10} {len(values):>8} {pct(values, 50):>8.0f} {pct(values, 95):>8.0f} {pct(values, 99):>8.0f} "
              f"{errors:>8}")
    print(f"requests {total}, {total / elapsed:.1f} req/s, statuses {dict(sorted(stats.status.items()))}")
    if stats.error_types:
        print(f"connection errors by type: {dict(stats.error_types)}")
    print(f"5xx: {len(stats.fivexx)} (goal 0){'  e.g. ' + stats.fivexx[0] if stats.fivexx else ''}")
    print(f"'database is locked' in the server log: {locked} (goal 0); tracebacks: {tracebacks}")
    created = sum(len(u.campaigns) + len(u.form_campaigns) for u in users)
    print(f"created: {created} campaigns, {sum(len(v) for u in users for v in u.content.values())} content items, "
          f"{sum(len(u.personas) for u in users)} personas, {sum(len(u.jobs) for u in users)} jobs queued")
    print(f"drain: {drained:.1f} s, jobs still queued/running: {still_active}; integrity: "
          f"{'ok' if not problems else f'{len(problems)} problems, e.g. ' + problems[0]}")
    if args.keep:
        print(f"server log and data in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if problems or stats.fivexx or locked or still_active else 0)


if __name__ == "__main__":
    main()
