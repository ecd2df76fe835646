"""Who may do what on the pages (PRODUCT.md roles table), and every page renders for a reader."""

from __future__ import annotations

import pytest

from proposals.models import Strategy
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def test_every_pool_page_renders_for_a_signed_in_reader(client_for, analyst, frontline):
    # given a strategy in voting with two revisions' worth of pages
    strategy = make_strategy(actor=analyst, status="voting")
    client = client_for(frontline)
    # when a frontline member opens each page, then each answers 200
    for url in [
        "/pool/",
        "/pool/?sort=votes&status=voting&layer=functional&following=1",
        f"/pool/{strategy.pk}/",
        f"/pool/{strategy.pk}/edit/",
        f"/pool/{strategy.pk}/history/",
        f"/pool/{strategy.pk}/diff/?from=1&to=1",
        f"/pool/{strategy.pk}/revisions/1/",
        "/pool/search/?q=港澳",
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["frontline", "product_owner", "admin"])
def test_only_analysts_create_strategies(client_for, make_user, role, reference_data):
    client = client_for(make_user(role))
    assert client.get("/pool/new/").status_code == 403
    response = client.post(
        "/pool/new/",
        {
            "title": "x",
            "product": "fetion",
            "layer": "functional",
            "experience_event": "e",
            "strategy_text": "s",
        },
    )
    assert response.status_code == 403
    assert Strategy.objects.count() == 0


def test_analyst_creates_a_strategy_from_the_page(client_for, analyst, reference_data):
    response = client_for(analyst).post(
        "/pool/new/",
        {
            "title": "飞信申请失败提示",
            "product": "fetion",
            "layer": "functional",
            "experience_event": "申请失败",
            "strategy_text": "告知原因",
            "body": "正文",
            "tags": "飞信，失败提示、飞信",
        },
    )
    strategy = Strategy.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pool/{strategy.pk}/"
    assert (strategy.current_revision, strategy.created_by) == (1, analyst)
    assert list(strategy.tags.values_list("name", flat=True)) == ["失败提示", "飞信"]


def test_unknown_strategies_are_404(client_for, frontline):
    assert client_for(frontline).get("/pool/999/").status_code == 404
    assert client_for(frontline).post("/pool/999/vote/", {"choice": "support"}).status_code == 404


def test_detail_page_shows_buttons_by_role(client_for, analyst, frontline, manager):
    strategy = make_strategy(actor=analyst, status="voting")
    frontline_page = client_for(frontline).get(f"/pool/{strategy.pk}/").content.decode()
    manager_page = client_for(manager).get(f"/pool/{strategy.pk}/").content.decode()
    assert f"/pool/{strategy.pk}/status/accepted/" not in frontline_page
    assert f"/pool/{strategy.pk}/status/accepted/" in manager_page
    assert 'name="choice"' not in frontline_page and 'name="choice"' in manager_page


def test_the_pool_pages_keep_the_filters_in_their_links(client_for, analyst, frontline):
    for _ in range(21):
        make_strategy(actor=analyst)
    client = client_for(frontline)
    first = client.get("/pool/", {"sort": "new"}).content.decode()
    assert '<a href="?sort=new&amp;page=2" rel="next">' in first
    second = client.get("/pool/", {"sort": "new", "page": 2}).content.decode()
    assert '<a href="?sort=new&amp;page=1" rel="prev">' in second
    assert '<a href="?page=2" rel="next">' in client.get("/pool/").content.decode()
