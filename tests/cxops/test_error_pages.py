"""Refusals and misses answer inside the app's layout, translated, saying what to do next."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from cxops.roles import Role

pytestmark = pytest.mark.django_db


def _client(user, lang="zh-hans", **kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang, **kwargs)
    client.force_login(user)
    return client


def test_403_page_is_in_the_layout_and_translated(make_user):
    frontline = make_user(Role.FRONTLINE)
    response = _client(frontline).get(reverse("dashboard:overview"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="mainnav"' in html  # the layout, with the menu the user can use
    assert "您的角色无权打开此页面" in html
    assert "您当前的身份是一线人员" in html  # the role named in the page's language
    assert reverse("home") in html

    english = _client(frontline, lang="en").get(reverse("dashboard:overview")).content.decode()
    assert "This page is not open to your role" in english


def test_404_page_is_in_the_layout_with_debug_off(make_user, settings):
    settings.DEBUG = False
    analyst = make_user(Role.ANALYST)
    response = _client(analyst).get("/sense/reports/999999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "这里什么也没有" in html and 'class="mainnav"' in html
    assert "The requested resource was not found" not in html  # not Django's stock page


def test_api_refusals_keep_their_json_shape(make_user):
    frontline = make_user(Role.FRONTLINE)
    client = _client(frontline)
    response = client.get("/api/does-not-exist/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_csrf_failure_explains_an_expired_form(make_user):
    frontline = make_user(Role.FRONTLINE)
    client = _client(frontline, enforce_csrf_checks=True)
    response = client.post(reverse("reports:file"), {"summary": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html and "内容没有保存" in html and 'class="mainnav"' in html


def test_500_page_renders_without_a_request_or_database():
    html = get_template("500.html").render()
    assert "服务器出错了" in html and "A server error occurred" in html


def test_admin_is_offered_only_what_the_role_can_open(make_user):
    admin = make_user(Role.ADMIN)
    client = _client(admin)
    home = client.get(reverse("home")).content.decode()
    file_url = reverse("reports:file")
    assert f'href="{file_url}"' not in home  # neither the menu nor a home card leads to a refusal
    assert client.get(file_url).status_code == 403

    frontline = make_user(Role.FRONTLINE)
    assert f'href="{file_url}"' in _client(frontline).get(reverse("home")).content.decode()


def test_language_picker_names_each_language_in_itself(make_user):
    frontline = make_user(Role.FRONTLINE)
    html = _client(frontline).get(reverse("home")).content.decode()
    assert ">English</option>" in html and ">简体中文</option>" in html
    assert "英语" not in html
