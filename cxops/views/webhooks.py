"""Integrations (administrators): webhook and IM-robot subscriptions, their delivery log, redeliver.

Every write goes through `cxops.services.webhooks`; the target is checked there (private
addresses refused unless allow-listed) and again at every send.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.form_errors import form_add_service_error
from cxops.form_fields import ModelMultipleChoiceField
from cxops.models import DeliveryStatus
from cxops.models import Product
from cxops.models import Region
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.models import WebhookFormat
from cxops.models import WebhookSubscription
from cxops.models.choices import Severity
from cxops.models.webhooks import new_secret
from cxops.roles import Role
from cxops.roles import role_required
from cxops.services.webhooks import webhook_redeliver
from cxops.services.webhooks import webhook_subscription_delete
from cxops.services.webhooks import webhook_subscription_save

DELIVERIES_PER_PAGE = 50


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    target_url = forms.CharField(
        label=gettext_lazy("target URL"),
        max_length=1000,
        help_text=gettext_lazy(
            "The system's endpoint, or the robot's webhook address from the group settings."
        ),
    )
    format = forms.ChoiceField(label=gettext_lazy("format"), choices=WebhookFormat.choices)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=gettext_lazy("secret"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Signs every delivery (signed JSON: at least 16 characters). DingTalk and Feishu: the "
            "robot's signing secret. Leave empty when editing to keep the current one."
        ),
    )
    products = ModelMultipleChoiceField(
        label=gettext_lazy("products"),
        queryset=Product.objects.filter(is_active=True).order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only events about these products; none ticked: every product."),
    )
    regions = ModelMultipleChoiceField(
        label=gettext_lazy("cities"),
        queryset=Region.objects.filter(is_active=True, parent__isnull=False).order_by("sort_order", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Only events of these cities, and the province-wide ones; none ticked: every region."
        ),
    )
    severities = forms.TypedMultipleChoiceField(
        label=gettext_lazy("severities"),
        choices=Severity.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Only reports of these severities; none ticked: all. Events without a severity always pass."
        ),
    )
    active = forms.BooleanField(label=gettext_lazy("active"), required=False, initial=True)


def _save(request: HttpRequest, form: SubscriptionForm, subscription: WebhookSubscription | None) -> Any:
    try:
        return webhook_subscription_save(actor=request.user, subscription=subscription, **form.cleaned_data)
    except (ValidationError, ApplicationError) as error:
        form_add_service_error(form, error)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def webhooks(request: HttpRequest) -> HttpResponse:
    """Every subscription with its latest delivery state, and the form for a new one."""
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            subscription = _save(request, form, None)
            if subscription is not None:
                messages.success(request, _("Subscription saved."))
                return redirect("integrations:webhook", pk=subscription.pk)
    else:
        form = SubscriptionForm(initial={"secret": new_secret(), "active": True})
    subscriptions = list(WebhookSubscription.objects.prefetch_related("products", "regions"))
    failing = set(
        WebhookDelivery.objects.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
        .values_list("subscription_id", flat=True)
        .distinct()
    )
    return render(
        request,
        "cxops/integrations/webhooks.html",
        {"title": _("Webhooks and robots"), "subscriptions": subscriptions, "failing": failing, "form": form},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def webhook(request: HttpRequest, pk: int) -> HttpResponse:
    """One subscription: edit it, read its delivery log (`?status=` filters), redeliver."""
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid() and _save(request, form, subscription) is not None:
            messages.success(request, _("Subscription saved."))
            return redirect("integrations:webhook", pk=subscription.pk)
    else:
        form = SubscriptionForm(
            initial={
                "name": subscription.name,
                "target_url": subscription.target_url,
                "format": subscription.format,
                "events": subscription.events,
                "products": list(subscription.products.all()),
                "regions": list(subscription.regions.all()),
                "severities": subscription.severities,
                "active": subscription.active,
            }
        )
    status = request.GET.get("status") or ""
    deliveries = subscription.deliveries.all()
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cxops/integrations/webhook.html",
        {
            "title": subscription.name,
            "subscription": subscription,
            "form": form,
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "redeliverable": {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED},
        },
    )


@require_POST
@role_required(Role.ADMIN)
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    webhook_subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Subscription deleted."))
    return redirect("integrations:webhooks")


@require_POST
@role_required(Role.ADMIN)
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    try:
        webhook_redeliver(actor=request.user, delivery=delivery)
        messages.success(request, _("Sent again as a new delivery."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("integrations:webhook", pk=delivery.subscription_id)
