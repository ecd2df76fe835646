#!/usr/bin/env python
"""Identity and compliance (issue 18): what masking and service-token sign-in cost.

    python bench/identity.py                        # SQLite test database
    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/identity.py

1. Masking: `mask_personal_numbers` (ID, bank card and phone numbers) beside the phone-only
   `mask_phones_in_text` it extends, over 20,000 report texts like the hotline's (a third with a
   phone number, some with an ID or card number, some with order numbers that must stay).
2. API sign-in: POST /api/reports/ through the WSGI handler (Django's test client), 400 reports
   each, with a service account's reports:write token beside a person's token (the cached sign-in
   when REDIS_URL is set, otherwise read from the database): milliseconds and queries per request.

Ends with key=value lines.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

from bench.common import bench_database  # noqa: E402  (after the path is set)


def _texts(n: int) -> list[str]:
    rng = random.Random(18)
    parts = [
        "客户来电反映话费重复扣除",
        "办理携号转网失败",
        "订单号202612061234567890未到账",
        "流量包未生效，客户很不满意",
        "宽带安装预约超时",
    ]
    texts = []
    for i in range(n):
        text = rng.choice(parts) + f"，工单{rng.randrange(10**9)}"
        if i % 3 == 0:
            text += f"，回拨13{rng.randrange(10**9):09d}"
        if i % 10 == 0:
            text += "，身份证11010519491231002X"
        if i % 25 == 0:
            text += "，银行卡6217001234567893"
        texts.append(text)
    return texts


def bench_masking() -> dict[str, float]:
    from cxops.personal_numbers import mask_personal_numbers
    from cxops.phones import mask_phones_in_text

    texts = _texts(20_000)
    result = {}
    for name, function in (("old_phone_only", mask_phones_in_text), ("new_all_three", mask_personal_numbers)):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            for text in texts:
                function(text)
            runs.append((time.perf_counter() - started) / len(texts) * 1e6)
        result[f"mask_{name}_us_per_text"] = round(min(runs), 2)
    return result


def bench_sign_in(n: int = 400) -> dict[str, float]:
    from django.contrib.auth.models import Group
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from cxops.services.reference import reference_data_seed
    from cxops.services.service_accounts import service_account_create
    from cxops.services.service_accounts import service_token_issue

    reference_data_seed()
    admin = User.objects.create_user("bench-admin")
    admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    person = User.objects.create_user("bench-frontline")
    person.groups.add(Group.objects.get_or_create(name="frontline")[0])
    account = service_account_create(actor=admin, name="bench-hotline")
    _row, service_token = service_token_issue(actor=admin, account=account, scopes="reports:write")
    personal_token = Token.objects.create(user=person).key
    body = {
        "source_type": "complaint",
        "product": "fetion",
        "channel": "hotline-10086",
        "layer": "functional",
        "stage": "use",
        "summary": "飞信登录失败",
        "occurred_at": "2026-11-20T09:00:00+08:00",
    }
    clients = {
        name: Client(HTTP_AUTHORIZATION=f"Token {token}")
        for name, token in (("personal", personal_token), ("service", service_token))
    }
    times: dict[str, list[float]] = {name: [] for name in clients}
    queries: dict[str, list[int]] = {name: [] for name in clients}
    for i in range(n + 30):  # interleaved, so neither kind profits from the other's warm-up
        for name, client in clients.items():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(
                    "/api/reports/", {**body, "external_id": f"{name}-{i}"}, content_type="application/json"
                )
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 201, response.content
            if i >= 30:  # the first 30 of each warm the connection, caches and prepared statements
                times[name].append(elapsed)
                queries[name].append(len(captured))
    result = {}
    for name in clients:
        result[f"report_post_{name}_token_ms_p50"] = round(statistics.median(times[name]), 2)
        result[f"report_post_{name}_token_queries"] = statistics.median(queries[name])
    return result


def main() -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    figures = bench_masking()
    with bench_database("identity_bench", keepdb=False):
        figures.update(bench_sign_in())
    figures["database"] = connection.vendor
    figures["shared_cache"] = bool(os.environ.get("REDIS_URL"))
    for key, value in figures.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
