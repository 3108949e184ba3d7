"""Socket benchmark: 1,000 idle websockets open at once, and what they cost the rest of the site.

    python bench/sockets.py [--sockets 1000] [--accounts 50] [--seconds 5] [--connections 8]

1. Makes a temporary instance (SQLite, migrated) with --accounts accounts, each with its own team, a
   campaign and an API token, and logs each in through the real login form (in process, so the
   login rate limit does not pace the set-up) to get its session cookie.
2. Starts Herald the way `make run` does (`flask --app webapp serve`: gunicorn as configured in
   webapp/cli/ops.py, plus the Huey worker) on a free loopback port.
3. Measures requests/second of /healthz, the dashboard API (/api/campaigns/dashboard, bearer token)
   and a campaign page (/campaigns/<id>, session cookie) with `wrk` (Debian's package, another
   process) — or a small threaded client when wrk is missing — with no socket open.
4. Opens --sockets websockets from an asyncio client in this process, spread over the accounts and
   over the three kinds: browser campaign sockets (/ws/campaigns/<id>), browser jobs sockets
   (/ws/jobs) and API event sockets (/ws/api/events), each at most 20 per account (the default
   per-user cap). The client answers pings, so the sockets stay open.
5. Waits until the server has set every socket up (its CPU falls under 10 % of a core), then
   measures the same three again with every socket open, checks they are all still open, and prints
   the absolute figures and the ratios (goal: each >= 0.80), with the server's memory and open files.

Asserts nothing; prints figures. The machine is shared and noisy: compare the ratios of one run.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench sockets password 1"
PER_ACCOUNT = 20  # HERALD_WS_MAX_PER_USER's default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- set-up -------------------------------------------------------------------------------------

def make_accounts(env: dict, count: int) -> list[dict]:
    """Users, teams, campaigns and tokens through the services, and a session cookie per user from
    the real login form. Runs in process against the instance the server will use."""
    os.environ.update(env)
    from webapp import create_app
    from webapp.extensions import db
    from webapp.services import accounts, campaigns
    from webapp.services.access import Actor

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    out = []
    with app.app_context():
        for i in range(count):
            email = f"sockets{i}@bench.example"
            user = accounts.register_user(email, PASSWORD, name=f"Bench {i}", team_name=f"Bench team {i}")
            db.session.flush()
            actor = Actor(user_id=user.id, team_id=user.current_team_id, role="owner")
            campaign = campaigns.create_campaign(actor, {"name": f"Launch {i}", "status": "draft"})
            _, secret = accounts.issue_token(actor, "bench")
            db.session.commit()
            out.append({"email": email, "campaign_id": campaign.id, "token": secret})
    for account in out:
        client = app.test_client()
        response = client.post("/login", data={"email": account["email"], "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"login failed for {account['email']}: {response.status_code}")
        account["cookie"] = f"session={client.get_cookie('session').value}"
    return out


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: see {log_path}")
    raise SystemExit(f"the server did not answer /healthz in 60 s: see {log_path}")


def web_pid(server: subprocess.Popen) -> int | None:
    """The gunicorn worker process (the one holding the sockets): the deepest gunicorn in the tree."""
    found = None
    stack = [server.pid]
    while stack:
        pid = stack.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in cmd:
            found = pid
        stack.extend(int(c) for c in children)
    return found


def process_figures(pid: int | None) -> str:
    if pid is None:
        return "n/a"
    try:
        rss = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1)
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError):
        return "n/a"
    return f"RSS {int(rss) / 1024:.0f} MiB, {fds} open files"


def cpu_seconds(pid: int | None) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int | None, limit: float = 60.0) -> float:
    """Wait until the web process has finished setting the sockets up (it answers the handshake
    first, then authorises and subscribes): under 10 % of a core for a second. Returns its idle CPU."""
    deadline = time.monotonic() + limit
    while True:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        used = cpu_seconds(pid) - before
        if used < 0.10 or time.monotonic() > deadline:
            return used


# --- throughput ---------------------------------------------------------------------------------

def wrk_rate(url: str, headers: list[str], seconds: int, connections: int) -> float:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for h in headers:
        argv += ["-H", h]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} answers were not 2xx/3xx\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def threaded_rate(url: str, headers: list[str], seconds: int, connections: int) -> float:
    """Fallback when wrk is missing: keep-alive clients in threads (slower than wrk, same both runs)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head = dict(h.split(": ", 1) for h in headers)
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", parts.path, headers=head)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                raise SystemExit(f"{url}: {response.status}")
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def measure(base: str, account: dict, seconds: int, connections: int) -> dict[str, float]:
    rate = wrk_rate if shutil.which("wrk") else threaded_rate
    targets = {
        "/healthz": (f"{base}/healthz", []),
        "dashboard API": (f"{base}/api/campaigns/dashboard", [f"Authorization: Bearer {account['token']}"]),
        "campaign page": (f"{base}/campaigns/{account['campaign_id']}", [f"Cookie: {account['cookie']}"]),
    }
    return {name: rate(url, headers, seconds, connections) for name, (url, headers) in targets.items()}


# --- sockets ------------------------------------------------------------------------------------

