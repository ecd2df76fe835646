"""Home page and the notification inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxops.http import SignedInRequest
from cxops.inputs import parse_ids
from cxops.links import local_next
from cxops.models import Notification
from cxops.panels import render_home_panels
from cxops.services.notifications import notification_mark_read


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "cxops/home.html", {"panels": render_home_panels(request)})


def notification_list(request: SignedInRequest) -> HttpResponse:
    queryset = Notification.objects.filter(recipient=request.user, in_app=True).select_related("actor")
    if request.GET.get("unread"):
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cxops/notifications.html",
        {"title": _("Notifications"), "page": page, "unread_only": bool(request.GET.get("unread"))},
    )


@require_POST
def notification_mark_read_view(request: HttpRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("id"))
    marked = notification_mark_read(user=request.user, notification_ids=ids or None)
    messages.success(request, _("%(count)d notification(s) marked read.") % {"count": marked})
    back = reverse("notifications")
    target = local_next(request, request.POST.get("next"), back) if ids and len(ids) == 1 else back
    return HttpResponseRedirect(target)
