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
