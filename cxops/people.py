"""How a member is named to other members: their full name, else their username."""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    """The full name, else the username; "" for nobody (no owner, a deleted account)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
