"""Project URL configuration: the one place where the three apps are wired together."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include
from django.urls import path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularRedocView
from drf_spectacular.views import SpectacularSwaggerView

from cxops.views import core
from cxops.views import notifications as notification_views
from cxops.views import search
from cxops.views import sign_on

admin.site.site_header = "cxops"
admin.site.site_title = "cxops"

urlpatterns = [
    path("", core.home, name="home"),
    # The configured methods: password (local or directory), the identity provider (issue 18).
    path("accounts/login/", sign_on.SignInView.as_view(), name="login"),
    path("accounts/oidc/authenticate/", sign_on.oidc_start, name="oidc_authentication_init"),
    path("accounts/oidc/callback/", sign_on.oidc_callback, name="oidc_authentication_callback"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Public: the sign-in page has the language switch too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("search/", search.search, name="search"),
    path("notifications/", core.notification_list, name="notifications"),
    path("notifications/read/", core.notification_mark_read_view, name="notifications-read"),
    path("notifications/settings/", notification_views.preferences, name="notification-settings"),
    # Public: a signed token, opened from an e-mail (issue 19's one-click unsubscribe).
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="notification-unsubscribe",
    ),
    path("sense/", include("cxops.urls_reports")),
    path("dashboard/", include("cxops.urls_dashboard")),
    path("identity/", include("cxops.urls_identity")),
    path("integrations/", include("cxops.urls_integrations")),
    path("exports/", include("cxops.urls_exports")),
    path("pool/", include("proposals.urls")),
    path("rules/", include("rules_lifecycle.urls")),
    path("evaluation/", include("rules_lifecycle.urls_evaluation")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Pages for a browser, GET only: their one renderer is an HTML template, which an OPTIONS
    # answer (DRF's metadata) has none of, so OPTIONS there was a 500; now it is a 405.
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-redoc",
    ),
    path("api/", include("cxops.api.urls")),
    path("api/", include("proposals.api_urls")),
    path("api/", include("rules_lifecycle.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "cxops.views.errors.bad_request"
handler403 = "cxops.views.errors.permission_denied"
handler404 = "cxops.views.errors.page_not_found"
handler500 = "cxops.views.errors.server_error"
