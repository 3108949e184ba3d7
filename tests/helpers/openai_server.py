"""A loopback server speaking OpenAI's chat-completions protocol, scriptable per test.

    server.script("429:retry-after=1", "ok")      # one behaviour per request, then the default
    server.script(Behaviour(status=500), "prose")
    server.reject_json_schema = True              # llama.cpp: 500 on response_format json_schema

Behaviour strings: ok | prose | fenced | empty_object | invalid_json | overlimit | hostile |
  hang | 500 | 503 | 400 | 401 | quota | 429[:retry-after=S][:retry-after-ms=MS] |
  slow:delay=S[:token_delay=S] | text=<raw reply> | midstream_error (streams half the reply, then an
  {"error": ...} event, as vLLM and OpenAI do when a reply fails after its 200) ; options combine: "ok:delay=0.2".
Every request is recorded in server.requests (method, path, headers, json).
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HOSTILE = '<script>alert(1)</script> <div hx-get="/x" hx-trigger="load">click</div>'


@dataclass
class Behaviour:
    kind: str = "ok"  # ok | prose | fenced | empty_object | invalid_json | overlimit | hostile | hang | text
    status: int = 200
    headers: dict = field(default_factory=dict)
    error_code: str | None = None
    error_message: str = ""
    delay: float = 0.0  # before answering
    token_delay: float = 0.0  # between streamed chunks
    text: str | None = None  # raw reply content for kind="text"
    usage: bool = True  # include usage in the reply

    @classmethod
    def parse(cls, spec: str | Behaviour) -> Behaviour:
        if isinstance(spec, Behaviour):
            return spec
        if spec.startswith("text="):
            return cls(kind="text", text=spec[5:])
        head, *opts = spec.split(":")
        b = cls()
        if head.isdigit():
            b.status, b.kind = int(head), "error"
        elif head == "quota":
            b.status, b.kind, b.error_code = 429, "error", "insufficient_quota"
        elif head == "slow":
            b.kind = "ok"
        else:
            b.kind = head
        for opt in opts:
            key, _, value = opt.partition("=")
            if key in ("retry-after", "retry-after-ms"):
                b.headers[key] = value
            elif key in ("delay", "token_delay"):
                setattr(b, key, float(value))
            elif key == "no_usage":
                b.usage = False
        return b


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _request_text(body: dict) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def _wanted(body: dict) -> tuple[str, str, bool]:
    """(content type, platform, visuals) guessed from the schema or the prompt."""
    rf = body.get("response_format") or {}
    props = ((rf.get("json_schema") or {}).get("schema") or {}).get("properties") or {}
    text = _request_text(body)
    keys = set(props) or {k for k in ("subject_line", "headlines", "visual_brief", "summary")
                          if f'"{k}"' in text}
    visuals = "visual_brief" in keys
    platform = next((p for p in ("X/Twitter", "LinkedIn", "Facebook", "Instagram", "Google Ads", "Meta ads")
                     if f"for {p}" in text), "")
    if not props and "senior marketing editor" in text:  # a critique quotes the piece's keys
        return "critique", platform, False
    if "subject_line" in keys:
        return "email", "email", visuals
    if "headlines" in keys:
        return "ad_copy", platform, visuals
    if "senior marketing editor" in text:
        return "critique", platform, False
    return "social_post", platform, visuals


def default_reply(body: dict) -> dict:
    """A valid answer for whatever schema the request asks for (fits every platform's limits)."""
    kind, _platform, visuals = _wanted(body)
    if kind == "critique":
        return {"summary": "Clear and specific; the hook could be sharper.",
                "suggestions": ["Open with the reader's pain point", "Name the deadline"], "score": 7}
    if kind == "email":
        reply = {"subject_line": "Your reports, done before lunch",
                 "preheader": "See how teams like yours cut reporting time in half this quarter.",
                 "body": "Hi there,\n\nManual reporting eats your week. Our dashboard builds it for you.\n\n"
                         "Try it with your own data and see the difference.\n\nBest,\nThe team",
                 "call_to_action": "Start your trial"}
    elif kind == "ad_copy":
        reply = {"body": "Cut reporting time in half with automated dashboards.",
                 "headlines": ["Reports in Minutes", "Automate Your Reporting", "Built for Analysts"],
                 "descriptions": ["Dashboards built for you", "Try it free for 14 days"],
                 "call_to_action": "Learn More"}
        text = _request_text(body)
        for key in ("headlines", "descriptions"):  # honour the count the prompt asks for
            m = re.search(rf"{key}: (\d+)-(\d+) different", text)
            if m:
                reply[key] = reply[key][: max(int(m.group(1)), min(len(reply[key]), int(m.group(2))))]
    else:
        reply = {"body": "Manual reporting eats your week. Automated dashboards give it back. Try it today.",
                 "hashtags": ["analytics", "reporting", "dashboards"]}
    if visuals:
        reply["visual_brief"] = {"description": "A calm analyst looking at a clean dashboard",
                                 "alt_text": "Analyst reviewing a dashboard on a laptop", "aspect_ratio": "3:2"}
    return reply


def _content_for(b: Behaviour, body: dict) -> str:
    reply = default_reply(body)
    if b.kind == "text":
        return b.text or ""
    if b.kind == "prose":
        return "Sure! Here is the copy you asked for:\n\n" + json.dumps(reply) + "\n\nLet me know if you need more."
    if b.kind == "fenced":
        return "```json\n" + json.dumps(reply, indent=2) + "\n```"
    if b.kind == "empty_object":
        return "{}"
    if b.kind == "invalid_json":
        return '{"body": "unterminated'
    if b.kind == "overlimit":
        long = " ".join(["Automated dashboards give analysts their week back."] * 12)
        for key in ("body",):
            if key in reply:
                reply[key] = long
        if "headlines" in reply:
            reply["headlines"] = ["This headline is far too long for any search ad"] * 1 + reply["headlines"][1:]
        if "subject_line" in reply:
            reply["subject_line"] = "An extremely long subject line that keeps going well past sixty characters"
        return json.dumps(reply)
    if b.kind == "hostile":
        key = "body" if "body" in reply else "headlines"
        reply[key] = HOSTILE if key == "body" else [HOSTILE[:25], *reply[key][1:]]
        return json.dumps(reply)
    return json.dumps(reply, ensure_ascii=False)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        owner = self.server.owner
        owner._record("GET", self.path, self.headers, None)
        if self.path.rstrip("/").endswith("/models"):
            if owner.models_status != 200:
                return self._send_json(owner.models_status, {"error": {"message": "nope", "code": None}})
            return self._send_json(200, {"object": "list", "data": [
                {"id": owner.model, "object": "model", "created": 0, "owned_by": "test"}]})
        self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):  # noqa: N802
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        owner._record("POST", self.path, self.headers, body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._send_json(404, {"error": {"message": "not found"}})
        b = owner._next()
        if b.delay:
            owner._stopping.wait(b.delay)
        fmt = (body.get("response_format") or {}).get("type")
        if fmt == "json_schema" and owner.reject_json_schema:
            return self._send_json(500, {"error": {"message": "Unsupported param: response_format json_schema",
                                                   "type": "server_error"}})
        if fmt == "json_object" and owner.reject_json_object:
            return self._send_json(400, {"error": {"message": "response_format json_object not supported",
                                                   "type": "invalid_request_error"}})
        if b.kind == "hang":
            owner._stopping.wait(owner.hang_seconds)
            return
        if b.kind == "error":
            code = b.error_code
            message = b.error_message or {401: "Incorrect API key provided",
                                          400: "Invalid value for 'model'"}.get(b.status, "error")
            if code == "insufficient_quota":
                message = "You exceeded your current quota"
            return self._send_json(b.status, {"error": {"message": message, "code": code,
                                                        "type": code or "server_error"}}, b.headers)
        content = _content_for(b, body)
        usage = {"prompt_tokens": _tokens(_request_text(body)), "completion_tokens": _tokens(content)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        owner.usage_sent.append(usage)
        model = body.get("model") or owner.model
        if body.get("stream") and b.kind == "midstream_error":
            return self._stream_then_fail(content[:len(content) // 2], model)
        if body.get("stream"):
            include = (body.get("stream_options") or {}).get("include_usage") and b.usage
            return self._stream(content, model, usage if include else None, b.token_delay)
        payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                   "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": content}}]}
        if b.usage:
            payload["usage"] = usage
        self._send_json(200, payload)

    def _stream(self, content: str, model: str, usage: dict | None, token_delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(delta: dict | None, finish=None, extra=None):
            c = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": model, "choices": [] if delta is None else
                 [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if extra:
                c.update(extra)
            self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
            self.wfile.flush()

        try:
            chunk({"role": "assistant", "content": ""})
            for i in range(0, len(content), 7):  # ~token-sized pieces
                if token_delay:
                    time.sleep(token_delay)
                chunk({"content": content[i:i + 7]})
            chunk({}, finish="stop")
            if usage:
                chunk(None, extra={"usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


    def _stream_then_fail(self, content: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": model, "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}
        error = {"error": {"message": "The server had an error while processing your request.",
                           "type": "server_error"}}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(error)}\n\n".encode())
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: OpenAIServer


class OpenAIServer:
    def __init__(self, model: str = "test-model") -> None:
        self.model = model
        self.requests: list[dict] = []
        self.usage_sent: list[dict] = []  # usage of every successful completion, in order
        self.reject_json_schema = False
        self.reject_json_object = False
        self.models_status = 200
        self.hang_seconds = 10.0
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, *behaviours) -> OpenAIServer:
        """Queue behaviours for the next requests to /chat/completions; then the default ("ok")."""
        with self._lock:
            for b in behaviours:
                self._queue.append(Behaviour.parse(b))
        return self

    def _next(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else Behaviour()

    def _record(self, method, path, headers, body) -> None:
        with self._lock:
            self.requests.append({"method": method, "path": path, "headers": dict(headers), "json": body,
                                  "at": time.monotonic()})

    @property
    def completions(self) -> list[dict]:
        """Bodies of the chat-completion requests received, in order."""
        return [r["json"] for r in self.requests if r["method"] == "POST"]


@pytest.fixture
def openai_server():
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
