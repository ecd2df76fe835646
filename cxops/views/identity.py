"""Administrators' pages: service accounts and their tokens, and the audit log (read-only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models import Max
from django.db.models import Q
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.exports import csv_response
from cxops.exports import csv_text
from cxops.form_errors import form_add_service_error
from cxops.inputs import DayField
from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.models import AuditEvent
from cxops.models import ServiceAccount
from cxops.models import ServiceToken
from cxops.roles import Role
from cxops.roles import role_required
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.customer_data import customer_data_erase
from cxops.services.customer_data import customer_reports_export
from cxops.services.customer_data import customer_reports_find
from cxops.services.service_accounts import SCOPES
from cxops.services.service_accounts import service_account_create
from cxops.services.service_accounts import service_token_issue
from cxops.services.service_accounts import service_token_revoke
from cxops.spreadsheet import LINE_END
from cxops.spreadsheet import safe_cell


class ServiceAccountForm(forms.Form):
    name = forms.SlugField(
        label=gettext_lazy("Name"), max_length=60, help_text=gettext_lazy("e.g. hotline-10086")
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


class TokenForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    expires_on = DayField(label=gettext_lazy("Last valid day"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = [
            (scope, f"{scope} — {label}") for scope, (label, _role) in SCOPES.items()
        ]


@role_required(Role.ADMIN)
def service_accounts(request: HttpRequest) -> HttpResponse:
    form = ServiceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = service_account_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except (ValidationError, ApplicationError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request, _("Service account %(name)s created. Issue it a token.") % {"name": account.name}
            )
            return redirect("identity:service-account", pk=account.pk)
    now = timezone.now()
    accounts = ServiceAccount.objects.annotate(
        usable_token_count=Count(
            "tokens",
            filter=Q(tokens__revoked_at__isnull=True)
            & (Q(tokens__expires_at__isnull=True) | Q(tokens__expires_at__gt=now)),
        ),
        last_used_at=Max("tokens__last_used_at"),
    ).order_by("name")
    return render(
        request,
        "cxops/identity/service_accounts.html",
        {"title": _("Service accounts"), "form": form, "accounts": accounts},
    )


@role_required(Role.ADMIN)
def service_account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ServiceAccount, pk=pk)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data.get("expires_on")
        expires_at = (
            timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)) if day else None
        )
        try:
            row, token = service_token_issue(
                actor=request.user, account=account, scopes=form.cleaned_data["scopes"], expires_at=expires_at
            )
        except (ValidationError, ApplicationError) as error:
            form_add_service_error(form, error)
        else:
            # Shown once, on this response only: never stored, never redirected through a URL.
            response = render(
                request,
                "cxops/identity/token_created.html",
                {"title": _("Token issued"), "account": account, "row": row, "token": token},
            )
            response["Cache-Control"] = "no-store"
            return response
    tokens = account.tokens.order_by("-created_at")
    return render(
        request,
        "cxops/identity/service_account.html",
        {"title": account.name, "account": account, "form": form, "tokens": tokens, "now": timezone.now()},
    )


@require_POST
@role_required(Role.ADMIN)
def service_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ServiceToken.objects.select_related("account"), pk=pk)
    try:
        service_token_revoke(actor=request.user, token=token)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Token cxsa_%(prefix)s_… revoked.") % {"prefix": token.prefix})
    return redirect("identity:service-account", pk=token.account_id)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False, choices=())
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)
    object = forms.CharField(label=gettext_lazy("Object"), required=False, max_length=100)
    start = DayField(label=gettext_lazy("From"), required=False)
    end = DayField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Any"))] + list(AuditAction.choices)


def _audit_rows(form: AuditFilterForm):
    queryset = AuditEvent.objects.all()
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if data.get("action"):
        queryset = queryset.filter(action=data["action"])
    if data.get("actor"):
        queryset = queryset.filter(actor_name__icontains=query_text(data["actor"], limit=150))
    if data.get("object"):
        text = query_text(data["object"], limit=100)
        if ":" in text:  # "cxops.experiencereport:42"
            object_type, _sep, object_id = text.partition(":")
            queryset = queryset.filter(object_type=object_type, object_id=object_id)
        else:
            queryset = queryset.filter(object_repr__icontains=text)
    zone = timezone.get_current_timezone()
    if data.get("start"):
        queryset = queryset.filter(
            occurred_at__gte=dt.datetime.combine(data["start"], dt.time.min, tzinfo=zone)
        )
    if data.get("end"):
        queryset = queryset.filter(
            occurred_at__lt=dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return queryset


@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None)
    queryset = _audit_rows(form) if request.GET else AuditEvent.objects.all()
    if request.GET.get("format") == "csv":
        return _audit_csv(request, queryset)
    page = Paginator(queryset, 50).get_page(parse_id(request.GET.get("page")) or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cxops/identity/audit.html",
        {"title": _("Audit log"), "form": form, "page": page, "query": query.urlencode()},
    )


def _audit_csv(request: HttpRequest, queryset) -> StreamingHttpResponse:
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        summary=_("Audit log CSV: %(query)s") % {"query": request.GET.urlencode()[:500]},
    )
    header = [_("When"), _("Actor"), _("Service account"), _("Address"), _("Action"), _("Object type"),
              _("Object id"), _("Object"), _("Summary")]  # fmt: skip

    def line(values) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=LINE_END).writerow([safe_cell(value) for value in values])
        return buffer.getvalue()

    def chunks():
        yield csv_text(header, [])  # BOM and header
        for event in queryset.iterator(chunk_size=2000):
            yield line(
                [
                    timezone.localtime(event.occurred_at).isoformat(),
                    event.actor_name,
                    "yes" if event.service_account_id else "",
                    event.address or "",
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.object_repr,
                    event.summary,
                ]
            )

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


class CustomerDataForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Customer's phone number"), max_length=40)
    action = forms.ChoiceField(
        choices=[("find", "find"), ("export", "export"), ("erase", "erase")], widget=forms.HiddenInput
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm the customer asked for erasure"), required=False
    )


@role_required(Role.ADMIN)
def customer_data(request: HttpRequest) -> HttpResponse:
    """Find, export or erase a customer's reports by their number.  Everything is a POST, so the
    number never appears in a URL, a proxy log or the browser's history."""
    form = CustomerDataForm(request.POST or None, initial={"action": "find"})
    found: dict[str, object] | None = None
    if request.method == "POST" and form.is_valid():
        phone, action = form.cleaned_data["phone"], form.cleaned_data["action"]
        try:
            if action == "export":
                masked, reports = customer_reports_export(actor=request.user, phone=phone)
                return _customer_csv(masked, reports)
            if action == "erase" and not form.cleaned_data["confirm"]:
                form.add_error("confirm", _("Tick this to confirm the erasure."))
            elif action == "erase":
                count = customer_data_erase(actor=request.user, phone=phone)
                messages.success(
                    request,
                    _("Personal parts of %(count)d report(s) erased; the reports stay, anonymous.")
                    % {"count": count},
                )
                return redirect("identity:customer-data")
            else:
                masked, reports = customer_reports_find(actor=request.user, phone=phone)
                found = {"masked": masked, "reports": reports}
        except (ValidationError, ApplicationError) as error:
            form_add_service_error(form, error)
    response = render(
        request,
        "cxops/identity/customer_data.html",
        {"title": _("Customer data"), "form": form, "found": found},
    )
    response["Cache-Control"] = "no-store"
    return response


def _customer_csv(masked: str, reports) -> HttpResponse:
    header = [_("Report"), _("Occurred at"), _("Product"), _("Channel"), _("Summary"), _("Detail"),
              _("Customer"), _("Status")]  # fmt: skip
    rows = [
        [
            report.pk,
            timezone.localtime(report.occurred_at).isoformat(),
            report.product.name,
            report.channel.name,
            report.summary,
            report.detail,
            report.customer_masked,
            report.get_status_display(),
        ]
        for report in reports
    ]
    response = csv_response(f"customer-{masked.replace('*', 'x')}.csv", header, rows)
    response["Cache-Control"] = "no-store"
    return response
