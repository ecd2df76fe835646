"""Project URL configuration: the one place where the three apps are wired together, and the
ground floor's own pages, a list per section and namespace (the higher apps' pages are in their own
`urls.py`, named here as strings)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include
from django.urls import path
from django.urls import re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularRedocView
from drf_spectacular.views import SpectacularSwaggerView

from cxops.views import core
from cxops.views import dashboard
from cxops.views import exports
from cxops.views import identity
from cxops.views import imports
from cxops.views import issue_clock
from cxops.views import issues
from cxops.views import lexicon
from cxops.views import notifications as notification_views
from cxops.views import reports
from cxops.views import search
from cxops.views import sign_on
from cxops.views import triage
from cxops.views import webhooks

admin.site.site_header = "cxops"
admin.site.site_title = "cxops"

# Sense (/sense/, namespace `reports`): filing reports, my reports, triage, issues, imports.
sense_urls = [
    path("", reports.file_report, name="file"),
    path("mine/", reports.my_reports, name="mine"),
    path("reports/<int:pk>/", reports.report_detail, name="detail"),
    path("similar/", reports.similar_issues, name="similar"),
    path("triage/", triage.triage_queue, name="triage"),
    path("triage/act/", triage.triage_act, name="triage-act"),
    path("triage/not-same/", triage.triage_not_same, name="triage-not-same"),
    path("triage/groups/", triage.triage_groups, name="triage-groups"),
    path("lexicon/", lexicon.lexicon, name="lexicon"),
    path("lexicon/new/", lexicon.lexicon_new, name="lexicon-new"),
    path("lexicon/<int:pk>/", lexicon.lexicon_concept, name="lexicon-concept"),
    path("issues/", issues.issues, name="issues"),
    path("issues/search/", triage.issue_search, name="issue-search"),
    path("issues/<int:pk>/", issues.issue_detail, name="issue"),
    path("issues/<int:pk>/edit/", issues.issue_edit, name="issue-edit"),
    path("issues/<int:pk>/follow/", issues.issue_follow, name="issue-follow"),
    path("issues/<int:pk>/owner/", issue_clock.issue_owner, name="issue-owner"),
    path("imports/", imports.imports, name="imports"),
    path("imports/template.csv", imports.import_template, name="import-template"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/start/", imports.import_start, name="import-start"),
    path("imports/<int:pk>/resume/", imports.import_resume, name="import-resume"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/rejected.csv", imports.import_rejected, name="import-rejected"),
]

# The dashboard (/dashboard/): overview, products, alerts.
dashboard_urls = [
    path("", dashboard.overview, name="overview"),
    path("export/<slug:name>.csv", dashboard.export_overview, name="export-overview"),
    path("products/<slug:code>/", dashboard.product_detail, name="product"),
    path("products/<slug:code>/follow/", dashboard.product_follow, name="product-follow"),
    path("products/<slug:code>/export/<slug:name>.csv", dashboard.export_product, name="export-product"),
    path("alerts/", dashboard.alert_list, name="alerts"),
    path("alerts/opt-in/", dashboard.alert_opt_in, name="alert-opt-in"),
    path("alerts/<int:pk>/acknowledge/", dashboard.alert_acknowledge, name="alert-acknowledge"),
]

# Administrators' identity pages (/identity/): service accounts, the audit log, customer data.
identity_urls = [
    path("service-accounts/", identity.service_accounts, name="service-accounts"),
    path("service-accounts/<int:pk>/", identity.service_account_detail, name="service-account"),
    path("service-tokens/<int:pk>/revoke/", identity.service_token_revoke_view, name="service-token-revoke"),
    path("audit/", identity.audit_log, name="audit"),
    path("customer-data/", identity.customer_data, name="customer-data"),
]

# Integrations (/integrations/, administrators): outbound webhooks and IM robots.
integrations_urls = [
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook, name="webhook"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("deliveries/<int:pk>/redeliver/", webhooks.delivery_redeliver, name="redeliver"),
]

# Exports of the main records (/exports/<dataset>.<csv|xlsx>?<the list's filters>), and the background
# jobs of the large ones (progress page, its JSON, the file).
export_urls = [
    re_path(r"^(?P<dataset>[a-z_]+)\.(?P<ext>csv|xlsx)$", exports.export, name="file"),
    path("jobs/<int:pk>/", exports.job_page, name="job"),
    path("jobs/<int:pk>/download/", exports.job_download, name="job-download"),
]

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
    path("sense/", include((sense_urls, "reports"))),
    path("dashboard/", include((dashboard_urls, "dashboard"))),
    path("identity/", include((identity_urls, "identity"))),
    path("integrations/", include((integrations_urls, "integrations"))),
    path("exports/", include((export_urls, "exports"))),
    path("pool/", include("proposals.urls")),
    # /rules/ and /evaluation/ (namespaces `rules` and `evaluation`)
    path("", include("rules_lifecycle.urls")),
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
