"""Creating rules from strategies and editing them: who may, what is checked, stale edits refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction

from cxops.errors import ApplicationError
from cxops.models import Notification
from cxops.roles import Role
from cxops.services.notifications import is_following
from proposals.models import StrategyStatus
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.services.rules import rule_create_from_strategy
from rules_lifecycle.services.rules import rule_update
from rules_lifecycle.transitions import rule_transition
from tests.factories import ChannelFactory
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import SegmentFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db

BASICS = {
    "name": "飞信咨询来电后发送下载短信",
    "trigger_event": "客户致电10086咨询飞信",
    "trigger_action": "发送含下载链接的短信",
    "implementing_system": "cmp",
    "timing": "non_instant",
}


def test_a_product_owner_creates_a_rule_from_an_accepted_strategy_with_defaults(
    django_capture_on_commit_callbacks,
):
    # given an accepted strategy about one product and two issues
    product = ProductFactory()
    issues = [IssueFactory(product=product, created_by__password=None) for _ in range(2)]
    strategy = StrategyFactory(product=product, layer="convenience", issues=issues)
    owner = user_with_role(Role.PRODUCT_OWNER)

    # when a product owner proposes a rule for it
    with django_capture_on_commit_callbacks(execute=True):
        rule = rule_create_from_strategy(strategy=strategy, actor=owner, **BASICS)

    # then the rule is proposed, theirs, linked to the strategy and its issues, with the defaults
    assert rule.status == "proposed"
    assert rule.owner == owner and rule.created_by == owner
    assert rule.strategy == strategy
    assert set(rule.issues.all()) == set(issues)
    assert list(rule.products.all()) == [product]
    assert rule.layer == "convenience"
    assert rule.primary_measure == "activity"
    assert (rule.pre_window_days, rule.burn_in_days, rule.post_window_days) == (28, 7, 28)
    assert (rule.minimum_worthwhile_effect, rule.guardrail_margin, rule.review_after_days) == (0.05, 0.10, 90)
    assert (rule.go_live_on, rule.review_due_on, rule.retired_on, rule.version) == (None, None, None, 1)
    assert rule.history.count() == 1
    # and its owner follows it; nobody is notified of their own action
    assert is_following(user=owner, target=rule)
    assert Notification.objects.count() == 0


def test_a_manager_creates_a_rule_for_a_product_owner_who_is_told(django_capture_on_commit_callbacks):
    manager, owner = user_with_role(Role.MANAGER), user_with_role(Role.PRODUCT_OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        rule = rule_create_from_strategy(strategy=StrategyFactory(), actor=manager, owner=owner, **BASICS)
    assert rule.owner == owner and rule.created_by == manager
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.url) == (owner, "rule", f"/rules/{rule.pk}/")
    assert is_following(user=owner, target=rule) and is_following(user=manager, target=rule)


@pytest.mark.parametrize(
    "status",
    [s for s in StrategyStatus.values if s != StrategyStatus.ACCEPTED and s != StrategyStatus.MERGED],
)
def test_only_accepted_strategies_become_rules(status):
    strategy = StrategyFactory(status=status, official_answer="不同意" if status == "rejected" else "")
    with pytest.raises(ApplicationError) as refused:
        rule_create_from_strategy(strategy=strategy, actor=user_with_role(Role.MANAGER), **BASICS)
    assert refused.value.code == "strategy_not_accepted"
    assert ExperienceRule.objects.count() == 0


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.ANALYST, Role.ADMIN])
def test_other_roles_cannot_create_rules(role):
    with pytest.raises(ApplicationError) as refused:
        rule_create_from_strategy(strategy=StrategyFactory(), actor=user_with_role(role), **BASICS)
    assert refused.value.code == "forbidden"
    assert ExperienceRule.objects.count() == 0


def test_a_product_owner_cannot_create_a_rule_owned_by_someone_else():
    actor, other = user_with_role(Role.PRODUCT_OWNER), user_with_role(Role.PRODUCT_OWNER)
    with pytest.raises(ApplicationError) as refused:
        rule_create_from_strategy(strategy=StrategyFactory(), actor=actor, owner=other, **BASICS)
    assert refused.value.code == "forbidden"
    assert ExperienceRule.objects.count() == 0


def test_the_owner_must_be_a_product_owner():
    with pytest.raises(ValidationError) as refused:
        rule_create_from_strategy(
            strategy=StrategyFactory(),
            actor=user_with_role(Role.MANAGER),
            owner=user_with_role(Role.ANALYST),
            **BASICS,
        )
    assert "owner" in refused.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"implementing_system": "cmp", "timing": "instant"}, "timing"),
        ({"implementing_system": "boss", "timing": "non_instant"}, "timing"),
        ({"implementing_system": "end_to_end", "timing": "non_instant"}, "timing"),
        ({"pre_window_days": 30}, "pre_window_days"),
        ({"pre_window_days": 0}, "pre_window_days"),
        ({"post_window_days": 21}, "post_window_days"),
        ({"post_window_days": 45}, "post_window_days"),
        ({"burn_in_days": 60}, "burn_in_days"),
        ({"minimum_worthwhile_effect": 0}, "minimum_worthwhile_effect"),
        ({"minimum_worthwhile_effect": 5}, "minimum_worthwhile_effect"),
        ({"guardrail_margin": 1.0}, "guardrail_margin"),
        ({"review_after_days": 30}, "review_after_days"),
        ({"name": "  "}, "name"),
        ({"trigger_action": ""}, "trigger_action"),
        ({"products": []}, "products"),
    ],
)
def test_an_inconsistent_design_is_refused_on_its_field(overrides, field):
    with pytest.raises(ValidationError) as refused:
        make_rule(**overrides)
    assert field in refused.value.message_dict
    assert ExperienceRule.objects.count() == 0


@pytest.mark.parametrize(
    ("system", "timing"),
    [
        ("product_platform", "instant"),
        ("web_app", "non_instant"),
        ("boss", "instant"),
        ("cmp", "non_instant"),
    ],
)
def test_consistent_system_and_timing_are_accepted(system, timing):
    assert make_rule(implementing_system=system, timing=timing).timing == timing


def test_the_control_scope_must_be_outside_the_treated_scope():
    product, other_product = ProductFactory(), ProductFactory()
    hotline, store = ChannelFactory(), ChannelFactory()
    # overlapping products and nothing else: refused
    with pytest.raises(ValidationError) as refused:
        make_rule(products=[product], control_products=[product])
    assert "control_products" in refused.value.message_dict
    # a control channel while the rule covers all channels: refused
    with pytest.raises(ValidationError):
        make_rule(products=[product], control_channels=[store])
    # another product, or another channel of the same product: accepted
    assert list(make_rule(products=[product], control_products=[other_product]).control_products.all()) == [
        other_product
    ]
    rule = make_rule(products=[product], channels=[hotline], control_channels=[store])
    assert rule.has_control


def test_the_database_enforces_timing_and_windows():
    rule = make_rule()
    for change in (
        {"timing": "instant"},
        {"post_window_days": 20},
        {"pre_window_days": 10},
        {"guardrail_margin": 2},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ExperienceRule.objects.filter(pk=rule.pk).update(**change)


# --- editing -----------------------------------------------------------------------------------


def test_the_owner_edits_the_design_before_go_live_and_the_version_moves_on():
    rule = rule_in("approved")
    segment = SegmentFactory()
    updated = rule_update(
        rule=rule,
        actor=rule.owner,
        expected_version=rule.version,
        changes={
            "trigger_condition": "客户未安装飞信且近30天无登录",
            "segments": [segment],
            "post_window_days": 35,
        },
    )
    assert updated.trigger_condition == "客户未安装飞信且近30天无登录"
    assert list(updated.segments.all()) == [segment]
    assert updated.post_window_days == 35
    assert updated.version == rule.version + 1
    assert updated.history.first().history_user == rule.owner


def test_a_stale_edit_is_refused_and_nothing_is_lost():
    # given two people who opened the edit form at the same version
    rule = rule_in("implementing")
    manager = user_with_role(Role.MANAGER)
    version = rule.version
    rule_update(rule=rule, actor=rule.owner, expected_version=version, changes={"name": "第一人的名称"})

    # when the second saves from the old version
    with pytest.raises(ApplicationError) as refused:
        rule_update(rule=rule, actor=manager, expected_version=version, changes={"name": "第二人的名称"})

    # then it is refused as a conflict, and the first person's edit stands
    assert refused.value.code == "conflict" and refused.value.status == 409
    assert refused.value.extra == {"current_version": version + 1}
    assert ExperienceRule.objects.get(pk=rule.pk).name == "第一人的名称"


def test_a_move_makes_an_open_edit_form_stale():
    rule = rule_in("implementing")
    version = rule.version
    rule_transition(rule=rule, to_status="live", actor=rule.owner)
    with pytest.raises(ApplicationError) as refused:
        rule_update(rule=rule, actor=rule.owner, expected_version=version, changes={"trigger_action": "改"})
    assert refused.value.code == "conflict"


def test_the_design_is_fixed_while_the_rule_runs_but_descriptive_fields_are_not():
    rule = rule_in("live")
    before = ExperienceRule.objects.get(pk=rule.pk)
    with pytest.raises(ApplicationError) as refused:
        rule_update(
            rule=rule, actor=rule.owner, expected_version=rule.version, changes={"post_window_days": 42}
        )
    assert "post_window_days" in refused.value.extra["fields"]
    assert ExperienceRule.objects.get(pk=rule.pk).post_window_days == before.post_window_days
    # unchanged design values may be sent along (a form posts every field)
    updated = rule_update(
        rule=rule,
        actor=rule.owner,
        expected_version=rule.version,
        changes={"name": "新名称", "review_after_days": 120, "post_window_days": before.post_window_days},
    )
    assert updated.name == "新名称"
    assert updated.review_due_on == updated.go_live_on + dt.timedelta(days=120)


@pytest.mark.parametrize("status", ["retired", "rejected"])
def test_final_rules_cannot_be_edited(status):
    rule = rule_in(status)
    with pytest.raises(ApplicationError):
        rule_update(
            rule=rule,
            actor=user_with_role(Role.MANAGER),
            expected_version=rule.version,
            changes={"name": "x"},
        )
    assert ExperienceRule.objects.get(pk=rule.pk).name == rule.name


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.ADMIN])
def test_only_the_owner_and_managers_edit(role):
    rule = rule_in("approved")
    with pytest.raises(ApplicationError) as refused:
        rule_update(
            rule=rule, actor=user_with_role(role), expected_version=rule.version, changes={"name": "x"}
        )
    assert refused.value.code == "forbidden"
    assert ExperienceRule.objects.get(pk=rule.pk).version == rule.version


def test_only_a_manager_reassigns_the_owner(django_capture_on_commit_callbacks):
    rule = rule_in("implementing")
    new_owner = user_with_role(Role.PRODUCT_OWNER)
    with pytest.raises(ApplicationError) as refused:
        rule_update(rule=rule, actor=rule.owner, expected_version=rule.version, changes={"owner": new_owner})
    assert refused.value.code == "forbidden"
    manager = user_with_role(Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        updated = rule_update(
            rule=rule, actor=manager, expected_version=rule.version, changes={"owner": new_owner}
        )
    assert updated.owner == new_owner
    assert Notification.objects.filter(recipient=new_owner, kind="rule").count() == 1
    assert is_following(user=new_owner, target=updated)


def test_the_state_is_not_an_editable_field():
    rule = rule_in("approved")
    with pytest.raises(ApplicationError):
        rule_update(
            rule=rule,
            actor=user_with_role(Role.MANAGER),
            expected_version=rule.version,
            changes={"status": "live"},
        )
    assert ExperienceRule.objects.get(pk=rule.pk).status == "approved"
