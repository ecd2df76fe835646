"""Administrators' identity pages: service accounts and the audit log."""

from django.urls import path

from cxops.views import identity

app_name = "identity"

urlpatterns = [
    path("service-accounts/", identity.service_accounts, name="service-accounts"),
    path("service-accounts/<int:pk>/", identity.service_account_detail, name="service-account"),
    path("service-tokens/<int:pk>/revoke/", identity.service_token_revoke_view, name="service-token-revoke"),
    path("audit/", identity.audit_log, name="audit"),
    path("customer-data/", identity.customer_data, name="customer-data"),
]
