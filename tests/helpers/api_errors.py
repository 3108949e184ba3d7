"""Reading the API's one error shape in tests."""
from __future__ import annotations


def error_fields(response, status: int = 422) -> dict:
    """The `error.fields` of a refused call, after checking its status."""
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]["fields"]
