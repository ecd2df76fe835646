"""Django's own form messages read as plain Chinese, and forms offer "请选择", not "---------"."""

from __future__ import annotations

from pathlib import Path

import django
import polib
import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cxops.form_messages import DJANGO_MESSAGES
from cxops.roles import Role
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import user_with_role


def test_the_reworded_msgids_are_still_djangos_own():
    """A Django upgrade that rewords a message would silently bring the stock sentence back."""
    catalogue = polib.pofile(str(Path(django.__file__).parent / "conf/locale/zh_Hans/LC_MESSAGES/django.po"))
    django_ids = {entry.msgid for entry in catalogue}
    ours = polib.pofile(str(Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"))
    reworded = [
        entry.msgid
        for entry in ours
        if any(path.endswith("form_messages.py") for path, _line in entry.occurrences)
    ]
    assert len(reworded) == len(DJANGO_MESSAGES)
    assert set(reworded) <= django_ids


def test_form_errors_speak_plainly_in_chinese():
    class Form(forms.Form):
        title = forms.CharField(max_length=3)
        count = forms.IntegerField(max_value=5)
        day = forms.DateField()
        note = forms.CharField()

    with translation.override("zh-hans"):
        form = Form({"title": "太长的标题", "count": "9", "day": "明天"})
        assert not form.is_valid()
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    assert errors == {
        "title": ["最多 3 个字，现在有 5 个字。"],
        "count": ["不能大于 5。"],
        "day": ["请填写有效日期，例如 2026-12-06。"],
        "note": ["此项必填。"],
    }
    assert not any("确保" in e or "该变量" in e for errs in errors.values() for e in errs)


@pytest.mark.django_db
def test_the_rule_form_has_no_dashes_and_no_ascii_colons():
    manager = user_with_role(Role.MANAGER)
    strategy = StrategyFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(manager)
    html = client.get(reverse("rules:create", args=[strategy.pk])).content.decode()
    assert "---------" not in html
    assert "请选择" in html
    assert ":</label>" not in html
