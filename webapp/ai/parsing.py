"""Tolerant reading of model replies: small and local models wrap JSON in prose or fences, add
trailing commas, use camelCase, or answer `{}`. We accept what is recoverable and report the
rest as violations (the repair step then asks again); an empty object is never a success."""
from __future__ import annotations

import json
import re

from .platforms import clean_hashtag

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")

# Alternative names models use for our fields (after camelCase -> snake_case).
_ALIASES = {
    "subject": "subject_line", "subjectline": "subject_line", "email_subject": "subject_line",
    "pre_header": "preheader", "preview_text": "preheader", "preview": "preheader",
    "cta": "call_to_action", "calltoaction": "call_to_action", "call_to_action_text": "call_to_action",
    "text": "body", "content": "body", "post": "body", "caption": "body", "primary_text": "body",
    "message": "body", "copy": "body", "email_body": "body",
    "headline": "headlines", "title": "headlines", "titles": "headlines",
    "description": "descriptions", "hashtag": "hashtags", "tags": "hashtags",
    "visual": "visual_brief", "image": "visual_brief", "image_brief": "visual_brief",
    "alt": "alt_text", "alttext": "alt_text", "aspect": "aspect_ratio", "ratio": "aspect_ratio",
}
_FIELDS = ("subject_line", "preheader", "headlines", "descriptions", "body", "call_to_action",
           "hashtags", "visual_brief")


def snake(key: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(key)).replace("-", "_").replace(" ", "_")
    s = s.lower().strip("_")
    return _ALIASES.get(s, s)


def _balanced_objects(text: str):
    """Yield every top-level {...} substring, respecting strings, in order."""
    depth, start, in_str, esc = 0, -1, False, False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"' and depth > 0:
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                yield text[start:i + 1]


def _strip_trailing_commas(s: str) -> str:
    # Only outside strings: walk the text, rewriting non-string segments.
    out, buf, in_str, esc = [], [], False, False
    for ch in s:
        if in_str:
            out.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            out.append(_TRAILING_COMMA.sub(r"\1", "".join(buf)))
            buf = []
            out.append(ch)
            in_str = True
        else:
            buf.append(ch)
    out.append(_TRAILING_COMMA.sub(r"\1", "".join(buf)))
    return "".join(out)


def _loads(candidate: str):
    for attempt in (candidate, _strip_trailing_commas(candidate)):
        try:
            return json.loads(attempt, strict=False)  # strict=False: raw newlines inside strings
        except ValueError:
            continue
    return None


def extract_json(text: str) -> dict | None:
    """The first JSON object found in a reply (fenced, bare, or surrounded by prose)."""
    text = (text or "").strip()
    if not text:
        return None
    candidates = [m.group(1).strip() for m in _FENCE.finditer(text)] + [text]
    for cand in candidates:
        data = _loads(cand)
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]
        if isinstance(data, dict):
            return data
        for obj in _balanced_objects(cand):
            data = _loads(obj)
            if isinstance(data, dict):
                return data
    return None


def _unwrap(data: dict) -> dict:
    """{"email": {...}} or {"result": {...}} -> the inner object."""
    for _ in range(2):
        if len(data) == 1:
            (value,) = data.values()
            if isinstance(value, dict) and value:
                data = value
                continue
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
                data = value[0]
                continue
        break
    return data


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(_as_text(v) for v in value if v is not None)
    if isinstance(value, dict):
        return _as_text(value.get("text") or value.get("content") or "")
    return str(value).strip()


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split("\n") if "\n" in value else [value]
        return [p.strip(" -•*\t") for p in parts if p.strip(" -•*\t")]
    if isinstance(value, list):
        return [_as_text(v) for v in value if _as_text(v)]
    return [_as_text(value)]


def _hashtags(value) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    tags = []
    for tag in _as_list(value):
        cleaned = clean_hashtag(tag)
        if cleaned and cleaned not in tags:
            tags.append(cleaned)
    return tags


def _visual(value) -> dict | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        return {"description": value.strip(), "alt_text": "", "aspect_ratio": ""}
    if not isinstance(value, dict):
        return None
    norm = {snake(k): v for k, v in value.items()}
    return {"description": _as_text(norm.get("description") or norm.get("descriptions")),
            "alt_text": _as_text(norm.get("alt_text")),
            "aspect_ratio": _as_text(norm.get("aspect_ratio"))}


def parse_fields(text: str) -> tuple[dict, list[str]]:
    """Reply text -> (Piece field values, problems). Problems are phrased for the repair prompt."""
    data = extract_json(text)
    if data is None:
        return {}, ["the reply was not a JSON object; answer with only the JSON object"]
    data = _unwrap(data)
    norm: dict = {}
    for key, value in data.items():
        k = snake(key)
        if k in _FIELDS and k not in norm:
            norm[k] = value
    if not norm:
        keys = ", ".join(list(data)[:5])
        what = "an empty JSON object {}" if not data else f"JSON without the expected fields ({keys})"
        return {}, [f"the reply was {what}; fill in every field of the schema"]
    fields = {
        "subject_line": _as_text(norm.get("subject_line")),
        "preheader": _as_text(norm.get("preheader")),
        "body": _as_text(norm.get("body")),
        "call_to_action": _as_text(norm.get("call_to_action")),
        "headlines": _as_list(norm.get("headlines")),
        "descriptions": _as_list(norm.get("descriptions")),
        "hashtags": _hashtags(norm.get("hashtags")),
        "visual_brief": _visual(norm.get("visual_brief")),
    }
    return fields, []


class JsonTextStream:
    """Turns a JSON reply arriving in fragments into the readable text of its string values, so
    a live preview shows the copy being written rather than braces and keys. Values end with a
    newline. Anything before the first "{" (prose, a ``` fence) is skipped."""

    def __init__(self) -> None:
        self._started = False
        self._stack: list[str] = []  # "{" or "["
        self._expect_key = False
        self._in_str = False
        self._is_value = False
        self._esc = False
        self._unicode: str | None = None

    def feed(self, fragment: str) -> str:
        out: list[str] = []
        for ch in fragment:
            if not self._started:
                if ch != "{":
                    continue
                self._started = True
            if self._in_str:
                self._string_char(ch, out)
                continue
            if ch == '"':
                self._in_str, self._is_value = True, not (self._stack and self._stack[-1] == "{"
                                                          and self._expect_key)
            elif ch in "{[":
                self._stack.append(ch)
                self._expect_key = ch == "{"
            elif ch in "}]":
                if self._stack:
                    self._stack.pop()
                self._expect_key = False
            elif ch == ":":
                self._expect_key = False
            elif ch == ",":
                self._expect_key = bool(self._stack and self._stack[-1] == "{")
        return "".join(out)

    def _string_char(self, ch: str, out: list[str]) -> None:
        if self._unicode is not None:
            self._unicode += ch
            if len(self._unicode) == 4:
                try:
                    if self._is_value:
                        out.append(chr(int(self._unicode, 16)))
                except ValueError:
                    pass
                self._unicode = None
            return
        if self._esc:
            self._esc = False
            if ch == "u":
                self._unicode = ""
            elif self._is_value:
                out.append({"n": "\n", "t": "\t", "r": "", "b": "", "f": ""}.get(ch, ch))
            return
        if ch == "\\":
            self._esc = True
        elif ch == '"':
            self._in_str = False
            if self._is_value:
                out.append("\n")
        elif self._is_value:
            out.append(ch)
