"""Forms of the Sense pages: filing a report, triage actions, issues, imports.  Parsing only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from typing import cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.errors import ApplicationError
from cxops.form_fields import ModelMultipleChoiceField
from cxops.inputs import MomentField
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import IssueStatus
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models import Severity
from cxops.models import SourceType
from cxops.models.choices import LAYER_HELP
from cxops.models.choices import STAGE_HELP
from cxops.regions import user_home_region
from cxops.regions import user_region
from cxops.services.imports.core import upload_size_check
from cxops.services.reports import DETAIL_MAX
from cxops.services.triage import DESCRIPTION_MAX

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]


class ReportForm(forms.Form):
    # The user's recently used products and channels (offer_recent), shown first and as chips.
    recent_products: list[Product]
    recent_channels: list[Channel]
    summary = forms.CharField(
        label=_("What happened?"),
        max_length=200,
        help_text=_(
            "One sentence in the customer's words, e.g. “Fetion sign-up keeps failing”. Similar issues appear below."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-similar-source": "1", "autofocus": True}),
    )
    # Product and channel start empty: a report filed under a product nobody chose is worse than
    # none.  The user's recent choices come first, one tap away (`offer_recent`).
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True),
        empty_label=_("Please choose a product"),
        error_messages={"required": _("Choose the product the report is about.")},
        widget=forms.Select(attrs={"data-searchable": "1"}),
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.filter(is_active=True),
        empty_label=_("Please choose a channel"),
        error_messages={"required": _("Choose the channel the customer came through.")},
        widget=forms.Select(attrs={"data-searchable": "1"}),
    )
    region = forms.ModelChoiceField(
        label=_("City"),
        queryset=Region.objects.filter(is_active=True, parent__isnull=False),
        empty_label=_("Please choose a city"),
        help_text=_("Where the customer is served; your home city is chosen for you."),
        error_messages={"required": _("Choose the city the report comes from.")},
        widget=forms.Select(attrs={"data-searchable": "1"}),
    )
    source_type = forms.ChoiceField(
        label=_("Source type"), choices=SourceType.choices, widget=forms.RadioSelect(attrs={"class": "chip"})
    )
    layer = forms.ChoiceField(
        label=_("Experience layer"),
        choices=ExperienceLayer.choices,
        widget=forms.RadioSelect,
    )
    stage = forms.ChoiceField(
        label=_("Lifecycle stage"),
        choices=LifecycleStage.choices,
        widget=forms.RadioSelect,
    )
    occurred_at = MomentField(
        label=_("Occurred at"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        coerce=int,
        initial=Severity.MEDIUM,
        widget=forms.RadioSelect(attrs={"class": "chip"}),
    )
    customer = forms.CharField(
        label=_("Customer number (optional)"),
        required=False,
        max_length=40,
        help_text=_("Kept only masked (138****8000); never shown in full."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    detail = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=DETAIL_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    segments = ModelMultipleChoiceField(
        label=_("Customer segments (optional)"),
        queryset=Segment.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    issue = forms.ModelChoiceField(
        label=_("Attach to issue"),
        queryset=ExperienceIssue.objects.exclude(status=IssueStatus.CLOSED),
        required=False,
        widget=forms.HiddenInput,
    )

    def offer_recent(self, products: list[Product], channels: list[Channel]) -> None:
        """Put the user's recent products and channels first in their pickers (an optgroup) and keep
        them for the one-tap chips; nothing is selected for the user."""
        self.recent_products = products
        self.recent_channels = channels
        for name, recent, everything in (
            ("product", products, _("All products")),
            ("channel", channels, _("All channels")),
        ):
            field = cast(forms.ModelChoiceField, self.fields[name])
            if not recent:
                continue
            all_choices = list(cast(Iterable[Any], field.choices))
            blank, rest = all_choices[:1], all_choices[1:]
            recent_ids = {item.pk for item in recent}
            field.widget.choices = [
                *blank,
                (_("Recently used"), [(item.pk, str(item)) for item in recent]),
                (
                    everything,
                    [
                        (value, label)
                        for value, label in rest
                        if getattr(value, "value", value) not in recent_ids
                    ],
                ),
            ]

    def layer_options(self) -> list[tuple[Any, Any]]:
        """(radio, plain-words help) pairs for the template."""
        return [(radio, LAYER_HELP.get(radio.data["value"], "")) for radio in self["layer"]]

    def stage_options(self) -> list[tuple[Any, Any]]:
        return [(radio, STAGE_HELP.get(radio.data["value"], "")) for radio in self["stage"]]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_products = []
        self.recent_channels = []
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        scoped = user_region(user) if user is not None else None
        if scoped is not None:  # a city member files for their city only
            cast(forms.ModelChoiceField, self.fields["region"]).queryset = Region.objects.filter(pk=scoped.pk)
            self.initial["region"] = scoped.pk
        elif user is not None and not self.is_bound and "region" not in self.initial:
            home = user_home_region(user)
            if home is not None and home.parent_id is not None:
                self.initial["region"] = home.pk


class TriageActionForm(forms.Form):
    ACTIONS = [
        ("classify", _("Set product / layer / stage")),
        ("merge", _("Merge into an issue")),
        ("unmerge", _("Split out of its issue")),
        ("dismiss", _("Dismiss")),
        ("reopen", _("Back to the queue")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    reports = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("Select at least one report.")}
    )
    product = forms.ModelChoiceField(queryset=Product.objects.filter(is_active=True), required=False)
    channel = forms.ModelChoiceField(queryset=Channel.objects.filter(is_active=True), required=False)
    source_type = forms.ChoiceField(choices=[("", "—"), *SourceType.choices], required=False)
    layer = forms.ChoiceField(choices=[("", "—"), *ExperienceLayer.choices], required=False)
    stage = forms.ChoiceField(choices=[("", "—"), *LifecycleStage.choices], required=False)
    issue = forms.ModelChoiceField(queryset=ExperienceIssue.objects.all(), required=False)
    new_issue_title = forms.CharField(max_length=200, required=False)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id is acceptable here; the service checks existence and locks the rows.
        posted = cast(QueryDict, self.data)  # a bound form's data is the request's POST
        cast(forms.ChoiceField, self.fields["reports"]).choices = [
            (v, v) for v in (posted.getlist("reports") if self.is_bound else [])
        ]


class IssueForm(forms.ModelForm):
    class Meta:
        model = ExperienceIssue
        fields = ["title", "description", "status", "product", "layer", "stage"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.CharField, self.fields["description"]).max_length = DESCRIPTION_MAX
        self.fields["description"].validators.append(MaxLengthValidator(DESCRIPTION_MAX))


class ImportUploadForm(forms.Form):
    source_system = forms.CharField(
        label=_("Source system"),
        max_length=50,
        help_text=_(
            "Where the file comes from, e.g. the 10086 hotline system or the web forum. Its mapping is remembered."
        ),
        widget=forms.TextInput(attrs={"list": "source-systems", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 (with or without BOM) or GBK/GB18030, as Excel saves it. First line: column headers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            upload_size_check(upload.size)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code="too_large") from error
        return upload
