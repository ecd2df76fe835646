"""LDAP sign-in against a real OpenLDAP server: directory groups become roles (and a home region)
at every sign-in, and a person removed from a group loses the role at the next one."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cxops.models import AccessChange
from cxops.models import AuditEvent
from cxops.roles import Role
from cxops.roles import user_roles
from cxops.sign_on_settings import ldap_settings

from .slapd import GROUPS
from .slapd import PEOPLE
from .slapd import Slapd
from .slapd import missing_reason
from .slapd import seed_ldif

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or ""),
]


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    server = Slapd(
        tmp_path_factory.mktemp("slapd"),
        seed_ldif(
            people={"wang.fang": ("pw-wang-LDAP-1", "Fang Wang"), "li.na": ("pw-li-LDAP-2", "Na Li")},
            groups={
                "cx-analysts": ["wang.fang"],
                "cx-managers": ["li.na"],
                "cx-guangzhou": ["wang.fang"],
                "unrelated": ["wang.fang", "li.na"],
            },
        ),
    )
    yield server
    server.stop()


@pytest.fixture
def ldap_configured(directory, settings):
    values = ldap_settings(
        {
            "CXOPS_LDAP_SERVER_URI": directory.uri,
            "CXOPS_LDAP_USER_BASE": PEOPLE,
            "CXOPS_LDAP_GROUP_BASE": GROUPS,
            "CXOPS_LDAP_ROLE_GROUPS": (
                f"analyst=cn=cx-analysts,{GROUPS};manager=CN=cx-managers,{GROUPS};"
                f"product_owner=cn=cx-owners,{GROUPS}"
            ),
            "CXOPS_LDAP_REGION_GROUPS": f"guangzhou=cn=cx-guangzhou,{GROUPS}",
        }
    )
    for name, value in values.items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "cxops.auth_backends.DirectoryBackend",
    ]
    return directory


def _sign_in(username: str, password: str) -> Client:
    client = Client(REMOTE_ADDR="10.9.8.7")
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def _signed_in_user(client: Client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_a_directory_analyst_signs_in_as_an_analyst_and_loses_the_role_after_leaving_the_group(
    ldap_configured,
):
    client = _sign_in("wang.fang", "pw-wang-LDAP-1")
    user = _signed_in_user(client)
    assert user is not None and user.username == "wang.fang"
    assert (user.first_name, user.last_name, user.email) == ("Fang", "Wang", "wang.fang@cxops.test")
    assert user_roles(user) == {Role.ANALYST, Role.FRONTLINE}
    assert not user.has_usable_password()  # the directory keeps the password
    assert user.home_region.region.code == "guangzhou"
    assert client.get("/sense/triage/").status_code == 200  # an analyst's page
    assert set(AccessChange.objects.filter(user=user, source="ldap").values_list("what", "after")) == {
        ("role:analyst", "granted"),
        ("region", "guangzhou"),
    }
    assert (
        AuditEvent.objects.filter(action="access.changed", actor_name="ldap", object_id=str(user.pk)).count()
        == 1
    )

    # the same sign-in again changes nothing
    _sign_in("wang.fang", "pw-wang-LDAP-1")
    assert AccessChange.objects.filter(user=user).count() == 2

    ldap_configured.remove_member("cx-analysts", "wang.fang")
    ldap_configured.remove_member("cx-guangzhou", "wang.fang")
    try:
        again = _sign_in("wang.fang", "pw-wang-LDAP-1")
        user = _signed_in_user(again)
        assert user is not None
        user = get_user_model().objects.get(pk=user.pk)
        assert user_roles(user) == frozenset()
        assert not hasattr_home_region(user)
        assert again.get("/sense/triage/").status_code == 403
    finally:
        ldap_configured.add_member("cx-analysts", "wang.fang")
        ldap_configured.add_member("cx-guangzhou", "wang.fang")


def hasattr_home_region(user) -> bool:
    from cxops.models import HomeRegion

    return HomeRegion.objects.filter(user=user).exists()


def test_group_names_match_whatever_their_case_and_unmapped_roles_stay(ldap_configured, make_user):
    local = make_user(Role.ADMIN, username="li.na")  # an account that existed before the directory
    client = _sign_in("li.na", "pw-li-LDAP-2")
    user = _signed_in_user(client)
    assert user is not None and user.pk == local.pk
    # manager from the directory (CN= in the mapping, cn= in the directory); admin is not mapped: kept
    assert {Role.MANAGER, Role.ADMIN} <= user_roles(user)


def test_a_wrong_directory_password_or_an_unknown_person_does_not_sign_in(ldap_configured):
    for username, password in (("wang.fang", "wrong"), ("nobody", "pw-wang-LDAP-1")):
        client = _sign_in(username, password)
        assert _signed_in_user(client) is None
    assert not get_user_model().objects.filter(username="nobody").exists()
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 2


def test_without_local_sign_in_only_the_directory_signs_people_in(ldap_configured, settings, make_user):
    make_user(Role.ANALYST, username="local.only")  # password pw-test-12345, not in the directory
    settings.AUTHENTICATION_BACKENDS = [
        backend
        for backend in settings.AUTHENTICATION_BACKENDS
        if backend != "django.contrib.auth.backends.ModelBackend"
    ]
    assert _signed_in_user(_sign_in("local.only", "pw-test-12345")) is None
    assert _signed_in_user(_sign_in("wang.fang", "pw-wang-LDAP-1")) is not None
