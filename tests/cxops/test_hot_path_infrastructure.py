"""The infrastructure under the busiest calls: history managers built once, input serializers
whose fields are copies (never shared)."""

from __future__ import annotations

import threading

import pytest
from rest_framework import serializers
from simple_history.manager import HistoryManager

from cxops.api.inputs import StrictInputSerializer
from cxops.history import HistoryManagerBuiltOnce
from cxops.models import ExperienceReport


def test_every_model_with_history_builds_its_manager_once():
    from django.apps import apps

    with_history = [
        model for model in apps.get_models() if getattr(model._meta, "simple_history_manager_attribute", None)
    ]
    assert len(with_history) >= 5
    for model in with_history:
        descriptor = model.__dict__[model._meta.simple_history_manager_attribute]
        assert issubclass(descriptor.manager_class, HistoryManagerBuiltOnce), model


@pytest.mark.django_db
def test_history_manager_is_built_once_and_still_reads_an_instances_history(frontline, reference_data):
    from tests.cxops.factories import file_report

    report = file_report(frontline, summary="第一版")
    report.summary = "第二版"
    report.save()
    first, second = type(report.history), type(ExperienceReport.history)
    assert first is second and issubclass(first, HistoryManager)
    assert [h.summary for h in report.history.order_by("history_id")] == ["第一版", "第二版"]
    assert ExperienceReport.history.count() == 2


class Sample(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")])
    name = serializers.CharField(max_length=5, validators=[])
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    ids = serializers.PrimaryKeyRelatedField(many=True, read_only=True)


def test_input_serializers_get_their_own_field_copies():
    one, two = Sample(data={}), Sample(data={})
    assert one.fields["name"] is not two.fields["name"]
    assert one.fields["name"].parent is one and two.fields["name"].parent is two
    assert one.fields["tags"].child is not two.fields["tags"].child
    assert one.fields["tags"].child.parent is one.fields["tags"]
    assert one.fields["ids"].child_relation.parent is one.fields["ids"]
    # what one instance changes stays with it
    one.fields["name"].required = False
    one.fields["name"].validators.append(lambda value: None)
    assert (
        two.fields["name"].required is True and two.fields["name"].validators != one.fields["name"].validators
    )
    assert Sample(data={}).fields["name"].required is True


def test_input_serializers_validate_as_drf_does():
    good = Sample(data={"kind": "a", "name": "abc", "tags": ["x"]})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"kind": "a", "name": "abc", "tags": ["x"]}
    bad = Sample(data={"kind": "z", "name": "abcdef", "tags": ["long"], "ids": [1], "extra": 1})
    assert not bad.is_valid()
    assert set(bad.errors) == {"ids", "extra"}  # refused keys first, as before
    bad = Sample(data={"kind": "z", "name": "abcdef", "tags": ["long"]})
    assert not bad.is_valid()
    assert set(bad.errors) == {"kind", "name", "tags"}
    assert [error.code for error in bad.errors["tags"][0]] == ["max_length"]


def test_input_serializers_from_many_threads_stay_apart():
    errors: list[object] = []

    def work(i: int) -> None:
        for n in range(200):
            name = f"t{i}{n % 10}"
            serializer = Sample(data={"kind": "ab"[n % 2], "name": name})
            if not serializer.is_valid() or serializer.validated_data["name"] != name:
                errors.append(serializer.errors)
            if serializer.fields["name"].parent is not serializer:
                errors.append("shared field")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
