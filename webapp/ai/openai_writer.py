"""Writer over the official `openai` client, for OpenAI and any compatible server.

The client's own retries are off (max_retries=0): we retry here so that every attempt's usage is
counted (a retry after a timeout may be billed twice, no idempotency key is sent) and so that the
error that finally surfaces is one of our two kinds, which the job system retries or not.
"""
from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

import httpx2 as _http  # the HTTP library under openai >= 3 (its timeouts and transport errors)
import openai
from openai import OpenAI

from . import platforms, sse
from .parsing import JsonTextStream, extract_json, parse_fields
from .prompts import build_messages, critique_messages, repair_message, response_format, temperature
from .types import Brief, Critique, PermanentAIError, Piece, TransientAIError
from .writer import DEFAULT_MODEL, base_url_host, validate_brief

log = logging.getLogger(__name__)

FORMAT_MODES = ("json_schema", "json_object", "none")
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "format", "grammar", "structured")
STATUS_TTL = 60.0  # seconds a reachability check is reused
STATUS_TIMEOUT = 3.0


class _Usage:
    """Token usage summed over every attempt (retries and repairs included)."""

    def __init__(self) -> None:
        self.prompt = self.completion = 0
        self.estimated = False

    def add(self, usage, messages: list[dict], text: str) -> None:
        if isinstance(usage, dict):  # a streamed reply's usage, read as JSON
            usage = _UsageNumbers(_count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))
        if usage is not None and getattr(usage, "prompt_tokens", None) is not None:
            self.prompt += usage.prompt_tokens or 0
            self.completion += usage.completion_tokens or 0
        else:  # server sent no usage: estimate ~4 characters per token so budgets still move
            self.estimated = True
            self.prompt += sum(len(str(m.get("content", ""))) for m in messages) // 4
            self.completion += len(text) // 4


class _UsageNumbers(NamedTuple):
    prompt_tokens: int | None
    completion_tokens: int | None


