"""The job and websocket tests' app: writing through the loopback OpenAI server on the selected jobs
backend (SqliteHuey, or RedisHuey with HERALD_TEST_REDIS=1). A module that needs other settings
overrides `app_config` on top of this one."""
from __future__ import annotations

import pytest

from tests.helpers.fixtures_jobs import jobs_config

THREE = {"content_types": ["social_post"], "platforms": ["linkedin", "twitter", "facebook"]}


@pytest.fixture
def app_config(tmp_path, openai_server) -> dict:
    """Job settings for the selected backend, writing through the loopback OpenAI server."""
    return jobs_config(tmp_path, OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="sk-test")
