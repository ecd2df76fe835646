"""The sign-in page offers the configured methods; the OIDC start and callback (mozilla-django-oidc).

Methods: the user-name-and-password form when local sign-in is on (`CXOPS_LOCAL_SIGN_IN`) or a
directory is configured (LDAP checks the same form's password); a button for the identity provider
when OIDC is configured.  The OIDC routes answer 404 while it is not configured.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.utils.translation import gettext as _


def sign_in_methods() -> dict[str, Any]:
    directory = bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))
    provider = bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))
    return {
        "password_form": settings.CXOPS_LOCAL_SIGN_IN or directory,
        "directory": directory,
        "provider": provider,
        "provider_name": settings.CXOPS_OIDC_PROVIDER_NAME or _("corporate sign-on"),
    }


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sign_in"] = sign_in_methods()
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sign_in_methods()["password_form"]:
            raise Http404
        return super().post(request, *args, **kwargs)


def _configured() -> None:
    if not getattr(settings, "OIDC_RP_CLIENT_ID", ""):
        raise Http404


@login_not_required
def oidc_start(request: HttpRequest) -> HttpResponse:
    _configured()
    from mozilla_django_oidc.views import OIDCAuthenticationRequestView  # noqa: PLC0415

    return OIDCAuthenticationRequestView.as_view()(request)


@login_not_required
def oidc_callback(request: HttpRequest) -> HttpResponse:
    _configured()
    from mozilla_django_oidc.views import OIDCAuthenticationCallbackView  # noqa: PLC0415

    return OIDCAuthenticationCallbackView.as_view()(request)
