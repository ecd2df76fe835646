"""OIDC sign-in end to end against a real provider: django-oidc-provider in a tiny Django project
(tests/sign_on/oidc_provider/) run in a second process.  The provider's groups claim becomes roles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cxops.models import AuditEvent
from cxops.roles import Role
from cxops.roles import user_roles
from cxops.sign_on_settings import oidc_settings

try:
    import oidc_provider  # noqa: F401
    import requests

    MISSING = None
except ImportError:
    MISSING = "needs django-oidc-provider and requests (pip install -e '.[dev]')"

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "cxops-test", "cxops-test-secret-0123456789"
REDIRECT_URI = "http://testserver/accounts/oidc/callback/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    directory = tmp_path_factory.mktemp("oidc-provider")
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.sign_on.oidc_provider.settings",
        OIDC_PROVIDER_DB=str(directory / "provider.sqlite3"),
        PYTHONPATH=str(ROOT),
    )
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(key, None)

    def django_admin(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args], env=env, cwd=ROOT, check=True, capture_output=True
        )

    django_admin("migrate", "--noinput")
    django_admin("creatersakey")
    subprocess.run(
        [sys.executable, "-m", "tests.sign_on.oidc_provider.seed", REDIRECT_URI, CLIENT_ID, CLIENT_SECRET],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = open(directory / "provider.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/openid/.well-known/openid-configuration", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the OIDC provider did not start: " + (directory / "provider.log").read_text())
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture
def oidc_configured(provider, settings):
    values = oidc_settings(
        {
            "CXOPS_OIDC_ISSUER": f"{provider}/openid",
            "CXOPS_OIDC_CLIENT_ID": CLIENT_ID,
            "CXOPS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "CXOPS_OIDC_SCOPES": "openid email profile groups",
            "CXOPS_OIDC_ROLE_GROUPS": "analyst=cx-analysts;manager=cx-managers",
            "CXOPS_OIDC_PROVIDER_NAME": "Provider Test",
        }
    )
    for name, value in values.items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "cxops.auth_backends.IdentityProviderBackend",
    ]
    return provider


def _provider_session(provider: str) -> requests.Session:
    """A browser at the provider, signed in there as zhang.wei."""
    browser = requests.Session()
    page = browser.get(f"{provider}/accounts/login/", timeout=5)
    assert page.status_code == 200
    signed_in = browser.post(
        f"{provider}/accounts/login/",
        data={
            "username": "zhang.wei",
            "password": "pw-provider-1",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": "/openid/userinfo",
        },
        headers={"Referer": f"{provider}/accounts/login/"},
        allow_redirects=False,
        timeout=5,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    return browser


def test_the_sign_in_page_offers_the_provider_and_the_flow_signs_an_analyst_in(oidc_configured):
    cxops = Client()
    page = cxops.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in with Provider Test" in page and 'name="password"' in page

    # cxops sends the browser to the provider with state and nonce
    start = cxops.get("/accounts/oidc/authenticate/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{oidc_configured}/openid/authorize")
    query = parse_qs(urlparse(authorize).query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [REDIRECT_URI]

    # the provider (signed in there) sends it back with a code
    back = _provider_session(oidc_configured).get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text[:500]
    callback = urlparse(back.headers["Location"])
    assert f"http://testserver{callback.path}" == REDIRECT_URI
    assert "code" in parse_qs(callback.query)

    # cxops exchanges the code at the provider, checks the signed ID token, reads the claims
    done = cxops.get(f"{callback.path}?{callback.query}", REMOTE_ADDR="10.1.1.1")
    assert done.status_code == 302 and done["Location"] == "/", done.get("Location")
    user = get_user_model().objects.get(pk=cxops.session["_auth_user_id"])
    assert (user.username, user.email, user.first_name) == ("zhang.wei", "zhang.wei@provider.test", "Wei")
    assert user_roles(user) == {Role.ANALYST, Role.FRONTLINE}
    assert not user.has_usable_password()
    assert cxops.get("/sense/triage/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in", actor=user, address="10.1.1.1").count() == 1
    assert AuditEvent.objects.filter(action="access.changed", actor_name="oidc").count() == 1


def test_a_forged_state_is_refused_and_nobody_is_signed_in(oidc_configured):
    cxops = Client()
    cxops.get("/accounts/oidc/authenticate/")
    refused = cxops.get("/accounts/oidc/callback/?code=made-up&state=forged")
    assert refused.status_code in (302, 400)
    assert "_auth_user_id" not in cxops.session
    assert not get_user_model().objects.filter(username="zhang.wei").exists()


def test_a_made_up_code_with_a_real_state_is_a_failed_sign_in_not_a_server_error(oidc_configured):
    """The provider refuses the code (400 invalid_grant): the sign-in page says it failed."""
    cxops = Client(raise_request_exception=False)
    start = cxops.get("/accounts/oidc/authenticate/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    refused = cxops.get(f"/accounts/oidc/callback/?code=made-up&state={state}")
    assert refused.status_code == 302 and "sso=failed" in refused["Location"], refused.status_code
    assert "_auth_user_id" not in cxops.session
    assert "failed" in cxops.get(refused["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode().lower()


def test_the_oidc_routes_are_absent_when_not_configured(client, db):
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page


def test_local_sign_in_switched_off_hides_the_form_and_refuses_passwords(
    oidc_configured, settings, make_user
):
    make_user(Role.ANALYST, username="local.person")
    settings.CXOPS_LOCAL_SIGN_IN = False
    client = Client()
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="password"' not in page and "Sign in with Provider Test" in page
    response = client.post("/accounts/login/", {"username": "local.person", "password": "pw-test-12345"})
    assert response.status_code == 404 and "_auth_user_id" not in client.session
