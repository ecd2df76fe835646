"""Ground-floor demo data: reference data and one user per role (more users for realism)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cxops import demo_metrics
from cxops import demo_reports
from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from cxops.services.access import user_region_set
from cxops.services.reference import reference_data_seed
from cxops.services.reference import regions_seed

DEMO_PASSWORD = "demo"  # noqa: S105 — printed on purpose: demo accounts on a developer machine

DEMO_USERS = [
    # username, role, full name (Chinese), e-mail
    ("frontline", Role.FRONTLINE, "张敏", "frontline@example.com"),
    ("analyst", Role.ANALYST, "李静", "analyst@example.com"),
    ("owner", Role.PRODUCT_OWNER, "王磊", "owner@example.com"),
    ("manager", Role.MANAGER, "陈晓", "manager@example.com"),
    ("admin", Role.ADMIN, "系统管理员", "admin@example.com"),
    ("agent2", Role.FRONTLINE, "刘洋", "agent2@example.com"),
    ("agent3", Role.FRONTLINE, "赵倩", "agent3@example.com"),
    ("owner2", Role.PRODUCT_OWNER, "孙浩", "owner2@example.com"),
    ("owner3", Role.PRODUCT_OWNER, "周婷", "owner3@example.com"),
    ("analyst2", Role.ANALYST, "吴昊", "analyst2@example.com"),
    # City staff (issue 17): they see, triage and import Foshan's reports and issues only.
    ("analyst_foshan", Role.ANALYST, "黄志强（佛山）", "analyst_foshan@example.com"),
    ("frontline_foshan", Role.FRONTLINE, "梁嘉欣（佛山）", "frontline_foshan@example.com"),
]

# Home regions of the demo accounts (every other account is the whole province's).
DEMO_HOME_REGIONS = {"analyst_foshan": "foshan", "frontline_foshan": "foshan"}


def demo_users() -> dict[str, Any]:
    User = get_user_model()
    users: dict[str, Any] = {}
    for username, role, full_name, email in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": full_name, "email": email, "is_staff": role == Role.ADMIN},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    _demo_home_regions(users)
    return users


def _demo_home_regions(users: dict[str, Any]) -> None:
    """Set once, through the access service (recorded like any administrator's change)."""
    regions_seed()
    for username, code in DEMO_HOME_REGIONS.items():
        user = users.get(username)
        if user is None or HomeRegion.objects.filter(user=user).exists():
            continue
        user_region_set(actor=users["admin"], user=user, region=Region.objects.get(code=code), source="demo")


def load(*, users: dict[str, Any], log: Any) -> None:
    created = reference_data_seed()
    log(f"reference data: {created}")
    demo_reports.load(users=users, log=log)
    demo_metrics.load(users=users, log=log)
