"""Schemathesis over every operation of `/openapi.json`, in-process over ASGI: no 5xx.

Admin operations get the bearer token (and a rate limit no run reaches), so they are
exercised past authorization; the signed webhooks mostly answer 401, which is fine.
Skipped when `schemathesis` is not installed (it belongs in the dev dependencies).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from server.app import create_app
from tests.server.conftest import service_settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

pytestmark = pytest.mark.slow

ADMIN_TOKEN = "reliability-admin-token"
AUTHORIZED = {"authorization": f"Bearer {ADMIN_TOKEN}"}
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_schema(redis_url: str, prefix: str, tmp_path: Path, sync_cleanup: None) -> Any:
    """The app's schema, loaded over ASGI; Schemathesis runs the lifespan until teardown."""
    settings = service_settings(
        redis_url,
        prefix,
        tmp_path,
        debounce_seconds=0,
        admin_token=ADMIN_TOKEN,
        admin_rate_limit_per_minute=100_000,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))


def test_no_operation_answers_with_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @EXAMPLES
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                case.call_and_validate(headers=AUTHORIZED, checks=[not_a_server_error])

            try:
                call()
            except Unsatisfiable:
                continue  # nothing in this operation can be made invalid
            except Exception as failure:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode}): {str(failure)[:2000]}")
    assert failures == [], "\n\n".join(failures)
