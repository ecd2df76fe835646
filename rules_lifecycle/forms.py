"""Forms parse and validate input for the rule pages; they never save (the services do)."""

from __future__ import annotations

from typing import Any
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cxops.form_fields import ModelMultipleChoiceField
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models.rules import SCOPE_FIELDS
from rules_lifecycle.selectors.rules import rule_owner_choices
from rules_lifecycle.services.rules import DESIGN_FIELDS
from rules_lifecycle.services.rules import RULE_FIELDS
from rules_lifecycle.transitions import REASON_MAX_LENGTH


class PercentField(forms.FloatField):
    """Stored as a share (0.05), typed as a percentage (5).  The form's initial values are given in
    percent (see RuleForm.__init__), so a disabled field cleans its initial value the same way."""

    def clean(self, value: Any) -> float | None:
        # min_value / max_value are checked on the percentage, then it becomes a share.
        number = super().clean(value)
        return None if number is None else number / 100


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else obj.username


PERCENT_FIELDS = ("minimum_worthwhile_effect", "guardrail_margin")
CHOOSE = _("Please choose")


class RuleForm(forms.ModelForm):
    """Create (from a strategy) and edit.  Fields the actor may not change now are disabled."""

    owner = OwnerChoiceField(queryset=rule_owner_choices(), label=_("Owner"))
    minimum_worthwhile_effect = PercentField(
        label=_("Minimum worthwhile effect (%)"),
        min_value=0.1,
        max_value=99,
        help_text=_("The smallest relative improvement worth the rule's cost; default 5%."),
    )
    guardrail_margin = PercentField(
        label=_("Guardrail margin (%)"),
        min_value=0.1,
        max_value=99,
        help_text=_("How much worse (relative) the other two measures may get; default 10%."),
    )

    class Meta:
        model = ExperienceRule
        fields = RULE_FIELDS
        widgets = {
            "trigger_condition": forms.Textarea(attrs={"rows": 2}),
            "trigger_action": forms.Textarea(attrs={"rows": 2}),
            "trigger_notes": forms.Textarea(attrs={"rows": 3}),
            **{field: forms.CheckboxSelectMultiple for field in SCOPE_FIELDS},
        }
        field_classes = dict.fromkeys(SCOPE_FIELDS, ModelMultipleChoiceField)

    def __init__(self, *args: Any, owner_editable: bool, design_editable: bool, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # no ASCII colon after Chinese labels
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # "请选择", not Django's "---------"
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
                field.empty_label = CHOOSE
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
                choices = cast(list[tuple[Any, Any]], field.choices)
                field.choices = [(value, CHOOSE if value == "" else label) for value, label in choices]
        for name in PERCENT_FIELDS:
            share = self.initial.get(name)
            if isinstance(share, int | float):
                percent = round(share * 100, 4)
                self.initial[name] = int(percent) if percent.is_integer() else percent
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = rule_owner_choices()
        for name in SCOPE_FIELDS:
            scope = cast(forms.ModelMultipleChoiceField, self.fields[name])
            if scope.queryset is not None:  # a model form's field always has one
                scope.queryset = scope.queryset.filter(is_active=True)
        if not owner_editable:
            self.fields["owner"].disabled = True
        if not design_editable:
            for name in DESIGN_FIELDS:
                self.fields[name].disabled = True

    def _post_clean(self) -> None:
        # The services validate the whole design (and the database enforces it); skip the
        # ModelForm's own instance validation, which would check a half-built rule.
        pass

    def changed_values(self) -> dict[str, Any]:
        """The submitted, enabled fields: what an edit asks the service to change."""
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name in self.cleaned_data and not self.fields[name].disabled
        }


class RuleEditForm(RuleForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=RuleStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GoLiveBackfillForm(forms.Form):
    """The real go-live date of a running rule.  The service checks the date and the reason (so the
    page, the API and the command give the same answers); the form only parses them."""

    go_live_on = forms.DateField(
        label=_("Real go-live date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the rule started running in its system."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the date comes from: a release note, a change ticket, the system's log."),
    )
