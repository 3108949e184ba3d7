"""Generation benchmark: a 12-piece campaign through the real job path, timed end to end.

    python bench/generation.py [--delay 0.3] [--token-delay 0.01] [--concurrency 12] [--runs 5] [--idle 2]

Runs the loopback OpenAI-compatible test server (every call waits --delay seconds, then streams its
reply in small chunks), the web app on a loopback port (werkzeug, websockets included) and a Huey
consumer as its own process (`huey_consumer tasks.huey`, as `make run` does), all on SQLite in a
temporary folder. A websocket client logged in as the campaign's owner watches /ws/campaigns/<id>.
Before each job the worker sits idle for --idle seconds, as when a person presses Generate.

Prints (a) the job's total time as a ratio of one call's time (goal ≤ 1.3: pieces are written
concurrently within HERALD_AI_CONCURRENCY) and (b) p50/p95 of the delay from a token leaving the
server to the HTML fragment carrying it reaching the websocket client (goal p95 ≤ 100 ms). Each
reply's body is made of unique marker words, so every marker is timed on both sides.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere without installing

from tests.helpers import openai_server as loopback  # noqa: E402

MARKER = re.compile(r"\bm\d{6}\b")
SENT: dict[str, float] = {}  # marker → when the chunk completing it left the server
_counter = iter(range(1, 10**6))
_lock = threading.Lock()


def _marker_reply(body: dict) -> str:
    """The usual valid reply for the asked schema, its body replaced by unique marker words."""
    reply = loopback.default_reply(body)
    with _lock:
        base = next(_counter) * 100
    words = [f"m{base + i:06d}" for i in range(8)]
    if "body" in reply:
        reply["body"] = "Reports done before lunch: " + " ".join(words) + "."
    return json.dumps(reply)


def _stream(self, content, model, usage, token_delay):
    """The loopback server's streaming, recording when each marker's last character is sent."""
    self.send_response(200)
    self.send_header("Content-Type", "text/event-stream")
    self.send_header("Connection", "close")
    self.end_headers()
    self.close_connection = True

    def chunk(delta, finish=None, extra=None):
        c = {"id": "x", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
             "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if extra:
            c.update(extra)
        self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
        self.wfile.flush()

    chunk({"role": "assistant", "content": ""})
    for i in range(0, len(content), 7):
        if token_delay:
            time.sleep(token_delay)
        chunk({"content": content[i:i + 7]})
        now = time.time()
        for m in MARKER.finditer(content[:i + 7]):
            if m.end() <= i + 7:
                SENT.setdefault(m.group(0), now)
    chunk({}, finish="stop")
    if usage:
        chunk(None, extra={"usage": usage})
    self.wfile.write(b"data: [DONE]\n\n")
    self.wfile.flush()


def _content_for(b, body):
    return _marker_reply(body) if b.kind == "ok" else ORIGINAL_CONTENT_FOR(b, body)


ORIGINAL_CONTENT_FOR = loopback._content_for
loopback._content_for = _content_for
loopback._Handler._stream = _stream


def _serve_openai(ready, stop, sent_out, delay: float, token_delay: float) -> None:
    """Child process: the loopback OpenAI-compatible server, as a provider would be — its own process."""
    server = loopback.OpenAIServer().start()
    server.script(*[f"ok:delay={delay}:token_delay={token_delay}"] * 200)
    ready.put(server.base_url)
    stop.wait()
    sent_out.put(dict(SENT))
    server.stop()


def _serve_web(ready, stop, env: dict) -> None:
    """Child process: the web app (werkzeug, threaded, websockets included) — its own process, as
    gunicorn runs it, so its poller and sockets do not share a GIL with the server or the client."""
    os.environ.update(env)

    from werkzeug.serving import make_server

    from webapp import create_app

    app = create_app({"HERALD_AI_CRITIQUE": False, "RATELIMIT_ENABLED": False})
    web = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    ready.put(web.server_port)
    stop.wait()
    web.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.3, help="seconds each call waits before streaming")
    parser.add_argument("--token-delay", type=float, default=0.01, help="seconds between streamed chunks")
    parser.add_argument("--concurrency", type=int, default=12, help="HERALD_AI_CONCURRENCY (default 12)")
    parser.add_argument("--runs", type=int, default=5, help="jobs to time (the median is printed)")
    parser.add_argument("--idle", type=float, default=2.0,
                        help="seconds the worker sits idle before each job, as when a person presses Generate")
    parser.add_argument("--dump", help="write the per-marker send/arrival times to this JSON file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="herald-bench-"))
    import multiprocessing

    mp = multiprocessing.get_context("spawn")
    server_ready, server_stop, sent_out = mp.Queue(), mp.Event(), mp.Queue()
    server_proc = mp.Process(target=_serve_openai, args=(server_ready, server_stop, sent_out, args.delay,
                                                         args.token_delay), daemon=True)
    server_proc.start()
    server_url = server_ready.get(timeout=60)
    env_settings = {
        "HERALD_INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench-secret", "DATABASE_URL": f"sqlite:///{tmp}/herald.db",
        "HERALD_HUEY_PATH": str(tmp / "huey.db"), "OPENAI_BASE_URL": server_url, "OPENAI_API_KEY": "sk-bench",
        "HERALD_AI_CONCURRENCY": str(args.concurrency), "HERALD_LOG_LEVEL": "WARNING", "HERALD_AI_MAX_RETRIES": "0",
    }
    for key in [k for k in os.environ if k.startswith(("HERALD_", "OPENAI_")) or k in ("REDIS_URL", "DATABASE_URL")]:
        del os.environ[key]
    os.environ.update(env_settings)


    from tests.helpers.fixtures_jobs import WSClient, session_cookie
    from webapp import create_app
    from webapp.events import store
    from webapp.extensions import db
    from webapp.models import ContentItem, Job
    from webapp.services import campaigns, generation, jobs
    from webapp.services.access import Actor
    from webapp.services.accounts import register_user
    from webapp.services.jobs import campaign_status, control

    # One piece = one call in this measure (the optional model critique would add a second call).
    app = create_app({"HERALD_AI_CRITIQUE": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        user = register_user("bench@example.com", "correct horse battery", name="Bench")
        db.session.commit()
        actor = Actor(user_id=user.id, team_id=user.current_team_id, role="owner")
        campaign = campaigns.create_campaign(actor, {
            "name": "Bench launch", "objective": "conversion", "tone": "plain", "description": "Bench.",
            "content_types": ["email", "social_post", "ad_copy"],
            "platforms": ["email", "linkedin", "twitter", "facebook", "instagram", "google_ads", "meta_ads"]})
        db.session.commit()
        planned = campaigns.planned_pieces(campaign)
        cookie = session_cookie(app, user)
        campaign_id, team_id = campaign.id, actor.team_id

        # One call's time: the same writer streaming each planned piece alone, no job system around
        # it. Pieces differ in length (an email streams longer than a post), so the job is compared
        # with the slowest of them — the least a job writing them all at once can take — and the median.
        writer = generation.writer_for(app.config)
        singles = []
        for content_type, platform in planned:
            brief = generation.build_brief(campaign, None, content_type=content_type, platform=platform)
            t0 = time.perf_counter()
            writer.stream(brief, lambda _text: None)
            singles.append(time.perf_counter() - t0)
        singles.sort()
        one_call, median_call = singles[-1], singles[len(singles) // 2]
    SENT.clear()

    with app.app_context():
        db.engine.dispose()  # the web child opens its own connections
    web_ready, web_stop = mp.Queue(), mp.Event()
    web_proc = mp.Process(target=_serve_web, args=(web_ready, web_stop, dict(env_settings)), daemon=True)
    web_proc.start()
    web_port = web_ready.get(timeout=60)
    worker_env = {**os.environ, "PYTHONPATH": str(ROOT), "HERALD_AI_CRITIQUE": "0"}
    worker = subprocess.Popen([str(Path(sys.executable).with_name("huey_consumer")), "tasks.huey", "-w", "2",
                               "-k", "thread", "-d", "0.05", "-m", "0.25"], cwd=ROOT, env=worker_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Warm up: one single-piece job, so the measure is a running worker's, not its cold start.
        with app.app_context():
            warm = jobs.start_single_generation(actor, campaign_id, "social_post", "linkedin")
            warm_id = warm.id
            db.session.commit()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.get(Job, warm_id).status not in ("queued", "running"):
                    break
            time.sleep(0.05)
        SENT.clear()
        arrived: dict[str, float] = {}
        totals, outcomes = [], []
        for _run in range(args.runs):
            time.sleep(args.idle)  # an idle worker polls least often: its pick-up time belongs in the figure
            with app.app_context():
                cursor = store.latest_id()
            sock = WSClient(f"ws://127.0.0.1:{web_port}/ws/campaigns/{campaign_id}?after={cursor}", cookie=cookie)
            texts: dict[str, str] = {}
            with app.app_context():
                # The campaign's planned pieces (at most 11 distinct type × platform pairs) plus a second
                # email, for twelve: the job runner treats the repeat as its own step ("email:email:2").
                pieces = control.step_keys(planned + [("email", "email")])
                campaign = db.session.get(type(campaign), campaign_id)
                job = control.new_job(actor, campaign, jobs.KIND_CAMPAIGN, pieces,
                                      {"previous_status": campaign.status})
                campaign_status.set_status_by_system(campaign_id, "generating")
                job_id = job.id
                t_start = time.perf_counter()
                db.session.commit()  # enqueued after this commit
            done = False
            while not done:
                message = sock.recv(timeout=30)
                now = time.time()
                if message is None:
                    raise SystemExit("websocket went quiet for 30 s; is the worker running?")
                for dom_id, text in re.findall(r'<span id="([^"]+)-text" hx-swap-oob="beforeend">(.*?)</span>',
                                               message, re.S):
                    texts[dom_id] = texts.get(dom_id, "") + html.unescape(text)
                    for marker in MARKER.findall(texts[dom_id]):
                        arrived.setdefault(marker, now)
                done = f'data-job-id="{job_id}" data-status="succeeded"' in message or \
                    f'data-job-id="{job_id}" data-status="failed"' in message
            totals.append(time.perf_counter() - t_start)
            sock.close()
            with app.app_context():
                row = db.session.get(Job, job_id)
                written = db.session.query(ContentItem).filter_by(job_id=job_id).count()
                outcomes.append(f"{row.status} {written}/{len(pieces)}")
                campaign_status.set_status_by_system(campaign_id, "draft")
                db.session.commit()
        server_stop.set()
        SENT.update(sent_out.get(timeout=30))
        delays = sorted(1000 * (arrived[m] - SENT[m]) for m in arrived if m in SENT)
        if args.dump:
            Path(args.dump).write_text(json.dumps({"sent": SENT, "arrived": arrived, "db": str(tmp / "herald.db")}))
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        web_stop.set()
        server_stop.set()
        web_proc.join(timeout=10)
        server_proc.join(timeout=10)

    def pct(values, p):
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")

    total = sorted(totals)[len(totals) // 2]
    print(f"{args.runs} jobs ({', '.join(outcomes)}), concurrency {args.concurrency}, "
          f"call delay {args.delay:.2f} s + streaming ({args.token_delay * 1000:.0f} ms per chunk)")
    print(f"(a) one call alone: slowest {one_call:.3f} s, median {median_call:.3f} s   12-piece job (commit → "
          f"last card on the socket), median of {args.runs}: {total:.3f} s (min {min(totals):.3f}, max "
          f"{max(totals):.3f})   ratio {total / one_call:.2f} to the slowest call, {total / median_call:.2f} to "
          f"the median  (goal ≤ 1.3; the floor is ceil(12 / concurrency) = {-(-12 // args.concurrency)} calls)")
    print(f"(b) token → websocket fragment: p50 {pct(delays, 50):.1f} ms   p95 {pct(delays, 95):.1f} ms   "
          f"max {delays[-1] if delays else float('nan'):.1f} ms   ({len(delays)} markers timed)  (goal p95 ≤ 100 ms)")
    print(f"team {team_id}, data in {tmp}")


if __name__ == "__main__":
    main()
