"""An issue's owner and due time: the panel on the issue page and the form it posts to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.models import ExperienceIssue
from cxops.models.choices import Severity
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import role_required
from cxops.roles import users_holding
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.visibility import issue_readers
from cxops.services.issue_clock import issue_owner_set


def owner_candidates() -> Any:
    """Active analysts, product owners and managers (who can act on an issue)."""
    return users_holding(Role.ANALYST, Role.PRODUCT_OWNER).order_by("username")


class IssueOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=gettext_lazy("owner"),
        queryset=owner_candidates(),
        required=False,
        empty_label=gettext_lazy("nobody"),
    )
    severity = forms.TypedChoiceField(label=gettext_lazy("severity"), choices=Severity.choices, coerce=int)

    def __init__(self, *args: Any, issue: ExperienceIssue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # only members who can open the issue (a city's members for their city's issues)
        self.fields["owner"].queryset = issue_readers(issue, owner_candidates())  # type: ignore[attr-defined]


def issue_clock_panel(request: HttpRequest, issue: ExperienceIssue) -> tuple[str, dict[str, Any]]:
    can_edit = has_role(request.user, Role.ANALYST)
    form = (
        IssueOwnerForm(
            initial={"owner": issue.owner_id, "severity": issue.severity}, auto_id="clock_%s", issue=issue
        )
        if can_edit
        else None
    )
    return "cxops/issues/_clock.html", {"issue": issue, "form": form}


@require_POST
@role_required(Role.ANALYST)
def issue_owner(request: HttpRequest, pk: int) -> HttpResponse:
    # Another city's issue, for a city member, is one that does not exist.
    issue = get_object_or_404(issues_visible_to(request.user, queryset=ExperienceIssue.objects.all()), pk=pk)
    form = IssueOwnerForm(request.POST, issue=issue)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("reports:issue", pk=issue.pk)
    try:
        issue_owner_set(
            actor=request.user,
            issue=issue,
            owner=form.cleaned_data["owner"],
            severity=form.cleaned_data["severity"],
        )
        messages.success(request, _("Owner and due time saved."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("reports:issue", pk=issue.pk)
