"""The Mitmachpool's sign-up budgets: per e-mail address and per client address."""

from __future__ import annotations

import time

from litestar import Litestar
from litestar.testing import AsyncTestClient
from support_participation import BASE


async def test_pool_sign_ups_are_rate_limited_per_address_and_per_e_mail(
    client: AsyncTestClient[Litestar],
) -> None:
    """5 sign-ups per e-mail address a day (spent whether or not the address is known, so the answer
    tells nothing), 30 per client address an hour; then 429 with Retry-After."""
    url = f"{BASE}/pool/registrations"
    for email in ("dora@example.org", "Dora@Example.org", "DORA@EXAMPLE.ORG", "dora@example.org", "dOra@example.org"):
        assert (await client.post(url, json={"email": email})).status_code == 202
    refused = await client.post(url, json={"email": "DORA@example.org"})
    assert refused.status_code == 429, refused.text
    # the e-mail budget is per day: its window (fixed, from the epoch) ends at the next UTC midnight
    until_midnight = 86_400 - int(time.time()) % 86_400
    assert abs(int(refused.headers["retry-after"]) - until_midnight) <= 5, refused.headers
    assert refused.headers["content-type"].startswith("application/problem+json")
    for index in range(24):  # 6 of the address's 30 are spent
        assert (await client.post(url, json={"email": f"p{index}@example.org"})).status_code == 202
    by_address = await client.post(url, json={"email": "someone-new@example.org"})
    assert by_address.status_code == 429 and 0 < int(by_address.headers["retry-after"]) <= 3600
