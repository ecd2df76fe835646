import pytest

from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def test_pages_render(client_for, analyst, manager, product_owner):
    s = make_strategy(actor=analyst, status="voting")
    c = client_for(manager)
    for url in [
        "/pool/",
        f"/pool/{s.pk}/",
        f"/pool/{s.pk}/edit/",
        f"/pool/{s.pk}/history/",
        f"/pool/{s.pk}/diff/?from=1&to=1",
        f"/pool/{s.pk}/revisions/1/",
        "/pool/new/",
        "/pool/search/?q=港澳",
        f"/pool/{s.pk}/status/accepted/",
        f"/pool/{s.pk}/status/merged/",
    ]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
