"""The library patches are on by default, and each can be switched off for a measurement
(`CXOPS_LIBRARY_PATCHES_OFF`, read at start-up: checked in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from simple_history.manager import HistoryDescriptor
from cxops.api.auth import CachedTokenAuthentication
from cxops.history import CachedHistoryDescriptor
from cxops.library_patches import SWITCHED_OFF, patched
from cxops.models import ExperienceReport
from proposals.api.serializers import StrategyInputSerializer

first, second = StrategyInputSerializer().fields["product"], StrategyInputSerializer().fields["product"]
print(json.dumps({
    "off": sorted(SWITCHED_OFF),
    "history_cached": type(ExperienceReport.__dict__["history"]) is CachedHistoryDescriptor,
    "history_library": type(ExperienceReport.__dict__["history"]) is HistoryDescriptor,
    # the shallow copies share the one prototype queryset; DRF's deep copies each have their own
    "fields_shared": first.queryset is second.queryset,
}))
"""


def _probe(off: str | None) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "CXOPS_LIBRARY_PATCHES_OFF"}
    env["DJANGO_SETTINGS_MODULE"] = "cxops.settings"
    if off is not None:
        env["CXOPS_LIBRARY_PATCHES_OFF"] = off
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_patch_is_on_by_default():
    assert _probe(None) == {
        "off": [],
        "history_cached": True,
        "history_library": False,
        "fields_shared": True,
    }


def test_all_switches_every_patch_off_and_the_library_behaves_as_shipped():
    probe = _probe("all")
    assert probe["off"] == ["cache_client", "fields", "history", "signin_count"]
    assert (probe["history_cached"], probe["history_library"], probe["fields_shared"]) == (False, True, False)


def test_one_patch_off_leaves_the_others_and_unknown_names_are_ignored():
    probe = _probe("history, nonsense")
    assert probe["off"] == ["history"]
    assert (probe["history_library"], probe["fields_shared"]) == (True, True)


def test_asking_for_a_patch_that_does_not_exist_is_a_programming_error():
    from cxops.library_patches import patched

    with pytest.raises(ValueError, match="no such patch"):
        patched("histroy")
