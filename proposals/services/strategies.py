"""Creating and editing strategy pages: every save is a numbered revision.

Optimistic concurrency: an editor presents the revision number they started from
(`base_revision`).  The save locks the strategy row, compares, and writes revision base + 1; the
unique (strategy, number) constraint refuses a second revision with the same number even if a
database without row locks lets two savers through, so exactly one of two saves from the same
base wins and the other gets ApplicationError(code="conflict") carrying both texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models import Region
from cxops.people import display_name
from cxops.personal_numbers import mask_personal_numbers
from cxops.selectors.visibility import issues_visible_to
from cxops.services.notifications import follow_create
from cxops.services.notifications import notify_followers

from ..models import Revision
from ..models import Strategy
from ..models import Tag
from ..policies import can_create_strategy
from ..policies import is_member
from ..policies import require

MAX_TAGS = 10
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")


# The parts of a strategy's content that are plain columns alike on `Strategy`, on `Revision` and
# here (the issues, tags and cities are stored differently on each).
COLUMN_FIELDS = ("title", "product", "layer", "experience_event", "strategy_text", "body")


@dataclass(frozen=True)
class StrategyContent:
    """What a revision holds: the scenario (P/C/E/S), the body, the tags and the cities it concerns."""

    title: str
    product: Product
    layer: str
    experience_event: str
    strategy_text: str
    body: str = ""
    issues: Sequence[ExperienceIssue] = ()
    tags: Sequence[str] = ()
    regions: Sequence[Region] = ()  # cities; none: the whole province

    def snapshot(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "product": self.product.code,
            "layer": self.layer,
            "experience_event": self.experience_event,
            "strategy_text": self.strategy_text,
            "body": self.body,
            "issues": sorted(issue.pk for issue in self.issues),
            "tags": list(self.tags),
            "regions": [region.code for region in self.regions],
        }

    @classmethod
    def from_input(cls, data: Mapping[str, Any]) -> StrategyContent:
        """From a page form's cleaned data or an API serializer's validated data (the same field
        names; tags as typed in one field, "a, b", or as a list).  Links to issues the editor cannot
        see are the service's to keep (`_issue_links`)."""
        tags = data.get("tags") or ()
        return cls(
            **{name: data[name] for name in COLUMN_FIELDS if name != "body"},
            body=data.get("body", ""),
            issues=list(data.get("issues") or []),
            tags=parse_tags(tags) if isinstance(tags, str) else list(tags),
            regions=list(data.get("regions") or []),
        )

    def revision_fields(self) -> dict[str, Any]:
        """The columns of a `Revision` that hold this content."""
        return {
            **{name: getattr(self, name) for name in COLUMN_FIELDS},
            "issue_ids": sorted(issue.pk for issue in self.issues),
            "tag_names": list(self.tags),
            "region_codes": [region.code for region in self.regions],
        }


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Tags from "a, b，c" or a list: trimmed, de-duplicated in order, at most MAX_TAGS."""
    raw = _TAG_SEPARATORS.split(value) if isinstance(value, str) else list(value)
    seen: list[str] = []
    for tag in raw:
        name = str(tag).strip().lstrip("#").strip()[:40]
        if name and name not in seen:
            seen.append(name)
    return seen[:MAX_TAGS]


# Sane bounds for free text (a wiki page may be long; its summary fields are not).
TEXT_LIMITS = {"title": 200, "experience_event": 5_000, "strategy_text": 5_000, "body": 100_000}


def _clean(content: StrategyContent) -> StrategyContent:
    errors: dict[str, str] = {}
    title = content.title.strip()
    if not title:
        errors["title"] = _("Give the strategy a title.")
    if content.layer not in ExperienceLayer.values:
        errors["layer"] = _("Choose an experience layer.")
    if not content.experience_event.strip():
        errors["experience_event"] = _("Describe the experience event.")
    if not content.strategy_text.strip():
        errors["strategy_text"] = _("Describe the strategy.")
    if any(region.parent_id is None for region in content.regions):
        errors["regions"] = _("Choose cities; none chosen means the whole province.")
    for name, limit in TEXT_LIMITS.items():
        length = len(getattr(content, name) or "")
        if length > limit:
            errors.setdefault(
                name,
                _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": length},
            )
    if errors:
        raise ValidationError(errors)
    # Personal numbers are masked before anything is stored (page, API, restore and admin alike).
    return StrategyContent(
        title=mask_personal_numbers(title),
        product=content.product,
        layer=content.layer,
        experience_event=mask_personal_numbers(content.experience_event.strip()),
        strategy_text=mask_personal_numbers(content.strategy_text.strip()),
        body=mask_personal_numbers(content.body.replace("\r\n", "\n")),
        issues=list(dict.fromkeys(content.issues)),
        tags=sorted(parse_tags(mask_personal_numbers(str(tag)) for tag in content.tags)),
        regions=_ordered_regions(content.regions),
    )


def _issue_links(
    actor: Any,
    content: StrategyContent,
    *,
    linked: Sequence[ExperienceIssue] = (),
    unseen_new: Literal["refuse", "drop"] = "refuse",
) -> StrategyContent:
    """The content with the issue links `actor` may make, the one place this rule lives (page, API,
    restore).  A link already made to an issue they cannot see (another city's) is kept, whether they
    sent it or not, for they cannot have meant to remove what they never saw.  A new link to one is
    refused as if the issue did not exist, or with `unseen_new="drop"` (a restored revision's old
    links, unlinked since) left out: not theirs to bring back."""
    visible = issues_visible_to(actor, queryset=ExperienceIssue.objects.all())
    asked = list(content.issues)
    hidden = set(
        ExperienceIssue.objects.filter(pk__in=[issue.pk for issue in (*asked, *linked)])
        .exclude(pk__in=visible.values("pk"))
        .values_list("pk", flat=True)
    )
    linked_ids = {issue.pk for issue in linked}
    unseen = [issue for issue in asked if issue.pk in hidden and issue.pk not in linked_ids]
    if unseen and unseen_new == "refuse":
        raise ValidationError({"issues": [_("This issue does not exist.")]})
    asked = [issue for issue in asked if issue not in unseen]
    kept = [issue for issue in linked if issue.pk in hidden]
    return replace(content, issues=list(dict.fromkeys([*asked, *kept])))


def _ordered_regions(regions: Iterable[Region]) -> list[Region]:
    return sorted(dict.fromkeys(regions), key=lambda region: (region.sort_order, region.code))


def current_content(strategy: Strategy) -> StrategyContent:
    return StrategyContent(
        **{name: getattr(strategy, name) for name in COLUMN_FIELDS},
        issues=list(strategy.issues.all()),
        tags=sorted(strategy.tags.values_list("name", flat=True)),
        regions=_ordered_regions(strategy.regions.all()),
    )


def revision_content(revision: Revision) -> StrategyContent:
    return StrategyContent(
        **{name: getattr(revision, name) for name in COLUMN_FIELDS},
        issues=list(ExperienceIssue.objects.filter(pk__in=revision.issue_ids)),
        tags=sorted(revision.tag_names),
        regions=_ordered_regions(Region.objects.filter(code__in=revision.region_codes)),
    )


def _apply(strategy: Strategy, content: StrategyContent, *, now) -> None:
    """Copy content onto the (locked) strategy row and its many-to-many links."""
    for name in COLUMN_FIELDS:
        setattr(strategy, name, getattr(content, name))
    strategy.updated_at = now
    strategy.last_activity_at = now
    strategy.issues.set(content.issues)
    strategy.tags.set([Tag.objects.get_or_create(name=name)[0] for name in content.tags])
    strategy.regions.set(content.regions)


def _write_revision(
    strategy: Strategy, content: StrategyContent, *, number: int, actor: Any, summary: str, now,
    restored_from: int | None = None,
) -> Revision:  # fmt: skip
    try:
        with transaction.atomic():
            return Revision.objects.create(
                strategy=strategy,
                number=number,
                **content.revision_fields(),
                summary=mask_personal_numbers(summary.strip())[:300],
                restored_from=restored_from,
                author=actor,
                created_at=now,
            )
    except IntegrityError as error:
        # Another save took this number first (possible only without row locks, e.g. SQLite).
        raise _conflict(strategy, number - 1, yours=content) from error


def _conflict(strategy: Strategy, base_revision: int, *, yours: StrategyContent) -> ApplicationError:
    latest = Revision.objects.filter(strategy=strategy).order_by("-number").select_related("author").first()
    current = {
        "number": latest.number if latest else 0,
        "author": latest.author.get_username() if latest else "",
        "saved_at": latest.created_at.isoformat() if latest else "",
        "summary": latest.summary if latest else "",
        **(revision_content(latest).snapshot() if latest else {}),
    }
    return ApplicationError(
        _(
            "Someone else saved this page (revision %(current)s) after you started editing from "
            "revision %(base)s. Your text was not saved: compare, merge and save again."
        )
        % {"current": current["number"], "base": base_revision},
        code="conflict",
        extra={
            "base_revision": base_revision,
            "current_revision": current["number"],
            "current": current,
            "yours": yours.snapshot(),
        },
    )


def search_document_for(strategy: Strategy) -> str:
    """Lower-cased text the pool search matches: title, scenario, body, tags, visible comments."""
    parts = [
        strategy.title,
        strategy.product.name_zh,
        strategy.product.name_en,
        strategy.experience_event,
        strategy.strategy_text,
        strategy.body,
        " ".join(strategy.tags.values_list("name", flat=True)),
        " ".join(name for pair in strategy.regions.values_list("name_zh", "name_en") for name in pair),
        *strategy.comments.filter(is_hidden=False).values_list("body", flat=True),
    ]
    return "\n".join(part for part in parts if part).lower()


def strategy_reindex(*, strategy: Strategy) -> None:
    """Caller holds the strategy row lock (or is the only writer)."""
    Strategy.objects.filter(pk=strategy.pk).update(search_document=search_document_for(strategy))


@transaction.atomic
def strategy_create(*, actor: Any, content: StrategyContent, summary: str = "") -> Strategy:
    require(can_create_strategy(actor), _("Only analysts and managers create strategies."))
    content = _issue_links(actor, _clean(content))
    now = timezone.now()
    strategy = Strategy.objects.create(
        title=content.title,
        product=content.product,
        layer=content.layer,
        experience_event=content.experience_event,
        strategy_text=content.strategy_text,
        body=content.body,
        created_by=actor,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        current_revision=1,
    )
    _apply(strategy, content, now=now)
    _write_revision(strategy, content, number=1, actor=actor, summary=summary or _("Created"), now=now)
    strategy_reindex(strategy=strategy)
    follow_create(user=actor, target=strategy)
    for issue in content.issues:
        notify_followers(
            target=issue,
            kind="edit",
            message=gettext_noop("New strategy for issue “%(issue)s”: %(title)s"),
            params={"issue": issue.title, "title": strategy.title},
            url=strategy.get_absolute_url(),
            body=content.strategy_text,
            actor=actor,
        )
    strategy.refresh_from_db()
    return strategy


@transaction.atomic
def strategy_update(
    *,
    strategy: Strategy,
    actor: Any,
    base_revision: int,
    content: StrategyContent,
    summary: str = "",
    unseen_new: Literal["refuse", "drop"] = "refuse",
) -> Strategy:
    """Save a new revision if nobody saved since `base_revision`; otherwise raise a conflict.

    Saving identical content writes no revision and returns the strategy unchanged.  `unseen_new`:
    what becomes of new links to issues `actor` cannot see (`_issue_links`).
    """
    require(is_member(actor))
    content = _clean(content)
    locked = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if not locked.can_edit():
        raise ApplicationError(
            _("This strategy is %(status)s; its page can no longer be edited.")
            % {"status": locked.get_status_display()},
            code="closed",
        )
    content = _issue_links(actor, content, linked=list(locked.issues.all()), unseen_new=unseen_new)
    if locked.current_revision != base_revision:
        raise _conflict(locked, base_revision, yours=content)
    if current_content(locked).snapshot() == content.snapshot():
        return locked
    now = timezone.now()
    number = base_revision + 1
    _write_revision(locked, content, number=number, actor=actor, summary=summary, now=now)
    _apply(locked, content, now=now)
    locked.current_revision = number
    locked.save(
        update_fields=[
            "title", "product", "layer", "experience_event", "strategy_text", "body",
            "updated_at", "last_activity_at", "current_revision",
        ]
    )  # fmt: skip
    strategy_reindex(strategy=locked)
    follow_create(user=actor, target=locked)
    notify_followers(
        target=locked,
        kind="edit",
        message=gettext_noop("%(user)s edited “%(title)s” (revision %(number)s)"),
        params={"user": display_name(actor), "title": locked.title, "number": number},
        url=reverse("proposals:diff", args=[locked.pk]) + f"?from={base_revision}&to={number}",
        body=summary,
        actor=actor,
    )
    return locked


@transaction.atomic
def strategy_restore(*, strategy: Strategy, actor: Any, number: int, base_revision: int) -> Strategy:
    """Restore revision `number` by saving its content as a new revision (history is never cut)."""
    try:
        revision = Revision.objects.get(strategy=strategy, number=number)
    except Revision.DoesNotExist as error:
        raise ApplicationError(_("No such revision."), code="not_found") from error
    updated = strategy_update(
        strategy=strategy,
        actor=actor,
        base_revision=base_revision,
        content=revision_content(revision),
        summary=_("Restored revision %(number)s") % {"number": number},
        unseen_new="drop",
    )
    if updated.current_revision == base_revision:
        raise ApplicationError(_("The page already has the content of that revision."), code="unchanged")
    Revision.objects.filter(strategy=updated, number=updated.current_revision).update(restored_from=number)
    return updated
