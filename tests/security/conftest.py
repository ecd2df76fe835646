"""The security suites' shared world: users of every role (two each) and one of every object."""

from __future__ import annotations

import pytest

from tests.security.world import build_world


@pytest.fixture
def world(reference_data):
    return build_world()
