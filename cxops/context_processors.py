from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cxops.roles import Role, primary_role, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "user_roles": frozenset()}
    from cxops.models import Notification

    return {
        "nav_sections": settings.CXOPS_NAV_SECTIONS,
        "user_roles": user_roles(user),
        "user_primary_role": (role := primary_role(user)),
        "user_primary_role_label": Role(role).label if role else "",
        "unread_notification_count": Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count(),
    }
