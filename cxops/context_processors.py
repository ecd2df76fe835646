from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cxops.models import Notification
from cxops.roles import Role
from cxops.roles import primary_role
from cxops.roles import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "user_roles": frozenset()}

    roles = user_roles(user)
    return {
        # only the sections this user may open (a link that answers 403 is no help)
        "nav_sections": [
            (url_name, label)
            for url_name, label, allowed in settings.CXOPS_NAV_SECTIONS
            if not allowed or roles & set(allowed)
        ],
        "user_roles": roles,
        "user_primary_role": (role := primary_role(user)),
        "user_primary_role_label": Role(role).label if role else "",
        "unread_notification_count": Notification.objects.filter(
            recipient=user, in_app=True, read_at__isnull=True
        ).count(),
    }
