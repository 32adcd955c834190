"""The admin rate limit on a real `atendente serve`: X-Forwarded-For cannot reset it."""

from __future__ import annotations

from pathlib import Path

from tests.server.serve_process import serve_process


async def test_a_varying_forwarded_for_does_not_bypass_the_admin_limit(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    limits = {
        "ATENDENTE_ADMIN_TOKEN": "s3cret-token",
        "ATENDENTE_ADMIN_RATE_LIMIT_PER_MINUTE": "3",
    }
    async with serve_process(redis_url, prefix, tmp_path, **limits) as serve:
        codes = []
        for n in range(6):
            headers = {"Authorization": "Bearer guess", "X-Forwarded-For": f"203.0.113.{n}"}
            codes.append((await serve.client.get("/admin/tickets", headers=headers)).status_code)
    assert codes == [401, 401, 401, 429, 429, 429], serve.output()[-2000:]
