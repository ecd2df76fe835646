"""Nobody raises their own or anyone's privileges beyond their own (issue 16, case 9).

An administrator (the admin role, staff, not a superuser) manages the business roles of ordinary
accounts in the Django admin — and nothing more: not superuser or staff status, not individual
permissions, not the admin role, not their own roles, not another staff or superuser account, not
what a role may do.  Granting admin is a superuser's act.  Every change is recorded."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission

from cxops.errors import ApplicationError
from cxops.models import AccessChange
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.access import user_access_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(admin_user_role):
    return admin_user_role


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-12345")


def _change_url(user) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def _ordinary_form(user, **changes):
    """What the change page posts for a non-superuser: the fields it offers."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "groups": [group.pk for group in user.groups.all()],
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def _role(name: str) -> int:
    return Group.objects.get_or_create(name=name)[0].pk


def _flags(user):
    user.refresh_from_db()
    return (user.is_superuser, user.is_staff, sorted(user.groups.values_list("name", flat=True)))


def test_an_administrator_cannot_make_themselves_superuser_or_manager(client_for, administrator):
    client = client_for(administrator)
    # when the administrator posts their own account with superuser, staff and the manager role
    response = client.post(
        _change_url(administrator),
        _ordinary_form(
            administrator,
            is_superuser="on",
            is_staff="on",
            groups=[_role(Role.ADMIN), _role(Role.MANAGER)],
            user_permissions=list(Permission.objects.values_list("pk", flat=True)[:5]),
        ),
    )
    # then nothing about their access changed (the fields are read-only for them), and nothing is recorded
    assert response.status_code == 302
    assert _flags(administrator) == (False, True, ["admin"])
    assert administrator.user_permissions.count() == 0
    administrator._cxops_roles = None
    assert not has_role(administrator, Role.MANAGER)
    assert AccessChange.objects.count() == 0


def test_an_administrator_grants_a_business_role_to_an_ordinary_account_and_it_is_recorded(
    client_for, administrator, make_user
):
    agent = make_user(Role.FRONTLINE, username="agent")
    client = client_for(administrator)
    response = client.post(
        _change_url(agent),
        _ordinary_form(agent, groups=[_role(Role.FRONTLINE), _role(Role.MANAGER)]),
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    assert _flags(agent) == (False, False, ["frontline", "manager"])
    assert list(
        AccessChange.objects.values_list("actor_name", "user_name", "what", "before", "after", "address")
    ) == [(administrator.username, "agent", "role:manager", "-", "granted", "192.0.2.7")]


def test_an_administrator_cannot_grant_the_admin_role_or_staff_status(client_for, administrator, make_user):
    agent = make_user(Role.FRONTLINE, username="agent")
    client = client_for(administrator)
    # the admin role is not offered: posting it is refused by the form
    response = client.post(_change_url(agent), _ordinary_form(agent, groups=[_role(Role.ADMIN)]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    # staff and superuser are read-only: posting them changes nothing
    response = client.post(_change_url(agent), _ordinary_form(agent, is_staff="on", is_superuser="on"))
    assert response.status_code == 302
    assert _flags(agent) == (False, False, ["frontline"])
    # and the service refuses the same, whatever calls it
    with pytest.raises(ApplicationError) as refused:
        user_access_set(actor=administrator, user=agent, groups=[Group.objects.get(name=Role.ADMIN)])
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        user_access_set(actor=administrator, user=agent, is_staff=True)
    assert _flags(agent) == (False, False, ["frontline"])
    assert AccessChange.objects.count() == 0


def test_an_administrator_cannot_touch_a_superuser_or_another_staff_account(
    client_for, administrator, superuser, make_user
):
    other_admin = make_user(Role.ADMIN, is_staff=True)
    client = client_for(administrator)
    for account in (superuser, other_admin):
        # the account is shown read-only; no change, no password, no delete
        page = client.get(_change_url(account))
        assert (page.status_code, page.context["has_change_permission"]) == (200, False)
        assert client.post(_change_url(account), _ordinary_form(account, is_active="")).status_code == 403
        password = client.post(
            f"/admin/auth/user/{account.pk}/password/",
            {"password1": "Taken-over-1", "password2": "Taken-over-1"},
        )
        assert password.status_code == 403
        assert client.post(f"/admin/auth/user/{account.pk}/delete/", {"post": "yes"}).status_code == 403
        account.refresh_from_db()
        assert account.is_active and account.check_password(
            "pw-root-12345" if account.is_superuser else "pw-test-12345"
        )
    assert AccessChange.objects.count() == 0


def test_an_administrator_cannot_change_what_a_role_may_do(client_for, administrator):
    admin_group = Group.objects.get(name=Role.ADMIN)
    before = sorted(admin_group.permissions.values_list("pk", flat=True))
    client = client_for(administrator)
    response = client.post(
        f"/admin/auth/group/{admin_group.pk}/change/",
        {"name": "admin", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "power"}).status_code == 403
    assert sorted(admin_group.permissions.values_list("pk", flat=True)) == before
    assert not Group.objects.filter(name="power").exists()


def test_a_superuser_grants_the_admin_role_and_every_change_is_recorded(client_for, superuser, make_user):
    agent = make_user(Role.FRONTLINE, username="agent")
    client = client_for(superuser)
    response = client.post(
        _change_url(agent),
        {
            **_ordinary_form(agent, groups=[_role(Role.ADMIN)]),
            "is_staff": "on",
            "date_joined_0": agent.date_joined.date().isoformat(),
            "date_joined_1": "00:00:00",
        },
        REMOTE_ADDR="192.0.2.9",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _flags(agent) == (False, True, ["admin"])
    assert sorted(AccessChange.objects.values_list("actor_name", "what", "before", "after", "address")) == [
        ("root", "is_staff", "False", "True", "192.0.2.9"),
        ("root", "role:admin", "-", "granted", "192.0.2.9"),
        ("root", "role:frontline", "granted", "-", "192.0.2.9"),
    ]
