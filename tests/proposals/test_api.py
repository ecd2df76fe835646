"""The pool API: create/read/update with 409 conflicts (If-Match or base_revision), and every action."""

from __future__ import annotations

import pytest

from proposals.models import Comment
from proposals.models import Strategy
from proposals.models import Vote
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def _payload(**changes):
    data = {
        "title": "飞信申请失败提示原因",
        "product": "fetion",
        "layer": "functional",
        "experience_event": "客户申请飞信失败不知原因",
        "strategy_text": "识别失败原因并短信告知",
        "body": "## 方案\n\n按错误码下发",
        "tags": ["飞信"],
        "summary": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def fetion(db):
    return ProductFactory(code="fetion", name_zh="飞信", name_en="Fetion")


def test_analysts_create_others_are_refused(api_client_for, analyst, frontline, product_owner, fetion):
    issue = IssueFactory(product=fetion)
    for user in (frontline, product_owner):
        response = api_client_for(user).post("/api/strategies/", _payload(), format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert Strategy.objects.count() == 0
    response = api_client_for(analyst).post("/api/strategies/", _payload(issues=[issue.pk]), format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["current_revision"], body["issues"], body["tags"]) == (1, [issue.pk], ["飞信"])
    assert response["ETag"] == '"r1"'


def test_update_with_if_match_and_conflict_with_both_texts(api_client_for, analyst, frontline, fetion):
    strategy = make_strategy(actor=analyst, product=fetion)
    client = api_client_for(frontline)
    etag = client.get(f"/api/strategies/{strategy.pk}/")["ETag"]
    assert etag == '"r1"'
    first = client.put(
        f"/api/strategies/{strategy.pk}/", _payload(body="甲"), format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] == '"r2"'
    # a second client still holding r1
    second = api_client_for(analyst).put(
        f"/api/strategies/{strategy.pk}/", _payload(body="乙"), format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 409
    error = second.json()["error"]
    assert (error["code"], error["base_revision"], error["current_revision"]) == ("conflict", 1, 2)
    assert (error["current"]["body"], error["yours"]["body"]) == ("甲", "乙")
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, "甲")


def test_update_with_base_revision_field(api_client_for, analyst, fetion):
    strategy = make_strategy(actor=analyst, product=fetion)
    response = api_client_for(analyst).put(
        f"/api/strategies/{strategy.pk}/", _payload(body="新", base_revision=1), format="json"
    )
    assert response.status_code == 200 and response.json()["current_revision"] == 2


def test_update_without_a_base_revision_is_428(api_client_for, analyst, fetion):
    strategy = make_strategy(actor=analyst, product=fetion)
    response = api_client_for(analyst).put(
        f"/api/strategies/{strategy.pk}/", _payload(body="新"), format="json"
    )
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    assert strategy.revisions.count() == 1


def test_revisions_diff_and_restore(api_client_for, analyst, fetion):
    strategy = make_strategy(actor=analyst, product=fetion, strategy_text="短信告知")
    client = api_client_for(analyst)
    client.put(
        f"/api/strategies/{strategy.pk}/",
        _payload(
            title=strategy.title,
            product="fetion",
            strategy_text="短信和邮件告知",
            body=strategy.body,
            base_revision=1,
        ),
        format="json",
    )
    assert [r["number"] for r in client.get(f"/api/strategies/{strategy.pk}/revisions/").json()] == [2, 1]
    assert client.get(f"/api/strategies/{strategy.pk}/revisions/1/").json()["strategy_text"] == "短信告知"
    diff = client.get(f"/api/strategies/{strategy.pk}/diff/", {"from": 1, "to": 2}).json()
    by_name = {c["name"]: c for c in diff["changes"]}
    assert by_name["strategy_text"]["inline"] == '短信<ins class="diff">和邮件</ins>告知'
    restored = client.post(
        f"/api/strategies/{strategy.pk}/restore/", {"revision": 1, "base_revision": 2}, format="json"
    )
    assert restored.status_code == 200
    assert (restored.json()["current_revision"], restored.json()["strategy_text"]) == (3, "短信告知")
    stale = client.post(
        f"/api/strategies/{strategy.pk}/restore/", {"revision": 2, "base_revision": 2}, format="json"
    )
    assert stale.status_code == 409


def test_transition_vote_timeline_follow(api_client_for, analyst, product_owner, manager, frontline, fetion):
    strategy = make_strategy(actor=analyst, product=fetion, status="discussion")
    assert (
        api_client_for(frontline)
        .post(f"/api/strategies/{strategy.pk}/transition/", {"to_status": "voting"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_client_for(analyst)
        .post(f"/api/strategies/{strategy.pk}/transition/", {"to_status": "voting"}, format="json")
        .status_code
        == 200
    )
    assert (
        api_client_for(frontline)
        .put(f"/api/strategies/{strategy.pk}/votes/", {"choice": "support"}, format="json")
        .status_code
        == 403
    )
    vote = api_client_for(product_owner).put(
        f"/api/strategies/{strategy.pk}/votes/", {"choice": "support", "reason": "支持"}, format="json"
    )
    assert vote.status_code == 200 and vote.json()["choice"] == "support"
    answer = api_client_for(manager).post(
        f"/api/strategies/{strategy.pk}/transition/",
        {"to_status": "accepted", "reason": "通过"},
        format="json",
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["official_answer"], answer.json()["support_count"]) == (
        "accepted",
        "通过",
        1,
    )
    frozen = api_client_for(product_owner).put(
        f"/api/strategies/{strategy.pk}/votes/", {"choice": "oppose"}, format="json"
    )
    assert frozen.status_code == 400 and frozen.json()["error"]["code"] == "voting_closed"
    assert list(Vote.objects.values_list("choice", flat=True)) == ["support"]
    timeline = api_client_for(frontline).get(f"/api/strategies/{strategy.pk}/timeline/").json()
    assert [t["to_status"] for t in timeline] == ["discussion", "voting", "accepted"]
    assert api_client_for(frontline).post(f"/api/strategies/{strategy.pk}/follow/").status_code == 204
    assert api_client_for(frontline).get("/api/strategies/", {"following": "1"}).json()["count"] == 1


def test_comments_api(api_client_for, analyst, frontline, fetion):
    strategy = make_strategy(actor=analyst, product=fetion)
    created = api_client_for(frontline).post(
        f"/api/strategies/{strategy.pk}/comments/", {"body": "<script>x</script>**好**"}, format="json"
    )
    assert created.status_code == 201
    comment_id = created.json()["id"]
    assert created.json()["body_html"] == "<p><strong>好</strong></p>"
    reply = api_client_for(analyst).post(
        f"/api/strategies/{strategy.pk}/comments/", {"body": "回复", "parent": comment_id}, format="json"
    )
    assert reply.json()["parent"] == comment_id
    assert (
        api_client_for(analyst)
        .patch(f"/api/strategy-comments/{comment_id}/", {"body": "改"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_client_for(frontline)
        .patch(f"/api/strategy-comments/{comment_id}/", {"body": "改过"}, format="json")
        .status_code
        == 200
    )
    assert [
        e["previous_body"]
        for e in api_client_for(frontline).get(f"/api/strategy-comments/{comment_id}/edits/").json()
    ] == ["<script>x</script>**好**"]
    assert (
        api_client_for(frontline)
        .post(f"/api/strategy-comments/{comment_id}/hide/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    hidden = api_client_for(analyst).post(
        f"/api/strategy-comments/{comment_id}/hide/", {"reason": "无关"}, format="json"
    )
    assert (hidden.json()["is_hidden"], hidden.json()["body"]) == (True, "")
    assert Comment.objects.get(pk=comment_id).body == "改过"


def test_search_api(api_client_for, analyst, fetion):
    make_strategy(actor=analyst, product=fetion, title="飞信下载指引")
    data = api_client_for(analyst).get("/api/pool-search/", {"q": "下载"}).json()
    assert [hit["title"] for hit in data["strategies"]] == ["飞信下载指引"]
    assert "<mark>下载</mark>" in data["strategies"][0]["snippet"]


def test_schema_documents_the_pool(api_client_for, analyst):
    schema = api_client_for(analyst).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/strategies/{id}/" in schema["paths"]
    assert "409" in schema["paths"]["/api/strategies/{id}/"]["put"]["responses"]


def test_anonymous_api_is_refused(api_client_for):
    assert api_client_for(None).get("/api/strategies/").status_code == 401
