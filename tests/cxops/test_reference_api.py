import pytest


@pytest.mark.django_db
def test_reference_data_readable_by_any_role_in_both_names(api_client_for, frontline, reference_data):
    response = api_client_for(frontline).get("/api/products/")
    assert response.status_code == 200
    fetion = next(p for p in response.json() if p["code"] == "fetion")
    assert fetion["name_zh"] == "飞信" and fetion["name_en"] == "Fetion"
    assert fetion["lifecycle_phase"] == "growth"


@pytest.mark.django_db
def test_reference_data_is_read_only_through_the_api(api_client_for, manager, reference_data):
    response = api_client_for(manager).post("/api/products/", {"code": "x", "name_zh": "x", "name_en": "x"})
    assert response.status_code == 405


@pytest.mark.django_db
def test_token_authentication(client, frontline):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=frontline)
    assert client.get("/api/channels/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get("/api/channels/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


@pytest.mark.django_db
def test_openapi_schema_and_docs_need_sign_in(client, client_for, frontline):
    assert client.get("/api/schema/").status_code in (401, 403)
    signed_in = client_for(frontline)
    assert signed_in.get("/api/schema/").status_code == 200
    docs = signed_in.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
