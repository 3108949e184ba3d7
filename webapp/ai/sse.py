"""Server-sent events of a streamed chat completion, read as plain JSON.

The `openai` client turns every streamed chunk into a pydantic model; twelve pieces streaming at
once spend about half their CPU on that (measured in bench/generation.py), time taken from the
other streams under the GIL. We still send the request through the client (auth, errors, retries
on connect) and read the body's lines here: only `choices[].delta.content` and `usage` are used.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator


class StreamError(Exception):
    """The server reported an error inside the stream (after a 200 status)."""

    def __init__(self, message: str, body: object) -> None:
        super().__init__(message)
        self.body = body


def events(lines: Iterable[str]) -> Iterator[str]:
    """The data of each event (multi-line data joined with newlines), per the SSE spec: fields
    are `name: value` lines, a blank line ends an event, lines starting with ':' are comments."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:  # a last event without its blank line (a server that closed early)
        yield "\n".join(data)


def chunks(lines: Iterable[str]) -> Iterator[dict]:
    """Each JSON chunk until `[DONE]`. Data that is not a JSON object is skipped (keep-alives,
    vendor extras); an `{"error": ...}` chunk raises StreamError."""
    for data in events(lines):
        if data.startswith("[DONE]"):
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        if not isinstance(chunk, dict):
            continue
        error = chunk.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else None
            raise StreamError(message if isinstance(message, str) and message else
                              "An error occurred during streaming", error)
        yield chunk


def delta_texts(chunk: dict) -> Iterator[str]:
    """The content text each choice of one chunk adds."""
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        text = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(text, str) and text:
            yield text
