"""The A/B test record's rules as pure functions over typed data (ABTestForm converts the input)."""
from __future__ import annotations

from ..models import AB_TEST_STATUSES, AB_TEST_TYPES
from .access import row_id
from .field_limits import AB_TEST

AB_FIELDS = ("name", "test_type", "status", "variant_a_id", "variant_b_id", "start_date", "results",
             "winner", "confidence")
RESULT_METRICS = ("sent", "impressions", "opens", "clicks", "conversions")
VARIANTS = ("variant_a_id", "variant_b_id")
# A new test's values for keys the caller leaves out.
DEFAULTS: dict = {"name": "", "test_type": "subject_line", "status": "draft", "variant_a_id": None,
                  "variant_b_id": None, "start_date": None, "results": {}, "winner": None, "confidence": None}


def result_count(n) -> int | None:
    """A result count: a whole number from 0 to 10**12 (JSON's 3.0 is 3), else None."""
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        return None
    if isinstance(n, float) and not n.is_integer():  # also NaN and the infinities
        return None
    return int(n) if 0 <= n <= 10**12 else None


def results_problem(value) -> str | None:
    """Why an A/B results object is refused (None = fine)."""
    if not isinstance(value, dict) or not set(value) <= {"a", "b"}:
        return "Results must be an object with \"a\" and/or \"b\" entries."
    for variant in value.values():
        if not isinstance(variant, dict) or not set(variant) <= set(RESULT_METRICS):
            return f"Each variant's results may hold {', '.join(RESULT_METRICS)}."
        if any(result_count(n) is None for n in variant.values()):
            return "Result counts must be whole numbers ≥ 0."
    return None


def clean_results(value) -> dict:
    """A valid results object with its counts as integers (None is no results yet)."""
    if not value:
        return {}
    return {v: {m: result_count(value[v][m]) for m in RESULT_METRICS if m in value[v]} for v in value}


def _field_errors(data: dict) -> dict[str, str]:
    errors = {}
    name = data.get("name") or ""
    if not name:
        errors["name"] = "Name is required."
    elif len(name) > AB_TEST["name"].max:
        errors["name"] = AB_TEST["name"].too_long(name)
    if data.get("test_type") not in AB_TEST_TYPES:
        errors["test_type"] = f"Test type must be one of {', '.join(AB_TEST_TYPES)}."
    if data.get("status") not in AB_TEST_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(AB_TEST_STATUSES)}."
    if data.get("winner") not in (None, "a", "b"):
        errors["winner"] = "Winner must be \"a\", \"b\" or empty."
    confidence = data.get("confidence")
    if confidence is not None and not 0 <= confidence <= 1:
        errors["confidence"] = "Confidence must be a number from 0 to 1."
    return errors


def check_ab_test(data: dict) -> dict[str, str]:
    """Field errors for a full, typed A/B test dict (pure; variant ownership is checked apart)."""
    errors = _field_errors(data)
    errors.update((k, "Must be a content item id.") for k in VARIANTS
                  if data.get(k) is not None and row_id(data[k]) is None)
    results = data.get("results")
    problem = results_problem({} if results is None else results)
    if problem:
        errors["results"] = problem
    a, b = data.get("variant_a_id"), data.get("variant_b_id")
    if a is not None and a == b:
        errors["variant_b_id"] = "Variant B must be a different content item from variant A."
    return errors
