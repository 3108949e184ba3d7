"""OpenAIWriter's request loop: what is retried, what is adapted, what is raised, and how long it waits.

Characterisation of the completion loop's branches that the writer tests reach only in part:
a rejected temperature, a server asking for a wait longer than we allow, a format rejection once
the format is known to work, and the restart signal for a live preview.
"""
from __future__ import annotations

import pytest

from tests.helpers.openai_server import Behaviour
from webapp.ai.openai_writer import OpenAIWriter
from webapp.ai.types import Brief, PermanentAIError, TransientAIError

CAMPAIGN = {"name": "Ledger Launch", "objective": "leads", "keywords": ["month-end close"]}


def brief(ct="social_post", pf="twitter") -> Brief:
    return Brief(ct, pf, {"role": "Head of Operations"}, CAMPAIGN)


def writer(server, waits: list, **kw) -> OpenAIWriter:
    opts = {"timeout": 5.0, "max_retries": 3, "backoff_base": 0.01, "sleep": waits.append}
    opts.update(kw)
    return OpenAIWriter(api_key="sk-test-secret", base_url=server.base_url, model="test-model", **opts)


def formats(server) -> list:
    return [(r.get("response_format") or {}).get("type") for r in server.completions]


def test_rejected_temperature_is_dropped_without_counting_a_retry(openai_server):
    waits: list = []
    openai_server.script(Behaviour(status=400, kind="error", error_message="Unsupported value: 'temperature'"), "ok")
    w = writer(openai_server, waits, max_retries=0)
    assert w.write(brief()).ok
    sent = [("temperature" in r) for r in openai_server.completions]
    assert sent == [True, False] and waits == []
    assert w.write(brief()).ok
    assert "temperature" not in openai_server.completions[-1]  # remembered


def test_format_words_in_a_400_fall_back_before_the_format_is_confirmed(openai_server):
    waits: list = []
    openai_server.script(Behaviour(status=400, kind="error", error_message="json_schema is not supported"), "ok")
    assert writer(openai_server, waits).write(brief()).ok
    assert formats(openai_server) == ["json_schema", "json_object"] and waits == []


def test_a_500_after_the_format_worked_is_a_transient_error_not_a_fallback(openai_server):
    waits: list = []
    w = writer(openai_server, waits)
    assert w.write(brief()).ok
    openai_server.script("500", "ok")
    assert w.write(brief()).ok
    assert formats(openai_server) == ["json_schema"] * 3 and len(waits) == 1


def test_a_wait_longer_than_allowed_is_handed_back(openai_server):
    waits: list = []
    openai_server.script("429:retry-after=120")
    with pytest.raises(TransientAIError, match=r"server asks to wait 120s$") as info:
        writer(openai_server, waits, max_wait=60.0).write(brief())
    assert info.value.status == 429 and 120 <= info.value.retry_after <= 120.25
    assert len(openai_server.completions) == 1 and waits == []


def test_exhausted_retries_say_how_many_attempts(openai_server):
    waits: list = []
    openai_server.script(*["503"] * 3)
    with pytest.raises(TransientAIError, match=r"^the AI server answered HTTP 503: .* \(after 3 attempts\)$") as info:
        writer(openai_server, waits, max_retries=2).write(brief())
    assert info.value.status == 503 and info.value.retry_after is None
    assert len(waits) == 2 and all(0 < d <= 0.02 for d in waits)  # equal jitter under the backoff cap


def test_retry_after_sets_the_wait(openai_server):
    waits: list = []
    openai_server.script("429:retry-after=2", "ok")
    assert writer(openai_server, waits).write(brief()).ok
    assert len(waits) == 1 and 2 <= waits[0] <= 2.25


@pytest.mark.parametrize("status,retried", [(408, True), (409, True), (502, True), (404, False), (422, False)])
def test_which_statuses_are_retried(openai_server, status, retried):
    waits: list = []
    openai_server.script(str(status), "ok")
    w = writer(openai_server, waits)
    if retried:
        assert w.write(brief()).ok and len(openai_server.completions) == 2
    else:
        with pytest.raises(PermanentAIError) as info:
            w.write(brief())
        assert info.value.status == status and len(openai_server.completions) == 1


def test_streaming_retry_before_any_text_does_not_restart_the_preview(openai_server):
    waits: list = []
    openai_server.script("503", "ok")  # 503, not 500: a first 500 is read as a format rejection
    restarts: list = []
    piece = writer(openai_server, waits).stream(brief(), lambda t: None, on_restart=lambda: restarts.append(1))
    assert piece.ok and restarts == [] and len(waits) == 1


def test_critique_gets_one_retry_and_json_object_format(openai_server):
    waits: list = []
    w = writer(openai_server, waits)
    piece = w.write(brief())
    openai_server.script("500", "500", "500")
    assert w.critique(piece, brief()) is None
    critique_requests = openai_server.completions[1:]
    assert len(critique_requests) == 2 and len(waits) == 1
    assert [r["response_format"] for r in critique_requests] == [{"type": "json_object"}] * 2
