"""The live channel for token deltas (Unix datagrams in embedded mode) and per-socket coalescing."""
import socket
import time

from webapp.events.live import LiveReceiver, publish_live, socket_dir
from webapp.events.stream import coalesce, deltas_early


def _wait_for(predicate, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_live_events_reach_every_listening_process_and_carry_no_id(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path)}
    got_a, got_b = [], []
    a, b = LiveReceiver(config, got_a.extend), LiveReceiver(config, got_b.extend)
    try:
        publish_live(config, [{"event": "content:generation:delta", "id": 7, "data": {"text": "Hel"}},
                              {"event": "content:generation:delta", "data": {"text": "lo"}}])
        assert _wait_for(lambda: len(got_a) == 2 and len(got_b) == 2)
        assert [e["data"]["text"] for e in got_a] == ["Hel", "lo"]
        assert all(e["id"] is None and e["live"] for e in got_a + got_b)
    finally:
        a.close()
        b.close()


def test_a_dead_listener_is_removed_and_nothing_breaks(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path)}
    path = socket_dir(config)
    path.mkdir(parents=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(path / "web-1-dead.sock"))
    dead.close()  # its process died without cleaning up: the file stays, nobody listens
    assert (path / "web-1-dead.sock").exists()
    publish_live(config, [{"event": "x", "data": {}}])
    assert not (path / "web-1-dead.sock").exists()
    publish_live({"INSTANCE_PATH": str(tmp_path / "never-created")}, [{"event": "x", "data": {}}])
    assert list(socket_dir(config).iterdir()) == []


def _delta(step, text):
    return {"id": None, "event": "content:generation:delta", "job_id": "j", "data": {"step_key": step, "text": text}}


def test_coalesce_merges_deltas_per_piece_but_never_across_a_stored_event():
    stored = {"id": 5, "event": "content:generation:completed", "job_id": "j", "data": {"step_key": "a"}}
    batch = [_delta("a", "He"), _delta("b", "Wo"), _delta("a", "llo"), stored, _delta("a", "!")]
    out = coalesce(batch)
    assert [(e["event"], e["data"].get("text")) for e in out] == [
        ("content:generation:delta", "Hello"), ("content:generation:delta", "Wo"),
        ("content:generation:completed", None), ("content:generation:delta", "!")]
    assert batch[0]["data"]["text"] == "He"  # the queued events themselves are left as they were


def _stored(id_, event, step=None, job="j"):
    return {"id": id_, "event": event, "job_id": job, "data": {"step_key": step} if step else {}}


def test_deltas_jump_ahead_of_cards_but_never_ahead_of_their_start():
    batch = [_stored(1, "content:generation:completed", "x"), _stored(2, "content:generation:started", "a"),
             _stored(3, "campaign:generation:progress"), _delta("a", "Hi"), _delta("b", "Yo"),
             _stored(4, "campaign:generation:started", job="k"), {**_delta("c", "Ok"), "job_id": "k"}]
    out = [(e["id"], e["data"].get("text")) for e in deltas_early(batch)]
    # b's start came earlier (not in this batch): to the front. a's delta waits for a's start;
    # job k's delta for k's start. Stored events keep their order (the cursor relies on it).
    assert out == [(None, "Yo"), (1, None), (2, None), (None, "Hi"), (3, None), (4, None), (None, "Ok")]
