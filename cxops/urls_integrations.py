"""Integrations pages (administrators): outbound webhooks and IM robots."""

from django.urls import path

from cxops.views import webhooks

app_name = "integrations"

urlpatterns = [
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook, name="webhook"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("deliveries/<int:pk>/redeliver/", webhooks.delivery_redeliver, name="redeliver"),
]