def _count(value) -> int | None:
    """A token count from JSON; anything that is not a non-negative integer counts as absent."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _retry_after(err: Exception) -> float | None:
    response = getattr(err, "response", None)
    if response is None:
        return None
    headers = response.headers
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _is_quota(err: openai.APIStatusError) -> bool:
    body = err.body if isinstance(err.body, dict) else {}
    return "insufficient_quota" in (err.code, getattr(err, "type", None), body.get("code"), body.get("type"))


def _is_transient_status(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _raise_if_permanent(exc: openai.APIStatusError) -> None:
    """Client errors and an exhausted quota will not get better by retrying."""
    status = exc.status_code
    if not _is_transient_status(status) or (status == 429 and _is_quota(exc)):
        raise PermanentAIError(_describe(exc), status=status) from exc


def _restart_preview(state: dict, on_restart) -> None:
    # Only when some text was shown: a live preview is cleared before the request starts over.
    if state["emitted"] and on_restart:
        on_restart()


class OpenAIWriter:
    name = "openai"

    def __init__(self, *, api_key: str, base_url: str | None = None, model: str = DEFAULT_MODEL,
                 timeout: float = 60.0, max_retries: int = 3, backoff_base: float = 0.5,
                 backoff_max: float = 20.0, max_wait: float = 60.0, max_repairs: int = 2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.model = model
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_wait = max_wait  # a Retry-After longer than this is handed to the job system
        self.max_repairs = max_repairs
        self._sleep = sleep
        self._rng = random.Random()
        self._client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self.base_url = str(self._client.base_url)
        # What this server accepts, learnt on the way (llama.cpp answers 500/400 to json_schema).
        self._lock = threading.Lock()
        self._format_index = 0
        self._format_confirmed = False
        self._send_temperature = True
        self._status: dict | None = None
        self._status_at = 0.0

    # --- public -------------------------------------------------------------------------------

    @property
    def format_mode(self) -> str:
        return FORMAT_MODES[self._format_index]

    def write(self, brief: Brief) -> Piece:
        return self._generate(brief, None, None)

    def stream(self, brief: Brief, on_text: Callable[[str], None],
               on_restart: Callable[[], None] | None = None) -> Piece:
        """on_text gets the copy's text as it arrives (string values of the JSON reply, one per
        line). When a retry or repair starts over, on_restart (if given) is called first so a
        live preview can clear itself."""
        return self._generate(brief, on_text, on_restart)

    def critique(self, piece: Piece, brief: Brief) -> Critique | None:
        messages = critique_messages(piece, brief)
        usage = _Usage()
        try:
            text = self._complete(messages, usage, temp=0.2, retries=1,
                                  fmt=lambda mode: None if mode == "none" else {"type": "json_object"})
        except (TransientAIError, PermanentAIError) as exc:
            log.info("critique failed: %s", exc)
            return None
        data = extract_json(text) or {}
        summary = str(data.get("summary") or "").strip()
        if not summary:  # answered (and billed) but unusable: keep the tokens, drop the words
            return Critique(summary="", prompt_tokens=usage.prompt, completion_tokens=usage.completion)
        suggestions = data.get("suggestions") or []
        if isinstance(suggestions, str):
            suggestions = [suggestions]
        score = data.get("score")
        try:
            score = min(10, max(1, int(score))) if score is not None else None
        except (TypeError, ValueError):
            score = None
        return Critique(summary=summary, suggestions=[str(s).strip() for s in suggestions if str(s).strip()][:3],
                        score=score, prompt_tokens=usage.prompt, completion_tokens=usage.completion)

    def status(self) -> dict:
        now = time.monotonic()
        if self._status is not None and now - self._status_at < STATUS_TTL:
            return dict(self._status)
        reachable, detail = True, None
        try:
            self._client.with_options(timeout=STATUS_TIMEOUT, max_retries=0).models.list()
        except openai.AuthenticationError:
            reachable, detail = False, "the API key was refused"
        except openai.NotFoundError:
            detail = "server answers but has no /models endpoint"
        except openai.APIStatusError as exc:
            reachable, detail = False, f"HTTP {exc.status_code}"
        except openai.APITimeoutError:
            reachable, detail = False, "timed out"
        except openai.APIConnectionError:
            reachable, detail = False, "cannot connect"
        self._status = {"writer": self.name, "model": self.model, "base_url_host": base_url_host(self.base_url),
                        "reachable": reachable, "detail": detail,
                        "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self._status_at = now
        return dict(self._status)

    # --- generation ---------------------------------------------------------------------------

    def _generate(self, brief: Brief, on_text, on_restart) -> Piece:
        validate_brief(brief)
        messages = build_messages(brief)
        usage = _Usage()
        temp = temperature(brief.creativity)
        best: tuple[Piece, list[str]] | None = None
        first_ok = False
        attempts = 0
        for attempt in range(1, self.max_repairs + 2):
            attempts = attempt
            if attempt > 1 and on_restart:
                on_restart()
            text = self._complete(messages, usage, temp=temp, on_text=on_text, on_restart=on_restart,
                                  fmt=lambda mode: response_format(mode, brief))
            piece, problems = self._to_piece(text, brief)
            if attempt == 1:
                first_ok = not problems
            if best is None or len(problems) <= len(best[1]):
                best = (piece, problems)
            if not problems:
                break
            log.info("attempt %d had %d violation(s): %s", attempt, len(problems), problems)
            # Keep the conversation so the model sees its own answer next to what was wrong.
            messages = [*messages, {"role": "assistant", "content": text[:8000]}, repair_message(problems, brief)]
        piece, problems = best
        piece.violations = problems
        piece.attempts = attempts
        piece.valid_first_try = first_ok
        piece.prompt_tokens, piece.completion_tokens = usage.prompt, usage.completion
        piece.usage_estimated = usage.estimated
        return piece

    def _to_piece(self, text: str, brief: Brief) -> tuple[Piece, list[str]]:
        fields, problems = parse_fields(text)
        piece = Piece(content_type=brief.content_type, platform=brief.platform, model=self.model, **fields)
        if problems:
            return piece, problems
        lim = platforms.limits_for(brief.content_type, brief.platform)
        if not brief.include_visuals:
            piece.visual_brief = None  # not asked for: don't store a stray one
        elif piece.visual_brief and piece.visual_brief.get("aspect_ratio") not in lim.accepted_ratios:
            # The ratio is ours to decide, not the model's: set it rather than re-ask.
            piece.visual_brief["aspect_ratio"] = lim.aspect_ratio
        if brief.content_type == "ad_copy" and not lim.body_required:
            piece.body = ""  # e.g. Google search ads have no primary text
        if brief.content_type != "social_post" and not lim.hashtags_recommended:
            piece.hashtags = []
        return piece, platforms.check(piece, require_visual=brief.include_visuals)

    # --- one completion with retries and format fallback -----------------------------------------

    def _complete(self, messages: list[dict], usage: _Usage, *, temp: float, fmt,
                  on_text=None, on_restart=None, retries: int | None = None) -> str:
        max_retries = self.max_retries if retries is None else retries
        retry = 0
        while True:
            mode = self.format_mode
            kwargs = self._request(messages, temp, fmt(mode))
            state = {"emitted": False}
            try:
                return self._send(kwargs, usage, on_text, state)
            except openai.APIStatusError as exc:
                if self._adapt(exc, mode, "response_format" in kwargs, "temperature" in kwargs):
                    _restart_preview(state, on_restart)
                    continue  # a changed request, not a retry
                _raise_if_permanent(exc)
                error: Exception = exc
            except (openai.APITimeoutError, openai.APIConnectionError, sse.StreamError) as exc:
                error = exc  # a server failing mid-stream is as transient as one that dropped the line
            _restart_preview(state, on_restart)
            delay = self._retry_delay(error, retry, max_retries)
            log.info("retrying in %.2fs after %s", delay, _describe(error))
            retry += 1
            self._sleep(delay)

    def _request(self, messages: list[dict], temp: float, response_format: dict | None) -> dict:
        """The request's arguments, leaving out what this server is known to reject."""
        kwargs: dict = {"model": self.model, "messages": messages}
        if response_format is not None:
            kwargs["response_format"] = response_format
        if self._send_temperature:
            kwargs["temperature"] = temp
        return kwargs

    def _send(self, kwargs: dict, usage: _Usage, on_text, state: dict) -> str:
        if on_text is None:
            text = self._once(kwargs, usage)
        else:
            text = self._once_stream(kwargs, usage, on_text, state)
        with self._lock:
            self._format_confirmed = True  # a 500 from now on is an outage, not a format rejection
        return text

    def _retry_delay(self, error: Exception, retry: int, max_retries: int) -> float:
        """How long to wait before the next try; raises TransientAIError when we should not wait."""
        retry_after = _retry_after(error)
        status = getattr(error, "status_code", None)
        if retry >= max_retries:
            raise TransientAIError(f"{_describe(error)} (after {retry + 1} attempts)", status=status,
                                   retry_after=retry_after) from error
        delay = self._delay(retry, retry_after)
        if delay > self.max_wait:  # too long to hold a worker: hand the wait to the job system
            raise TransientAIError(f"{_describe(error)}; server asks to wait {delay:.0f}s",
                                   status=status, retry_after=delay) from error
        return delay

    def _delay(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # Honour the server's wait; a little jitter on top spreads simultaneous clients.
            return retry_after + self._rng.uniform(0, min(0.25, retry_after * 0.1 + 0.01))
        cap = min(self.backoff_max, self.backoff_base * (2 ** retry))
        return cap / 2 + self._rng.uniform(0, cap / 2)  # "equal jitter"

    def _adapt(self, exc: openai.APIStatusError, mode: str, sent_format: bool, sent_temperature: bool) -> bool:
        """Change what we send when the server rejects an optional feature. True = try again now."""
        status, message = exc.status_code, f"{exc.message} {exc.body}".lower()
        with self._lock:
            # 500 is llama.cpp's answer to json_schema; 502/503/504 mean "down", not "unsupported".
            if sent_format and mode != "none" and not self._format_confirmed and (
                    status == 500 or (status in (400, 422) and any(w in message for w in _FORMAT_WORDS))):
                if self.format_mode == mode:
                    self._format_index += 1
                log.info("server rejected response_format %s (HTTP %s); falling back to %s",
                         mode, status, self.format_mode)
                return True
            if sent_temperature and status in (400, 422) and "temperature" in message:
                self._send_temperature = False  # some reasoning models only accept the default
                return True
        return False

    def _once(self, kwargs: dict, usage: _Usage) -> str:
        response = self._client.chat.completions.create(**kwargs)
        text = (response.choices[0].message.content or "") if response.choices else ""
        usage.add(response.usage, kwargs["messages"], text)
        return text

    def _once_stream(self, kwargs: dict, usage: _Usage, on_text, state: dict) -> str:
        parts: list[str] = []
        reported = None
        visible = JsonTextStream()
        try:
            # The client sends the request and raises on an error status; the body's events are read
            # as plain JSON (sse.py says why).
            with self._client.chat.completions.with_streaming_response.create(
                    **kwargs, stream=True, stream_options={"include_usage": True}) as response:
                for chunk in sse.chunks(response.iter_lines()):
                    if chunk.get("usage"):
                        reported = chunk["usage"]
                    for delta in sse.delta_texts(chunk):
                        parts.append(delta)
                        shown = visible.feed(delta)
                        if shown:
                            state["emitted"] = True
                            on_text(shown)
        except (openai.APITimeoutError, openai.APIConnectionError, _http.TransportError, sse.StreamError) as exc:
            if parts:  # a broken stream was still generated (and billed): count an estimate
                usage.add(None, kwargs["messages"], "".join(parts))
            if isinstance(exc, _http.TransportError):  # raised mid-stream, unwrapped by the client
                request = getattr(exc, "_request", None) or _http.Request("POST", self.base_url)
                if isinstance(exc, _http.TimeoutException):
                    raise openai.APITimeoutError(request=request) from exc
                raise openai.APIConnectionError(request=request) from exc
            raise
        text = "".join(parts)
        usage.add(reported, kwargs["messages"], text)
        return text


def _describe(exc: Exception) -> str:
    if isinstance(exc, sse.StreamError):
        return f"the AI server reported an error mid-reply: {str(exc)[:200]}"
    if isinstance(exc, openai.APITimeoutError):
        return "the AI server timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "cannot reach the AI server"
    if isinstance(exc, openai.AuthenticationError):
        return "the AI server refused the API key (401)"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429 and _is_quota(exc):
            return "the AI account's quota is exhausted (429 insufficient_quota)"
        return f"the AI server answered HTTP {exc.status_code}: {str(exc.message)[:200]}"
    return str(exc)
