"""serve's restart policy (Backoff) and the Supervisor driving real short-lived processes."""
from __future__ import annotations

import subprocess
import sys

from webapp.cli.supervisor import Backoff, Supervisor, describe_exit


def test_backoff_doubles_up_to_the_cap():
    backoff = Backoff(first=1, cap=30, stable=60)
    assert [backoff.next_delay(uptime=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_resets_after_a_stable_run():
    backoff = Backoff(first=1, cap=30, stable=60)
    backoff.next_delay(0)
    backoff.next_delay(0)
    assert backoff.next_delay(uptime=61) == 1
    assert backoff.next_delay(uptime=1) == 2


def test_describe_exit():
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(-15) == "signal SIGTERM"


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_supervisor_restarts_a_dead_child_after_its_delay_and_leaves_the_other_alone():
    clock, lines, spawned = _Clock(), [], []

    def spawn(argv):
        proc = subprocess.Popen(argv)
        spawned.append(proc)
        return proc

    crash = [sys.executable, "-c", "import sys; sys.exit(3)"]
    stay = [sys.executable, "-c", "import time; time.sleep(60)"]
    sup = Supervisor({"worker": crash, "web": stay}, spawn=spawn, log=lines.append, clock=clock)
    try:
        sup.start()
        first_worker, web = sup.processes()["worker"], sup.processes()["web"]
        first_worker.wait(30)
        sup.tick()
        assert "the worker process" in lines[-1] and "exited with exit code 3; restarting it in 1 s" in lines[-1]
        clock.now += 0.5
        sup.tick()  # not yet due
        assert len(spawned) == 2
        clock.now += 0.6
        sup.tick()
        assert len(spawned) == 3 and sup.processes()["worker"] is not first_worker
        assert "restarted the worker process" in lines[-1]
        sup.processes()["worker"].wait(30)
        sup.tick()
        assert "restarting it in 2 s" in lines[-1]  # it crashed again at once: the delay doubles
        assert sup.processes()["web"] is web and web.poll() is None
    finally:
        for proc in spawned:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_supervisor_retries_when_a_restart_cannot_be_spawned():
    clock, lines = _Clock(), []
    calls = []

    def spawn(argv):
        calls.append(argv)
        if len(calls) > 1:
            raise OSError("Cannot allocate memory")
        return subprocess.Popen(argv)

    sup = Supervisor({"worker": [sys.executable, "-c", "pass"]}, spawn=spawn, log=lines.append, clock=clock)
    sup.start()
    sup.processes()["worker"].wait(30)
    sup.tick()
    clock.now += 1
    sup.tick()
    assert "could not restart the worker process (Cannot allocate memory); trying again in 2 s" in lines[-1]
