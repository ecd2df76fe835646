"""Page forms: parse input into what the services take.  No writes here."""

from __future__ import annotations

from typing import Any
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cxops.form_fields import ModelMultipleChoiceField
from cxops.inputs import parse_ids
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models import Region
from cxops.selectors.visibility import issues_visible_to

from .models import Strategy
from .models import StrategyStatus
from .models import VoteChoice
from .services.strategies import StrategyContent

# The highest revision number a strategy can hold (a PositiveIntegerField): a larger base is no
# revision anybody started from, refused as a form error before it reaches a query.
REVISION_MAX = 2**31 - 1


class PoolForm(forms.Form):
    """No colon after labels: it reads badly after Chinese labels and adds nothing."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IssueChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: ExperienceIssue) -> str:
        product = f" · {obj.product.name}" if obj.product is not None else ""
        return f"#{obj.pk} {obj.title}{product}"


class StrategyForm(PoolForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    product = forms.ModelChoiceField(
        label=_("P · Product"), queryset=Product.objects.filter(is_active=True), to_field_name="code"
    )
    layer = forms.ChoiceField(label=_("C · Experience layer"), choices=ExperienceLayer.choices)
    experience_event = forms.CharField(
        label=_("E · Experience event"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What customers go through: the problem, in their words."),
    )
    issues = IssueChoiceField(
        label=_("Linked experience issues"),
        queryset=ExperienceIssue.objects.select_related("product").order_by("-last_reported_at", "-id"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "pool-issue-choice"}),
        help_text=_("The issues this strategy addresses; their followers hear about it."),
    )
    strategy_text = forms.CharField(
        label=_("S · Strategy"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What we will do about it, in one or two sentences."),
    )
    body = forms.CharField(
        label=_("Details (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "markdown-source"}),
        help_text=_("Headings with #, lists with -, links as [text](https://…). HTML is removed."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=400,
        help_text=_("Separate tags with commas, e.g. 漫游, 新用户."),
    )
    regions = ModelMultipleChoiceField(
        label=_("Cities"),
        queryset=Region.objects.filter(is_active=True, parent__isnull=False).order_by("sort_order", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "pool-region-choice"}),
        help_text=_(
            "The cities this strategy concerns; none: the whole province. Everyone can still read, "
            "discuss and vote on it."
        ),
    )
    summary = forms.CharField(
        label=_("Edit summary"),
        required=False,
        max_length=300,
        help_text=_("A few words on what you changed and why."),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        """`user`: the picker offers only the issues they may see (a city member: their city's); the
        strategy's links to issues they cannot see are kept on save by the service."""
        super().__init__(*args, **kwargs)
        if user is not None:
            issues_field = cast(forms.ModelMultipleChoiceField, self.fields["issues"])
            issues_field.queryset = issues_visible_to(user, queryset=issues_field.queryset)

    def content(self) -> StrategyContent:
        return StrategyContent.from_input(self.cleaned_data)


class StrategyEditForm(StrategyForm):
    """The edit form carries the revision the editor started from."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=REVISION_MAX)

    field_order = [
        "title", "product", "layer", "experience_event", "issues", "strategy_text", "body", "tags", "regions",
        "summary",
    ]  # fmt: skip


def initial_from_issues(raw_ids: list[str], *, user: Any) -> dict:
    """A new strategy proposed from issues starts from them: linked, and P, C, title and E filled in.

    Product and layer are filled only when every issue agrees on them; the title and the experience
    event come from the first issue (its description, else its title).  Ids that are not numbers or
    name no issue `user` may see are ignored: the link is a convenience, not an instruction.
    """
    ids = parse_ids(raw_ids[:20])
    issues = list(
        issues_visible_to(user, queryset=ExperienceIssue.objects.filter(pk__in=ids))
        .select_related("product")
        .order_by("pk")
    )
    if not issues:
        return {}
    first = issues[0]
    initial: dict = {
        "issues": [issue.pk for issue in issues],
        "title": first.title,
        "experience_event": first.description or first.title,
    }
    if len({issue.product_id for issue in issues}) == 1 and first.product is not None:
        initial["product"] = first.product.code
    if len({issue.layer for issue in issues}) == 1 and first.layer:
        initial["layer"] = first.layer
    return initial


def initial_for(strategy: Strategy) -> dict:
    return {
        "title": strategy.title,
        "product": strategy.product.code,
        "layer": strategy.layer,
        "experience_event": strategy.experience_event,
        "issues": list(strategy.issues.values_list("pk", flat=True)),
        "strategy_text": strategy.strategy_text,
        "body": strategy.body,
        "tags": ", ".join(strategy.tags.values_list("name", flat=True)),
        "regions": list(strategy.regions.values_list("pk", flat=True)),
        "base_revision": strategy.current_revision,
    }


class CommentForm(PoolForm):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        help_text=_("Markdown works. Mention someone with @username to notify them."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HideCommentForm(PoolForm):
    reason = forms.CharField(label=_("Reason for hiding"), max_length=300)


class VoteForm(PoolForm):
    choice = forms.ChoiceField(label=_("Your vote"), choices=VoteChoice.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)


class StrategyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Strategy) -> str:
        return f"#{obj.pk} {obj.title} ({obj.get_status_display()})"


class TransitionForm(PoolForm):
    to_status = forms.ChoiceField(choices=StrategyStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    merged_into = StrategyChoiceField(
        label=_("Duplicate of"),
        queryset=Strategy.objects.exclude(status=StrategyStatus.MERGED).order_by("-last_activity_at"),
        required=False,
    )


class RestoreForm(PoolForm):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=REVISION_MAX)
