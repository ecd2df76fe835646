"""Who may do what in the pool (PRODUCT.md roles table), as read-only predicates.

Services enforce them (`require_*` raise ApplicationError(code="forbidden")); templates and the
API use the same predicates to decide which buttons to show.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.roles import Role
from cxops.roles import has_role

from .models import Comment
from .models import StrategyStatus


def is_member(user: Any) -> bool:
    """Everyone signed in takes part in the pool (全员参与): read, edit pages, comment."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_create_strategy(user: Any) -> bool:
    return has_role(user, Role.ANALYST)


def can_vote(user: Any) -> bool:
    return has_role(user, Role.PRODUCT_OWNER)


def can_answer(user: Any) -> bool:
    """Only managers give the official answer (accept or reject)."""
    return has_role(user, Role.MANAGER)


def can_moderate(user: Any) -> bool:
    return has_role(user, Role.ANALYST)


def can_edit_comment(user: Any, comment: Comment) -> bool:
    return comment.can_be_edited_by(user) and comment.strategy.status != StrategyStatus.MERGED


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise ApplicationError(message or _("Your role does not allow this."), code="forbidden")
