"""Rule pages: the board, the rule page's moves, creating from a strategy, editing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from cxops.roles import Role
from cxops.services.notifications import is_following
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.panels import issue_rules_panel
from tests.factories import ChannelFactory
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def _buttons(html: str) -> list[str]:
    return re.findall(r'name="to_status" value="(\w+)"', html)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_board_groups_rules_by_state_and_filters(client_for):
    # given rules in two states, for two products and systems
    fetion, mail = ProductFactory(code="fetion"), ProductFactory(code="mail")
    live = rule_in("live", name="飞信短信规则", products=[fetion], strategy=StrategyFactory(product=fetion))
    proposed = rule_in(
        "proposed",
        name="邮箱提示规则",
        products=[mail],
        implementing_system="boss",
        timing="instant",
        strategy=StrategyFactory(product=mail),
    )
    client = client_for(user_with_role(Role.FRONTLINE))

    # when anyone signed in opens the board
    html = client.get("/rules/").content.decode()

    # then each rule is listed under its state
    assert html.index('id="state-proposed"') < html.index("邮箱提示规则") < html.index('id="state-approved"')
    assert html.index('id="state-live"') < html.index("飞信短信规则") < html.index('id="state-under_review"')
    # and the filters narrow the list
    assert "飞信短信规则" not in client.get("/rules/?product=mail").content.decode()
    assert "邮箱提示规则" in client.get("/rules/?product=mail").content.decode()
    assert "邮箱提示规则" not in client.get("/rules/?system=cmp").content.decode()
    assert "飞信短信规则" not in client.get("/rules/?timing=instant").content.decode()
    by_owner = client.get(f"/rules/?owner={live.owner_id}").content.decode()
    assert "飞信短信规则" in by_owner and "邮箱提示规则" not in by_owner
    assert proposed.pk != live.pk


def test_accepted_strategies_without_a_rule_are_offered_to_owners_only(client_for):
    strategy = StrategyFactory(title="尚未落实的策略")
    assert "尚未落实的策略" in client_for(user_with_role(Role.PRODUCT_OWNER)).get("/rules/").content.decode()
    assert (
        f"/rules/from-strategy/{strategy.pk}/"
        in client_for(user_with_role(Role.MANAGER)).get("/rules/").content.decode()
    )
    assert "尚未落实的策略" not in client_for(user_with_role(Role.ANALYST)).get("/rules/").content.decode()


@pytest.mark.parametrize(
    ("status", "who", "expected"),
    [
        ("proposed", "manager", ["approved", "rejected"]),
        ("proposed", "owner", []),
        ("approved", "owner", ["implementing"]),
        ("implementing", "owner", ["live"]),
        ("live", "owner", ["under_review"]),
        ("live", "manager", ["under_review", "retired"]),
        ("under_review", "manager", ["kept", "implementing", "retired"]),
        ("under_review", "owner", []),
        ("kept", "analyst", []),
        ("approved", "other_owner", []),
        ("retired", "manager", []),
    ],
)
def test_the_rule_page_shows_only_the_moves_the_user_may_make(client_for, status, who, expected):
    rule = rule_in(status)
    user = {
        "manager": lambda: user_with_role(Role.MANAGER),
        "owner": lambda: rule.owner,
        "analyst": lambda: user_with_role(Role.ANALYST),
        "other_owner": lambda: user_with_role(Role.PRODUCT_OWNER),
    }[who]()
    response = client_for(user).get(f"/rules/{rule.pk}/")
    assert response.status_code == 200
    assert _buttons(response.content.decode()) == expected


def test_a_move_from_the_page_changes_the_state_and_says_so(client_for):
    rule = rule_in("under_review")
    manager = user_with_role(Role.MANAGER)
    response = client_for(manager).post(
        f"/rules/{rule.pk}/move/", {"to_status": "implementing", "reason": "文案需要改进"}
    )
    assert response.status_code == 302 and response["Location"] == f"/rules/{rule.pk}/"
    rule.refresh_from_db()
    assert rule.status == "implementing"
    assert rule.transitions.last().reason == "文案需要改进"
    assert rule.transitions.last().actor == manager


@pytest.mark.parametrize(
    ("status", "who", "post", "needle"),
    [
        ("proposed", "owner", {"to_status": "approved"}, "Manager"),  # not authorised
        ("live", "manager", {"to_status": "kept", "reason": "x"}, "live"),  # illegal
        ("under_review", "manager", {"to_status": "retired", "reason": ""}, "reason"),  # reason missing
        ("approved", "analyst", {"to_status": "implementing"}, "Rule owner"),
        ("approved", "manager", {"to_status": "bogus"}, "Choose a move"),
    ],
)
def test_a_refused_move_from_the_page_explains_and_changes_nothing(client_for, status, who, post, needle):
    rule = rule_in(status)
    user = {
        "owner": rule.owner,
        "manager": user_with_role(Role.MANAGER),
        "analyst": user_with_role(Role.ANALYST),
    }[who]
    before = (rule.version, RuleTransition.objects.filter(rule=rule).count())
    client = client_for(user)
    client.cookies.load({"django_language": "en"})
    response = client.post(f"/rules/{rule.pk}/move/", post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    messages = _messages(response)
    assert len(messages) == 1 and needle.lower() in messages[0].lower(), messages
    fresh = ExperienceRule.objects.get(pk=rule.pk)
    assert (fresh.status, fresh.version, RuleTransition.objects.filter(rule=rule).count()) == (
        status,
        *before,
    )


def test_a_missing_rule_is_404(client_for):
    client = client_for(user_with_role(Role.MANAGER))
    assert client.get("/rules/999999/").status_code == 404
    assert client.post("/rules/999999/move/", {"to_status": "approved"}).status_code == 404
    assert client.get("/rules/999999/edit/").status_code == 404


def _form_data(strategy, **overrides):
    data = {
        "name": "飞信咨询后下发指引",
        "trigger_event": "客户致电10086咨询飞信",
        "trigger_condition": "",
        "trigger_action": "发送含下载链接的短信",
        "trigger_notes": "",
        "implementing_system": "cmp",
        "timing": "non_instant",
        "layer": "functional",
        "products": [strategy.product_id],
        "pre_window_days": 28,
        "burn_in_days": 7,
        "post_window_days": 28,
        "minimum_worthwhile_effect": 5,
        "guardrail_margin": 10,
        "review_after_days": 90,
    }
    data.update(overrides)
    return data


def test_a_product_owner_creates_a_rule_from_the_strategy_page(client_for):
    # given an accepted strategy and a product owner
    strategy = StrategyFactory()
    owner, someone_else = user_with_role(Role.PRODUCT_OWNER), user_with_role(Role.PRODUCT_OWNER)
    client = client_for(owner)
    page = client.get(f"/rules/from-strategy/{strategy.pk}/").content.decode()
    assert strategy.experience_event in page  # the trigger starts from the strategy's event

    # when they propose a rule, even trying to give it to someone else
    response = client.post(
        f"/rules/from-strategy/{strategy.pk}/", _form_data(strategy, owner=someone_else.pk)
    )

    # then the rule is proposed and theirs, with the percentages stored as shares
    rule = ExperienceRule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rules/{rule.pk}/"
    assert (rule.owner, rule.status, rule.strategy) == (owner, "proposed", strategy)
    assert (rule.minimum_worthwhile_effect, rule.guardrail_margin) == (0.05, 0.10)


def test_the_create_form_shows_the_services_objections_on_the_fields(client_for):
    strategy = StrategyFactory()
    client = client_for(user_with_role(Role.PRODUCT_OWNER))
    response = client.post(
        f"/rules/from-strategy/{strategy.pk}/",
        _form_data(strategy, implementing_system="cmp", timing="instant"),
    )
    assert response.status_code == 200
    assert "timing" in response.context["form"].errors
    assert ExperienceRule.objects.count() == 0


def test_rules_are_only_created_from_accepted_strategies_and_by_owners_or_managers(client_for):
    strategy = StrategyFactory()
    assert (
        client_for(user_with_role(Role.ANALYST)).get(f"/rules/from-strategy/{strategy.pk}/").status_code
        == 403
    )
    voting = StrategyFactory(status="voting", official_answer="")
    response = client_for(user_with_role(Role.MANAGER)).post(
        f"/rules/from-strategy/{voting.pk}/", _form_data(voting)
    )
    assert response.status_code == 302 and response["Location"] == f"/pool/{voting.pk}/"
    assert ExperienceRule.objects.count() == 0


def test_a_manager_assigns_the_owner_when_creating(client_for):
    strategy = StrategyFactory()
    owner = user_with_role(Role.PRODUCT_OWNER)
    client_for(user_with_role(Role.MANAGER)).post(
        f"/rules/from-strategy/{strategy.pk}/", _form_data(strategy, owner=owner.pk)
    )
    assert ExperienceRule.objects.get().owner == owner


def _edit_data(rule, **overrides):
    data = _form_data(
        rule.strategy,
        name=rule.name,
        trigger_event=rule.trigger_event,
        trigger_action=rule.trigger_action,
        implementing_system=rule.implementing_system,
        timing=rule.timing,
        products=[p.pk for p in rule.products.all()],
        version=rule.version,
    )
    data.update(overrides)
    return data


def test_the_owner_edits_and_a_stale_form_is_refused_without_losing_the_first_edit(client_for):
    rule = rule_in("implementing")
    owner_client, manager_client = client_for(rule.owner), client_for(user_with_role(Role.MANAGER))
    # both open the form at the same version
    assert owner_client.get(f"/rules/{rule.pk}/edit/").status_code == 200
    response = owner_client.post(f"/rules/{rule.pk}/edit/", _edit_data(rule, trigger_action="第一人的动作"))
    assert response.status_code == 302
    response = manager_client.post(
        f"/rules/{rule.pk}/edit/", _edit_data(rule, trigger_action="第二人的动作", owner=rule.owner_id)
    )
    # the second gets the form back with the conflict and a way to reload
    assert response.status_code == 200
    assert response.context["conflict"] is True
    assert f'href="/rules/{rule.pk}/edit/"' in response.content.decode()
    assert ExperienceRule.objects.get(pk=rule.pk).trigger_action == "第一人的动作"


def test_design_fields_of_a_live_rule_are_shown_disabled_and_a_tampered_post_changes_nothing(client_for):
    rule = rule_in("live")
    client = client_for(rule.owner)
    page = client.get(f"/rules/{rule.pk}/edit/").content.decode()
    assert re.search(r'<select name="implementing_system"[^>]*disabled', page)
    response = client.post(
        f"/rules/{rule.pk}/edit/",
        _edit_data(rule, name="改名", implementing_system="boss", timing="instant", post_window_days=56),
    )
    assert response.status_code == 302
    fresh = ExperienceRule.objects.get(pk=rule.pk)
    assert (fresh.name, fresh.implementing_system, fresh.post_window_days) == ("改名", "cmp", 28)


def test_only_the_owner_and_managers_may_open_the_edit_page(client_for):
    rule = rule_in("approved")
    assert client_for(user_with_role(Role.PRODUCT_OWNER)).get(f"/rules/{rule.pk}/edit/").status_code == 403
    assert client_for(user_with_role(Role.ANALYST)).get(f"/rules/{rule.pk}/edit/").status_code == 403
    assert client_for(user_with_role(Role.MANAGER)).get(f"/rules/{rule.pk}/edit/").status_code == 200
    retired = rule_in("retired")
    assert client_for(retired.owner).get(f"/rules/{retired.pk}/edit/").status_code == 302


def test_following_a_rule_from_its_page(client_for):
    rule = rule_in("live")
    analyst = user_with_role(Role.ANALYST)
    client = client_for(analyst)
    client.post(f"/rules/{rule.pk}/follow/")
    assert is_following(user=analyst, target=rule)
    client.post(f"/rules/{rule.pk}/follow/", {"follow": "0"})
    assert not is_following(user=analyst, target=rule)


def test_the_rule_page_shows_scenario_trigger_scope_and_design(client_for):
    store = ChannelFactory(name_zh="实体营业厅")
    hotline = ChannelFactory(name_zh="10086热线")
    rule = rule_in("live", channels=[hotline], control_channels=[store], trigger_notes="区分安卓和苹果")
    html = client_for(user_with_role(Role.FRONTLINE)).get(f"/rules/{rule.pk}/").content.decode()
    for text in (
        rule.strategy.experience_event,
        rule.strategy.strategy_text,
        rule.trigger_event,
        rule.trigger_condition,
        rule.trigger_action,
        "区分安卓和苹果",
        "10086热线",
        "实体营业厅",
        rule.go_live_on.isoformat(),
    ):
        assert text in html, text


def test_the_create_form_starts_from_the_defaults_in_percent(client_for):
    strategy = StrategyFactory()
    form = (
        client_for(user_with_role(Role.PRODUCT_OWNER))
        .get(f"/rules/from-strategy/{strategy.pk}/")
        .context["form"]
    )
    assert form["minimum_worthwhile_effect"].value() == 5
    assert form["guardrail_margin"].value() == 10
    assert form["pre_window_days"].value() == 28
    assert form["review_after_days"].value() == 90


def test_the_issue_page_panel_lists_the_issues_rules(rf):
    rule = rule_in("live")
    issue = rule.issues.get()
    template, context = issue_rules_panel(rf.get("/"), issue)
    assert template == "rules_lifecycle/panels/issue_rules.html"
    assert context["issue_rules"] == [rule]
    assert issue_rules_panel(rf.get("/"), IssueFactory(created_by__password=None)) is None


def test_the_admin_shows_rules_read_only(client_for):
    rule = rule_in("live")
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", None)
    client = client_for(superuser)
    assert client.get(f"/admin/rules_lifecycle/experiencerule/{rule.pk}/change/").status_code == 200
    assert client.get("/admin/rules_lifecycle/experiencerule/add/").status_code == 403
    response = client.post(f"/admin/rules_lifecycle/experiencerule/{rule.pk}/change/", {"status": "retired"})
    assert response.status_code == 403
    assert ExperienceRule.objects.get(pk=rule.pk).status == "live"
