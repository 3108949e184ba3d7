"""SqliteHuey consumers are woken by a doorbell when a task arrives (webapp/huey_doorbell.py).

Each waiting dequeue() here has a 30 s read timeout: a dequeue that returns within the test's few
seconds was woken by the ring, not by its timeout (no speed is asserted, only that it woke)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from webapp.huey_doorbell import DoorbellSqliteStorage

ROOT = Path(__file__).resolve().parents[2]


def storage(path: Path, read_timeout: float = 30.0) -> DoorbellSqliteStorage:
    return DoorbellSqliteStorage("herald", filename=str(path), read_timeout=read_timeout)


def waiting_dequeue(store: DoorbellSqliteStorage, again: bool = True) -> tuple[threading.Thread, list]:
    """A consumer thread blocked in dequeue() on an empty queue; when woken it looks again, as the
    consumer's loop does (`again`), and keeps what it got."""
    got: list = []
    started = threading.Event()

    def consume():
        started.set()
        data = store.dequeue()  # empty: waits for a ring, then returns None
        got.append(store.dequeue() if data is None and again else data)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    started.wait(5)
    return thread, got


def wait_listening(store: DoorbellSqliteStorage, waiters: int = 1) -> None:
    """Until `waiters` consumers wait on the doorbell and its socket is bound."""
    directory = store.doorbell.directory
    for _ in range(1000):
        if store.doorbell.waiting >= waiters and any(p.suffix == ".sock" for p in directory.iterdir()):
            return
        threading.Event().wait(0.01)
    raise AssertionError("the consumers never started waiting")


def test_enqueue_in_another_process_wakes_a_waiting_consumer(tmp_path):
    huey_db = tmp_path / "huey.db"
    consumer = storage(huey_db)
    thread, got = waiting_dequeue(consumer)
    wait_listening(consumer)
    code = ("import sys; from webapp.huey_doorbell import DoorbellSqliteStorage as S; "
            "S('herald', filename=sys.argv[1]).enqueue(b'job-42')")
    subprocess.run([sys.executable, "-c", code, str(huey_db)], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    thread.join(10)
    assert not thread.is_alive(), "the ring from the other process did not wake the consumer"
    assert got == [b"job-42"]
    consumer.close()


def test_enqueue_in_the_same_process_wakes_its_waiters(tmp_path):
    store = storage(tmp_path / "huey.db")
    threads = [waiting_dequeue(store, again=False) for _ in range(3)]
    wait_listening(store, waiters=3)
    store.enqueue(b"one")
    for thread, got in threads:
        thread.join(10)
        assert not thread.is_alive(), "every waiting consumer is woken"
        assert got == [None]
    assert store.dequeue() == b"one"  # the queue table still holds it: the ring carried no task
    assert store.queue_size() == 0
    store.close()
    assert not any(store.doorbell.directory.iterdir()), "close() removes the process's socket"


def test_a_dead_consumers_socket_is_removed_when_rung(tmp_path):
    store = storage(tmp_path / "huey.db")
    directory = store.doorbell.directory
    directory.mkdir()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(directory / "999999-abcdef.sock"))
    dead.close()  # the file stays, as after SIGKILL
    store.enqueue(b"x")
    assert not (directory / "999999-abcdef.sock").exists()
    assert store.dequeue() == b"x"


def test_without_a_socket_consumers_fall_back_to_polling(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)  # past the ~107-byte limit of a Unix socket path
    deep.mkdir(parents=True)
    store = storage(deep / "huey.db")
    assert store.dequeue() is None  # returns at once instead of waiting on a doorbell it cannot hear
    assert store.blocking is False, "the consumer must sleep between polls itself"
    store.enqueue(b"still works")
    assert store.dequeue() == b"still works"


def test_a_consumer_that_exits_cleanly_leaves_no_socket(tmp_path):
    code = ("import sys; from webapp.huey_doorbell import DoorbellSqliteStorage as S; "
            "s = S('herald', filename=sys.argv[1], read_timeout=0.01); s.dequeue(); "
            "print(len(list(s.doorbell.directory.iterdir())))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "huey.db")], cwd=ROOT, check=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True).stdout
    assert out.strip() == "1", "it listened while running"
    assert list((tmp_path / "huey.wake").iterdir()) == []