class IdleSocket:
    """A minimal websocket client (RFC 6455) that answers pings and otherwise stays quiet."""

    def __init__(self) -> None:
        self.open = False
        self.close_code: int | None = None

    async def connect(self, port: int, path: str, header: str) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"{header}\r\n\r\n").encode())
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 30)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"{path}: {head.splitlines()[0].decode()}")
        self.open = True
        self.task = asyncio.create_task(self._read())

    async def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)
        await self.writer.drain()

    async def _read(self) -> None:
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                size = second & 0x7F
                if size == 126:
                    size = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif size == 127:
                    size = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                payload = await self.reader.readexactly(size)
                opcode = first & 0x0F
                if opcode == 0x9:
                    await self._send(0xA, payload)
                elif opcode == 0x8:
                    self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        self.open = False

    async def close(self) -> None:
        if self.open:
            try:
                await self._send(0x8, struct.pack("!H", 1000))
            except ConnectionError:
                pass
        self.writer.close()


def socket_plan(accounts: list[dict], total: int) -> list[tuple[str, str]]:
    """(path, header) for `total` sockets: per account up to 20, mixing the three kinds."""
    plan = []
    for n in range(PER_ACCOUNT):
        for account in accounts:
            if len(plan) == total:
                return plan
            kind = n % 5
            if kind in (0, 1):
                plan.append((f"/ws/campaigns/{account['campaign_id']}", f"Cookie: {account['cookie']}"))
            elif kind == 2:
                plan.append(("/ws/jobs", f"Cookie: {account['cookie']}"))
            else:
                plan.append(("/ws/api/events", f"Authorization: Bearer {account['token']}"))
    return plan


class SocketCrowd:
    """An asyncio loop in a thread holding every socket, so the main thread can run the load."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list[IdleSocket] = []

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def _open(self, port: int, plan: list[tuple[str, str]]) -> list[str]:
        errors: list[str] = []
        gate = asyncio.Semaphore(50)

        async def one(path: str, header: str) -> None:
            ws = IdleSocket()
            async with gate:
                try:
                    await ws.connect(port, path, header)
                    self.sockets.append(ws)
                except (TimeoutError, OSError, RuntimeError, asyncio.IncompleteReadError) as exc:
                    errors.append(f"{path}: {exc!r}")

        await asyncio.gather(*(one(p, h) for p, h in plan))
        return errors

    def open(self, port: int, plan: list[tuple[str, str]]) -> list[str]:
        return self.run(self._open(port, plan))

    def still_open(self) -> int:
        return sum(1 for ws in self.sockets if ws.open)

    def close(self) -> None:
        async def close_all():
            await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)

        self.run(close_all())
        self.loop.call_soon_threadsafe(self.loop.stop)


# --- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="seconds of load per page and phase")
    parser.add_argument("--connections", type=int, default=8, help="concurrent HTTP connections of the load")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is printed")
    args = parser.parse_args()
    if args.sockets > args.accounts * PER_ACCOUNT:
        parser.error(f"{args.sockets} sockets need at least {-(-args.sockets // PER_ACCOUNT)} accounts")

    tmp = Path(tempfile.mkdtemp(prefix="herald-bench-sockets-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HERALD_", "OPENAI_")) and k not in ("REDIS_URL", "DATABASE_URL")}
    env.update({"HERALD_INSTANCE_PATH": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'herald.db'}",
                "SECRET_KEY": "bench-sockets-secret", "HERALD_HUEY_NAME": f"bench-sockets-{os.getpid()}",
                "HERALD_RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)})
    subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    print(f"set-up: {args.accounts} accounts in {tmp}", flush=True)
    accounts = make_accounts(env, args.accounts)
    server = start_server(env, port, tmp / "server.log")
    crowd = SocketCrowd()
    try:
        base = f"http://127.0.0.1:{port}"
        pid = web_pid(server)
        print(f"server: flask serve on {base} (web process {pid}: {process_figures(pid)})", flush=True)
        measure(base, accounts[0], 1, args.connections)  # warm up: templates compiled, connections open
        quiet: dict[str, list[float]] = {}
        crowded: dict[str, list[float]] = {}
        plan = socket_plan(accounts, args.sockets)
        for round_no in range(args.rounds):
            for name, value in measure(base, accounts[0], args.seconds, args.connections).items():
                quiet.setdefault(name, []).append(value)
            started = time.monotonic()
            errors = crowd.open(port, plan)
            if errors:
                raise SystemExit(f"{len(errors)} sockets were refused, e.g. {errors[0]}")
            opened = time.monotonic() - started
            idle = settle(pid)
            for name, value in measure(base, accounts[0], args.seconds, args.connections).items():
                crowded.setdefault(name, []).append(value)
            alive = crowd.still_open()
            print(f"round {round_no + 1}: {len(plan)} sockets opened in {opened:.1f} s (then {idle:.0%} of a core "
                  f"while idle), {alive} still open after the load; web process {process_figures(pid)}",
                  flush=True)
            if alive != len(plan):
                raise SystemExit(f"only {alive} of {len(plan)} sockets stayed open")
            crowd.close()
            crowd = SocketCrowd()
            time.sleep(1)
        print(f"\nrequests/second, median of {args.rounds} rounds of {args.seconds} s, {args.connections} "
              f"connections ({'wrk' if shutil.which('wrk') else 'threaded client'}):")
        print(f"{'':16}{'no sockets':>12}{f'{args.sockets} sockets':>15}{'ratio':>8}")
        for name in quiet:
            q, c = statistics.median(quiet[name]), statistics.median(crowded[name])
            print(f"{name:16}{q:12.1f}{c:15.1f}{c / q:8.2f}")
    finally:
        crowd.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
