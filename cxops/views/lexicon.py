"""The matching lexicon for analysts (under Sense): list and search the concepts, built-in and the
analysts' own, try a text, add or change a concept and its aliases, switch one off, read its
history.  Every write goes through `cxops.services.matching.match_concept_save`, which rebuilds
the issues' matching profiles after commit (a task) and makes matching use the change at once in
this process (within `LEXICON_CHECK_SECONDS` in the others)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cxops.errors import ApplicationError
from cxops.inputs import query_text
from cxops.matching.analysis import CONCEPT_PREFIX
from cxops.model_meta import verbose_name
from cxops.models import MatchConcept
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import role_required
from cxops.selectors.matching import builtin_concept
from cxops.selectors.matching import current_lexicon
from cxops.selectors.matching import lexicon_entries
from cxops.services.matching import match_concept_save

STATES = [
    ("", gettext_lazy("All")),
    ("active", gettext_lazy("Active")),
    ("inactive", gettext_lazy("Switched off")),
    ("builtin", gettext_lazy("Built-in")),
    ("local", gettext_lazy("Added or changed by analysts")),
]
TRY_TEXT_MAX = 500


class ConceptForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("code"),
        max_length=60,
        regex=r"^[a-z0-9_]+$",
        error_messages={"invalid": gettext_lazy("Use lower-case letters, digits and _ only.")},
        help_text=gettext_lazy("Lower-case letters, digits and _; a built-in code extends that concept."),
    )
    label_zh = forms.CharField(label=gettext_lazy("name (Chinese)"), max_length=100)
    label_en = forms.CharField(label=gettext_lazy("name (English)"), max_length=100, required=False)
    aliases = forms.CharField(
        label=gettext_lazy("aliases"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "One name per line, as customers and staff say it; * stands for a short gap (转到*号码)."
        ),
    )
    is_active = forms.BooleanField(label=gettext_lazy("active"), required=False, initial=True)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _save(request: HttpRequest, form: ConceptForm, concept: MatchConcept | None) -> MatchConcept | None:
    data = form.cleaned_data
    try:
        return match_concept_save(
            actor=request.user,
            concept=concept,
            code=concept.code if concept else data["code"],
            label_zh=data["label_zh"],
            label_en=data["label_en"],
            aliases=data["aliases"],
            is_active=data["is_active"],
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return None


@require_http_methods(["GET", "HEAD"])
@role_required(Role.FRONTLINE)
def lexicon(request: HttpRequest) -> HttpResponse:
    """Every concept, searchable; `?text=` shows how a text is read (the concepts and words found)."""
    query = query_text(request.GET.get("q"))
    state = request.GET.get("state") or ""
    if state not in dict(STATES):
        state = ""
    entries = lexicon_entries(query=query, state=state)
    text = query_text(request.GET.get("text"), limit=TRY_TEXT_MAX)
    reading: list[dict[str, Any]] = []
    if text.strip():
        lexicon_in_force = current_lexicon()
        analysis = lexicon_in_force.analyse(text)
        for found in analysis.terms:
            is_concept = found.term.startswith(CONCEPT_PREFIX)
            reading.append(
                {
                    "piece": analysis.surface(text, [found.term])[0] if is_concept else found.term,
                    "concept": lexicon_in_force.label(found.term, english=_english()) if is_concept else "",
                    "code": found.term[len(CONCEPT_PREFIX) :] if is_concept else "",
                }
            )
    return render(
        request,
        "cxops/reports/lexicon.html",
        {
            "title": _("Matching lexicon"),
            "entries": entries,
            "query": query,
            "state": state,
            "states": STATES,
            "text": text,
            "reading": reading,
            "english": _english(),
            "can_edit": has_role(request.user, Role.ANALYST),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ANALYST)
def lexicon_new(request: HttpRequest) -> HttpResponse:
    """A new concept, or (`?code=` a built-in one) the analysts' extension of a built-in concept."""
    if request.method == "POST":
        form = ConceptForm(request.POST)
        if form.is_valid():
            existing = MatchConcept.objects.filter(code=form.cleaned_data["code"]).first()
            if existing is not None:
                form.add_error("code", _("This concept has been changed before: edit it on its page."))
            else:
                saved = _save(request, form, None)
                if saved is not None:
                    messages.success(request, _("Concept saved; matching uses it from now on."))
                    return redirect("reports:lexicon-concept", pk=saved.pk)
        builtin = builtin_concept(request.POST.get("code", ""))
    else:
        code = query_text(request.GET.get("code"), limit=60)
        existing = MatchConcept.objects.filter(code=code).first() if code else None
        if existing is not None:
            return redirect("reports:lexicon-concept", pk=existing.pk)
        builtin = builtin_concept(code) if code else None
        initial: dict[str, Any] = {"is_active": True}
        if builtin is not None:
            initial.update(code=code, label_zh=builtin[0], label_en=builtin[1])
        form = ConceptForm(initial=initial)
    return render(
        request,
        "cxops/reports/lexicon_concept.html",
        {"form": form, "concept": None, "builtin": builtin, "history": []},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.FRONTLINE)
def lexicon_concept(request: HttpRequest, pk: int) -> HttpResponse:
    """One concept the analysts added or changed: its aliases, its history, and (analysts) the form."""
    concept = get_object_or_404(MatchConcept, pk=pk)
    can_edit = has_role(request.user, Role.ANALYST)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ConceptForm(request.POST)
        form.fields["code"].required = False
        if form.is_valid():
            saved = _save(request, form, MatchConcept.objects.get(pk=concept.pk))
            if saved is not None:
                messages.success(request, _("Concept saved; matching uses it from now on."))
                return redirect("reports:lexicon-concept", pk=saved.pk)
    else:
        form = ConceptForm(
            initial={
                "code": concept.code,
                "label_zh": concept.label_zh,
                "label_en": concept.label_en,
                "aliases": concept.aliases,
                "is_active": concept.is_active,
            }
        )
    form.fields["code"].disabled = True
    history = _history(concept)
    return render(
        request,
        "cxops/reports/lexicon_concept.html",
        {
            "form": form if can_edit else None,
            "concept": concept,
            "builtin": builtin_concept(concept.code),
            "history": history,
        },
    )


HISTORY_MAX = 50
_TRACKED = ("label_zh", "label_en", "aliases", "is_active")


def _history(concept: MatchConcept) -> list[dict[str, Any]]:
    """The concept's versions, newest first, each with what changed from the one before it."""
    records = list(
        concept.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_MAX + 1
        ]
    )
    rows = []
    for index, record in enumerate(records[:HISTORY_MAX]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changed = [
            name for name in _TRACKED if previous is None or getattr(previous, name) != getattr(record, name)
        ]
        added = removed = ()
        if previous is not None and "aliases" in changed:
            before = set(previous.aliases.splitlines())
            after = set(record.aliases.splitlines())
            added, removed = tuple(sorted(after - before)), tuple(sorted(before - after))
        rows.append(
            {
                "record": record,
                "first": previous is None,
                "fields": [str(verbose_name(MatchConcept, name)) for name in changed],
                "added": added,
                "removed": removed,
            }
        )
    return rows
