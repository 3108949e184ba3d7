"""Keeping `serve`'s children alive: a child that exits is started again after a backoff
(1 s, 2 s, 4 s … capped), reset once it has stayed up a while. The policy (`Backoff`) is plain
arithmetic; `Supervisor` owns the processes through a `spawn` callable, so both can be tested
without real processes and the serve loop stays a few lines."""
from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Backoff:
    """Restart delays: first, first*2, first*4 … up to `cap`; back to `first` after a child stayed
    up `stable` seconds (a crash now and then is not a crash loop)."""

    first: float = 1.0
    cap: float = 30.0
    stable: float = 60.0
    failures: int = 0

    def next_delay(self, uptime: float) -> float:
        """The wait before restarting a child that ran for `uptime` seconds and then exited."""
        if uptime >= self.stable:
            self.failures = 0
        delay = min(self.cap, self.first * (2 ** self.failures))
        self.failures += 1
        return delay


def describe_exit(code: int) -> str:
    """'exit code 3' or 'signal SIGKILL' (Popen reports a signal as a negative code)."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


@dataclass
class _Child:
    name: str
    proc: subprocess.Popen | None
    started: float
    backoff: Backoff
    restart_at: float | None = None  # set while dead and waiting to be started again


@dataclass
class Supervisor:
    """Start `commands` (name → argv) through `spawn`, and on each `tick()` restart any that died."""

    commands: dict[str, list[str]]
    spawn: Callable[[list[str]], subprocess.Popen]
    log: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    make_backoff: Callable[[], Backoff] = Backoff
    children: dict[str, _Child] = field(default_factory=dict)

    def start(self) -> None:
        for name, argv in self.commands.items():
            self.children[name] = _Child(name, self.spawn(argv), self.clock(), self.make_backoff())

    def tick(self) -> None:
        """Notice exits (log what happened and when the restart comes) and run restarts that are due."""
        now = self.clock()
        for child in self.children.values():
            if child.proc is not None and child.restart_at is None and child.proc.poll() is not None:
                delay = child.backoff.next_delay(now - child.started)
                child.restart_at = now + delay
                self.log(f"herald serve: {_stamp()} the {child.name} process (pid {child.proc.pid}) exited with "
                         f"{describe_exit(child.proc.returncode)}; restarting it in {delay:g} s.")
            elif child.restart_at is not None and now >= child.restart_at:
                try:
                    child.proc = self.spawn(self.commands[child.name])
                except OSError as exc:  # e.g. out of memory: try again later rather than give up
                    delay = child.backoff.next_delay(0)
                    child.restart_at = now + delay
                    self.log(f"herald serve: {_stamp()} could not restart the {child.name} process ({exc}); "
                             f"trying again in {delay:g} s.")
                    continue
                child.started, child.restart_at = now, None
                self.log(f"herald serve: {_stamp()} restarted the {child.name} process (pid {child.proc.pid}).")

    def processes(self) -> dict[str, subprocess.Popen]:
        """The current process of each child (a dead one too, until its restart)."""
        return {c.name: c.proc for c in self.children.values() if c.proc is not None}


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S%z")
