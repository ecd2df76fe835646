"""Notification settings (per kind: bell, e-mail, daily digest; the e-mails' language) and the
one-click unsubscribe that every notification e-mail links to.

The unsubscribe link works without signing in: its signed token names the user and the kind.  A GET
shows a confirmation page (link scanners and previews follow GETs; they must not unsubscribe anyone);
the POST unsubscribes, from that page or straight from the mail client (RFC 8058 one-click:
`List-Unsubscribe=One-Click` in the body, no cookie, no CSRF token — the token is the proof).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxops.models import NotificationKind
from cxops.models import NotificationSettings
from cxops.services.notifications import DIGEST
from cxops.services.notifications import Channels
from cxops.services.notifications import notification_preferences
from cxops.services.notifications import notification_preferences_set
from cxops.services.notifications import notification_unsubscribe
from cxops.services.notifications import unsubscribe_token_read

CHANNELS = (
    ("in_app", gettext_lazy("In the bell")),
    ("email", gettext_lazy("E-mail")),
    ("digest", gettext_lazy("Daily digest")),
)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            for channel, channel_label in CHANNELS:
                self.fields[f"{kind}-{channel}"] = forms.BooleanField(
                    label=f"{label}: {channel_label}", required=False
                )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "label": label, "fields": [self[f"{kind}-{channel}"] for channel, _l in CHANNELS]}
            for kind, label in NotificationKind.choices
        ]

    def preferences(self) -> dict[str, Channels]:
        data = self.cleaned_data
        return {
            kind: Channels(
                in_app=data[f"{kind}-in_app"], email=data[f"{kind}-email"], digest=data[f"{kind}-digest"]
            )
            for kind in NotificationKind.values
        }


def _initial(user: Any) -> dict[str, Any]:
    stored = NotificationSettings.objects.filter(user=user).first()
    language = stored.language if stored else (get_language() or settings.LANGUAGE_CODE)
    initial: dict[str, Any] = {"language": language if language in dict(settings.LANGUAGES) else "zh-hans"}
    for kind, channels in notification_preferences(user=user).items():
        for channel, _label in CHANNELS:
            initial[f"{kind}-{channel}"] = getattr(channels, channel)
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                notification_preferences_set(
                    user=request.user, preferences=form.preferences(), language=form.cleaned_data["language"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notification-settings")
    else:
        form = PreferencesForm(initial=_initial(request.user))
    return render(
        request,
        "cxops/notification_preferences.html",
        {
            "title": _("Notification settings"),
            "form": form,
            "channels": [label for _c, label in CHANNELS],
            "email_enabled": settings.CXOPS_EMAIL_NOTIFICATIONS,
        },
    )


def _kind_label(kind: str) -> str:
    return str(_("Daily digest")) if kind == DIGEST else str(NotificationKind(kind).label)


@login_not_required
@csrf_exempt  # the signed token is the proof; a mail client's one-click POST carries no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, kind = unsubscribe_token_read(token)
    except ValidationError as error:
        return render(
            request,
            "cxops/notification_unsubscribe.html",
            {"title": _("Unsubscribe"), "error": " ".join(error.messages)},
            status=400,
        )
    context = {
        "title": _("Unsubscribe"),
        "token": token,
        "kind_label": _kind_label(kind),
        "digest": kind == DIGEST,
    }
    if request.method == "POST":
        notification_unsubscribe(user=user, kind=kind)
        return render(request, "cxops/notification_unsubscribe.html", {**context, "done": True})
    return render(request, "cxops/notification_unsubscribe.html", context)
