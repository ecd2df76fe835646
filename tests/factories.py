"""factory_boy factories shared by every test package."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import Product
from cxops.models import Segment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-test-12345")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"product-{n}")
    name_zh = factory.Sequence(lambda n: f"产品{n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel-{n}")
    name_zh = factory.Sequence(lambda n: f"渠道{n}")
    name_en = factory.Sequence(lambda n: f"Channel {n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"segment-{n}")
    name_zh = factory.Sequence(lambda n: f"客群{n}")
    name_en = factory.Sequence(lambda n: f"Segment {n}")


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExperienceIssue
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"飞信申请失败问题{n}")
    product = factory.SubFactory(ProductFactory)
    layer = "functional"
    stage = "use"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def match_profile(obj, create, extracted, **kwargs):  # noqa: N805 — factory_boy passes the object
        """Indexed for matching as `issue_create` would (the factory writes the row directly)."""
        if create:
            from cxops.services.matching import issue_profile_refresh

            issue_profile_refresh(issue_ids=[obj.pk])


class ReportFactory(factory.django.DjangoModelFactory):
    """A report row written directly (no rollups): use the services when rollups matter."""

    class Meta:
        model = ExperienceReport

    source_type = "complaint"
    product = factory.SubFactory(ProductFactory)
    channel = factory.SubFactory(ChannelFactory)
    layer = "functional"
    stage = "use"
    summary = factory.Sequence(lambda n: f"客户反映飞信无法登录 {n}")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    reporter = factory.SubFactory(UserFactory)
