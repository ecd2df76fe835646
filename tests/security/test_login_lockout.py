import pytest


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account_from_that_address(client, make_user):
    user = make_user("frontline", username="agent")
    # given five wrong passwords
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "agent", "password": "wrong"})
    # when the right password follows
    response = client.post("/accounts/login/", {"username": "agent", "password": "pw-test-12345"})
    # then sign-in is refused with the lockout page, and no session was created
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.is_active


@pytest.mark.django_db
def test_a_correct_sign_in_resets_the_failure_count(client, make_user):
    make_user("frontline", username="agent")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "agent", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "agent", "password": "pw-test-12345"}).status_code == 302
    )
    client.post("/accounts/logout/")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "agent", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "agent", "password": "pw-test-12345"}).status_code == 302
    )


@pytest.mark.django_db
def test_lockout_is_per_user_name_so_others_can_still_sign_in(client, make_user):
    make_user("frontline", username="agent")
    make_user("frontline", username="colleague")
    for _ in range(6):
        client.post("/accounts/login/", {"username": "agent", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "colleague", "password": "pw-test-12345"}).status_code
        == 302
    )


# --- behind the reverse proxy (docs/deploy.md): the client's own address, from the proxy only ---

PROXY = "127.0.0.1"


@pytest.fixture
def behind_proxy(settings):
    settings.CXOPS_TRUSTED_PROXIES = [PROXY]
    settings.AXES_IPWARE_PROXY_COUNT = 0
    return settings


def _sign_in(client, password: str, *, remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": "agent", "password": password}, **extra)


@pytest.mark.django_db
def test_an_attacker_behind_the_proxy_does_not_lock_the_user_out_from_elsewhere(
    behind_proxy, make_user, client_for
):
    from django.test import Client

    make_user("frontline", username="agent")
    attacker, user = Client(), Client()
    # given five wrong passwords for "agent" from one client, all through the proxy
    for _ in range(5):
        _sign_in(attacker, "wrong", remote=PROXY, forwarded="203.0.113.9")
    # when the attacker tries the right password, and the user signs in from their own address
    from_attacker = _sign_in(attacker, "pw-test-12345", remote=PROXY, forwarded="203.0.113.9")
    from_user = _sign_in(user, "pw-test-12345", remote=PROXY, forwarded="198.51.100.7")
    # then only the attacker's address is locked
    assert from_attacker.status_code == 429
    assert from_user.status_code == 302
    assert "_auth_user_id" in user.session
    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        ("agent", "203.0.113.9", 6)  # five wrong, and the refused right one
    ]


@pytest.mark.django_db
def test_a_forwarded_address_from_anyone_but_the_proxy_is_ignored(behind_proxy, make_user):
    from django.test import Client

    make_user("frontline", username="agent")
    attacker = Client()
    # given a client that reaches the web server directly and invents a new address every time
    for n in range(5):
        _sign_in(attacker, "wrong", remote="192.0.2.50", forwarded=f"10.0.0.{n}")
    # when it tries again with yet another invented address
    response = _sign_in(attacker, "pw-test-12345", remote="192.0.2.50", forwarded="10.0.0.99")
    # then it is locked out by its real (socket) address
    assert response.status_code == 429
    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.50"]


def test_the_client_address_is_the_proxys_word_only_when_the_proxy_sends_it(settings):
    from django.test import RequestFactory

    from cxops.client_address import client_address

    settings.CXOPS_TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    settings.AXES_IPWARE_PROXY_COUNT = 0
    factory = RequestFactory()

    def address(remote, forwarded=None):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_address(factory.get("/", **extra))

    assert address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert address("10.1.2.3", "2001:db8::7") == "2001:db8::7"  # a proxy inside a trusted network
    assert address("127.0.0.1") == "127.0.0.1"  # no header: the socket
    assert address("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert address("127.0.0.1", "198.51.100.1, 203.0.113.9") == "127.0.0.1"  # more hops than configured
    assert address("192.0.2.50", "203.0.113.9") == "192.0.2.50"  # not from the proxy: ignored
    settings.AXES_IPWARE_PROXY_COUNT = 1  # a load balancer in front of the proxy appends its client
    assert address("127.0.0.1", "203.0.113.9, 10.1.0.5") == "203.0.113.9"
