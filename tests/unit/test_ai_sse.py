"""Reading a streamed chat completion's server-sent events (webapp/ai/sse.py)."""
from __future__ import annotations

import json

import pytest

from webapp.ai import sse


def lines(*events: str) -> list[str]:
    out: list[str] = []
    for e in events:
        out += [*e.split("\n"), ""]
    return out


def test_events_follow_the_sse_rules():
    got = list(sse.events(lines(": keep-alive comment", "event: message\ndata: one", "data:two\ndata: three",
                                "id: 7\nretry: 10")))
    assert got == ["one", "two\nthree"]  # comments and data-less events are not events


def test_last_event_without_blank_line_is_kept():
    assert list(sse.events(["data: tail"])) == ["tail"]


def test_chunks_stop_at_done_and_skip_what_is_not_an_object():
    raw = lines("data: " + json.dumps({"choices": [{"delta": {"content": "Hi"}}]}), "data: not json",
                "data: [1, 2]", "data: [DONE]", "data: " + json.dumps({"choices": []}))
    got = list(sse.chunks(raw))
    assert got == [{"choices": [{"delta": {"content": "Hi"}}]}]


def test_error_chunk_raises_with_its_message():
    raw = lines("data: " + json.dumps({"error": {"message": "overloaded", "type": "server_error"}}))
    with pytest.raises(sse.StreamError, match="overloaded") as info:
        list(sse.chunks(raw))
    assert info.value.body == {"message": "overloaded", "type": "server_error"}
    with pytest.raises(sse.StreamError, match="An error occurred during streaming"):
        list(sse.chunks(lines('data: {"error": "boom"}')))


@pytest.mark.parametrize("chunk,texts", [
    ({"choices": [{"delta": {"content": "a"}}, {"delta": {"content": "b"}}]}, ["a", "b"]),
    ({"choices": [{"delta": {"role": "assistant", "content": ""}}]}, []),
    ({"choices": [{"delta": {"content": None}}, {"delta": None}, "junk", {"delta": {"content": 5}}]}, []),
    ({"choices": None, "usage": {"prompt_tokens": 3}}, []),
])
def test_delta_texts_take_only_text(chunk, texts):
    assert list(sse.delta_texts(chunk)) == texts
