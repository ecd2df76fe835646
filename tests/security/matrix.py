"""The permission matrix: who may do what on every page and API operation, as data.

Expectations come from the product's rules (PRODUCT.md "People and what they may do",
`cxops/roles.py`, `proposals/policies.py`, `rules_lifecycle/transitions.py`), not from what the
code happens to answer.  The test (`test_permission_matrix.py`) enumerates every route of the URL
conf and every operation of the OpenAPI schema, and fails, naming it, when one has no entry here.

Vocabulary (the expected answer of one cell):

- OK: allowed.  Any answer but a refusal (401/403/404/405) or a server error; a page's redirect must
  not lead to the sign-in page.  A 400 or a re-rendered form is fine: the gate let the request in.
- LOGIN: signed out, page: 302 to the sign-in page.
- UNAUTHENTICATED: signed out, API: 401.
- FORBIDDEN: 403 (the role may not, or the object is visible but not theirs to change).
- HIDDEN: 404, the same as a missing id, so ids cannot be probed.
- REFUSED: a page action refused by the service comes back to its page with the reason as a
  message (302, not to the sign-in page); the database is unchanged.
- IGNORED: the request succeeds but touches only the caller's own rows (e.g. "mark read" with
  someone else's notification id): the database is unchanged.
- NOT_ALLOWED: 405, the page does not take this method.
- SIGNED_OUT: 302 to the sign-in page, signed out (the sign-out page only).

Two more, derived rather than written in the table:

- HIDDEN_OR_FORBIDDEN: an id that does not exist.  Whoever may look at the object (OK or HIDDEN
  for someone else's) gets the same 404 as for a hidden one; a role refused before the lookup may
  get its 403 instead, which tells nothing about ids.
- METHOD_REFUSED: an API route with a method it does not take: 405, or 403 when DRF's permission
  check (which runs before it looks for the method) refuses the role first.
- STAFF_ONLY: the Django admin: staff get in (200, or 403 for a model without permission);
  everyone else is sent to the admin's sign-in page.

Every refused write (FORBIDDEN, HIDDEN, REFUSED, IGNORED, NOT_ALLOWED, LOGIN, UNAUTHENTICATED on
POST/PUT/PATCH/DELETE) must leave the database unchanged: the row counts of every table of the
three apps and auth, and the rows the request names.

Cells: route × method × role (signed out and the five roles) × ownership.  Methods: GET and POST
on every page, GET/POST/PUT/PATCH/DELETE on every API route (those the schema does not list must
be refused).  Ownership applies to objects with an owner (reports: reporter; comments: author;
rules: owner; notifications: recipient): the role's first user acts, "own" is an object of theirs
and "other" one of the second user of the same role (`world.users[role]` / `world.others[role]`);
every route naming an object is also tried with an id (or product code) that does not exist.
The routers make no format-suffix twins (`/api/reports.json`); were one added, it would be the
same view and is not tried separately.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import get_resolver

from cxops.roles import Role

ANONYMOUS = "anonymous"
FRONTLINE, ANALYST, PRODUCT_OWNER, MANAGER, ADMIN = (
    Role.FRONTLINE.value,
    Role.ANALYST.value,
    Role.PRODUCT_OWNER.value,
    Role.MANAGER.value,
    Role.ADMIN.value,
)
ROLES = (ANONYMOUS, FRONTLINE, ANALYST, PRODUCT_OWNER, MANAGER, ADMIN)
OWN, OTHER = "own", "other"

OK = "ok"
LOGIN = "login"
UNAUTHENTICATED = "unauthenticated"
FORBIDDEN = "forbidden"
HIDDEN = "hidden"
REFUSED = "refused"
IGNORED = "ignored"
NOT_ALLOWED = "not_allowed"
SIGNED_OUT = "signed_out"
HIDDEN_OR_FORBIDDEN = "hidden_or_forbidden"
METHOD_REFUSED = "method_refused"
STAFF_ONLY = "staff_only"

# Role sets, as PRODUCT.md has them (roles nest: a manager is also an analyst and a product owner;
# admin is separate and is not a frontline member).
MEMBERS = frozenset({FRONTLINE, ANALYST, PRODUCT_OWNER, MANAGER, ADMIN})  # everyone signed in
FILERS = frozenset({FRONTLINE, ANALYST, PRODUCT_OWNER, MANAGER})  # frontline and everyone above
ANALYSTS = frozenset({ANALYST, MANAGER})
OWNERS = frozenset({PRODUCT_OWNER, MANAGER})
DASHBOARD_READERS = frozenset({ANALYST, PRODUCT_OWNER, MANAGER})
MANAGERS = frozenset({MANAGER})
ADMINS = frozenset({ADMIN})
EVALUATORS = frozenset({ANALYST, PRODUCT_OWNER, MANAGER})

Expectation = Callable[[str, str | None], str]


def allow(roles: Iterable[str], *, otherwise: str = FORBIDDEN) -> Expectation:
    """Roles in `roles` may; others get `otherwise` (whatever they own)."""
    allowed = frozenset(roles)
    return lambda role, ownership: OK if role in allowed else otherwise


def own_only(
    roles: Iterable[str],
    *,
    all_for: Iterable[str] = (),
    not_own: str = HIDDEN,
    outside: str = FORBIDDEN,
) -> Expectation:
    """Roles in `roles` may act on their own object (and `all_for` on anyone's); someone else's
    object answers `not_own`; roles outside `roles` get `outside`."""
    gate, everything = frozenset(roles), frozenset(all_for)

    def expect(role: str, ownership: str | None) -> str:
        if role not in gate:
            return outside
        if role in everything or ownership == OWN:
            return OK
        return not_own

    return expect


def public() -> Expectation:
    return lambda role, ownership: OK


@dataclass(frozen=True)
class Endpoint:
    """One route.  `methods`: method → expectation for signed-in roles (signed out is LOGIN on
    pages and UNAUTHENTICATED on the API unless `public`).  Pages are also tried with the method
    they do not take (expected NOT_ALLOWED) unless `any_method` (they answer every method alike
    and never write on a POST)."""

    path: str
    methods: dict[str, Expectation]
    api: bool = False
    public: bool = False
    any_method: bool = False
    # placeholder → object kind (`default_object` in the test resolves it); its row is watched.
    params: dict[str, str] = field(default_factory=dict)
    # method → body (query for GET) builder(ctx) for a request that would succeed for an allowed caller
    bodies: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    # object kinds (beyond those in the path) whose rows a refused write must leave alone
    watch: tuple[str, ...] = ()
    multipart: bool = False
    note: str = ""


def page(path: str, get: Expectation | None = None, post: Expectation | None = None, **kw: Any) -> Endpoint:
    methods = {m: e for m, e in (("GET", get), ("POST", post)) if e is not None}
    return Endpoint(path, methods, **kw)


def api(path: str, **kw: Any) -> Endpoint:
    methods = {m.upper(): kw.pop(m) for m in ("get", "post", "put", "patch", "delete") if m in kw}
    return Endpoint(path, methods, api=True, **kw)


# --- request bodies that an allowed caller could send ------------------------------------------


def _report_form(c: Any) -> dict[str, Any]:
    return {
        "summary": "矩阵测试报告",
        "product": c.obj("product").pk,
        "channel": c.obj("channel").pk,
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "occurred_at": "2026-11-20T09:00",
        "severity": "2",
        "region": _city("guangzhou").pk,
    }


def _city(code: str) -> Any:
    from cxops.models import Region

    return Region.objects.get(code=code)


def _report_api(c: Any) -> dict[str, Any]:
    return {
        "source_type": "complaint",
        "product": c.obj("product").code,
        "channel": c.obj("channel").code,
        "layer": "functional",
        "stage": "use",
        "summary": "矩阵测试报告",
        "occurred_at": "2026-11-20T09:00:00+08:00",
    }


def _strategy_content(c: Any, strategy: Any) -> dict[str, Any]:
    return {
        "title": strategy.title,
        "product": strategy.product.code,
        "layer": strategy.layer,
        "experience_event": strategy.experience_event,
        "strategy_text": strategy.strategy_text,
        "body": "矩阵测试改写",
    }


def _strategy_create(c: Any) -> dict[str, Any]:
    return {**_strategy_content(c, c.obj("strategy_other")), "title": "矩阵测试策略"}


def _strategy_update(c: Any) -> dict[str, Any]:
    strategy = c.obj("strategy_other")
    return {**_strategy_content(c, strategy), "base_revision": strategy.current_revision}


def _metric_batch(c: Any) -> dict[str, Any]:
    return {"records": [{"date": "2026-11-20", "product": c.obj("product").code, "users": 1000}]}


def _rule_form(c: Any) -> dict[str, Any]:
    return {
        "name": "矩阵规则",
        "owner": getattr(c.user, "pk", ""),
        "trigger_event": "客户致电10086咨询飞信",
        "trigger_condition": "",
        "trigger_action": "发送含下载链接的短信",
        "trigger_notes": "",
        "implementing_system": "cmp",
        "timing": "non_instant",
        "layer": "functional",
        "products": [c.obj("strategy").product_id],
        "pre_window_days": 28,
        "burn_in_days": 7,
        "post_window_days": 28,
        "minimum_worthwhile_effect": 5,
        "guardrail_margin": 10,
        "review_after_days": 90,
    }


def _rule_edit_form(c: Any) -> dict[str, Any]:
    rule = c.obj(RULE)
    return {**_rule_form(c), "owner": rule.owner_id, "version": rule.version}


def _go_live_backfill(c: Any) -> dict[str, Any]:
    day = c.obj("rule_live").go_live_on - dt.timedelta(days=30)
    return {"go_live_on": day.isoformat(), "reason": "上线早于 cxops 启用"}


def _webhook_form(c: Any) -> dict[str, Any]:
    # A loopback target: refused by the address guard (a re-rendered form / 400) without any network.
    return {
        "name": "矩阵订阅",
        "target_url": "http://127.0.0.1:9/hook",
        "format": "generic",
        "events": ["rule.transitioned"],
        "secret": "matrix-secret-0123456789",
        "active": "on",
    }


# --- the table -----------------------------------------------------------------------------------

REPORT = "report"  # owned: the acting user's own report, or the other user's of the same role
COMMENT, HIDDEN_COMMENT, RULE, NOTIFICATION = "comment", "comment_hidden", "rule", "notification"

PAGES: list[Endpoint] = [
    page("/", get=allow(MEMBERS), any_method=True),
    page("/accounts/login/", get=public(), post=public(), public=True, note="the sign-in page"),
    # OIDC start and callback (issue 18): 404 while no provider is configured, as in this world;
    # tests/sign_on/test_oidc.py runs them against a real provider.
    page("/accounts/oidc/authenticate/", get=lambda role, ownership: HIDDEN, public=True, any_method=True),
    page("/accounts/oidc/callback/", get=lambda role, ownership: HIDDEN, public=True, any_method=True),
    page(
        "/accounts/logout/",
        post=lambda role, ownership: SIGNED_OUT,
        note="signing out: POST only (a sign-out link would be a CSRF hole)",
    ),
    page("/i18n/setlang/", get=public(), post=public(), public=True, note="stores the language only"),
    page("/search/", get=allow(MEMBERS), any_method=True),
    page("/notifications/", get=allow(MEMBERS), any_method=True),
    page(
        "/notifications/read/",
        post=own_only(MEMBERS, not_own=IGNORED),
        params={"notification": NOTIFICATION},
        bodies={"POST": lambda c: {"id": c.obj(NOTIFICATION).pk}},
        watch=(NOTIFICATION,),
    ),
    page(
        "/notifications/settings/",
        get=allow(MEMBERS),
        post=allow(MEMBERS),
        bodies={"POST": lambda c: {"language": "en"}},
        note="one's own notification preferences only: nothing names another user",
    ),
    page(
        "/notifications/unsubscribe/{token}/",
        get=public(),
        post=public(),
        public=True,
        params={"token": "unsubscribe_token"},
        note="a signed token is the proof (opened from an e-mail, signed out); a bad one is a 400 page",
    ),
    # Sense
    page("/sense/", get=allow(FILERS), post=allow(FILERS), bodies={"POST": _report_form}),
    page("/sense/mine/", get=allow(FILERS), any_method=True),
    page(
        "/sense/reports/{pk}/",
        get=own_only(MEMBERS, all_for=ANALYSTS),
        any_method=True,
        params={"pk": REPORT},
        note="admin files no reports and sees none: 404 like any invisible report",
    ),
    page("/sense/similar/", get=allow(FILERS), bodies={"GET": lambda c: {"q": "报告"}}),
    page("/sense/triage/", get=allow(ANALYSTS), any_method=True),
    page(
        "/sense/triage/act/",
        post=allow(ANALYSTS),
        bodies={"POST": lambda c: {"action": "reopen", "reports": [c.obj("report_dismissed").pk]}},
        watch=("report_dismissed",),
    ),
    page(
        "/sense/triage/not-same/",
        post=allow(ANALYSTS),
        bodies={"POST": lambda c: {"report": c.obj(REPORT).pk, "issue": c.obj("issue").pk}},
    ),
    page("/sense/triage/groups/", get=allow(ANALYSTS), any_method=True),
    page("/sense/lexicon/", get=allow(FILERS), bodies={"GET": lambda c: {"q": "呼转", "text": "呼转失败"}}),
    page(
        "/sense/lexicon/new/",
        get=allow(ANALYSTS),
        post=allow(ANALYSTS),
        bodies={"POST": lambda c: {"code": "matrix_new", "label_zh": "矩阵新概念", "aliases": "矩阵新说法"}},
    ),
    page(
        "/sense/lexicon/{pk}/",
        get=allow(FILERS),
        post=allow(ANALYSTS),
        params={"pk": "match_concept"},
        bodies={"POST": lambda c: {"label_zh": "矩阵改名", "aliases": "矩阵说法", "is_active": "on"}},
        watch=("match_concept",),
        note="frontline reads the lexicon; only analysts change it",
    ),
    page("/sense/issues/", get=allow(MEMBERS), any_method=True),
    page("/sense/issues/search/", get=allow(ANALYSTS)),
    page("/sense/issues/{pk}/", get=allow(MEMBERS), any_method=True, params={"pk": "issue"}),
    page(
        "/sense/issues/{pk}/edit/",
        post=allow(ANALYSTS),
        params={"pk": "issue"},
        bodies={"POST": lambda c: {"title": "矩阵改名", "status": "open"}},
    ),
    page("/sense/issues/{pk}/follow/", post=allow(MEMBERS), params={"pk": "issue"}),
    page(
        "/sense/issues/{pk}/owner/",
        post=allow(ANALYSTS),
        params={"pk": "issue"},
        bodies={"POST": lambda c: {"severity": "3"}},
        note="owner and severity (the due time follows): analysts and managers",
    ),
    page(
        "/sense/imports/",
        get=allow(ANALYSTS),
        post=allow(ANALYSTS),
        bodies={"POST": lambda c: {"source_system": "matrix", "file": c.upload()}},
    ),
    page("/sense/imports/template.csv", get=allow(ANALYSTS)),
    page("/sense/imports/{pk}/", get=allow(ANALYSTS), any_method=True, params={"pk": "import_job"}),
    page("/sense/imports/{pk}/mapping/", post=allow(ANALYSTS), params={"pk": "import_job"}),
    page("/sense/imports/{pk}/start/", post=allow(ANALYSTS), params={"pk": "import_job"}),
    # resuming is the job's owner's (or a manager's) act; the service refuses others with a message
    page("/sense/imports/{pk}/resume/", post=allow(ANALYSTS), params={"pk": "import_job"}),
    page("/sense/imports/{pk}/progress/", get=allow(ANALYSTS), params={"pk": "import_job"}),
    page("/sense/imports/{pk}/rejected.csv", get=allow(ANALYSTS), params={"pk": "import_job"}),
    # Watch (frontline and admin see a Dashboard link nowhere useful: 403 by design)
    page("/dashboard/", get=allow(DASHBOARD_READERS), any_method=True),
    page(
        "/dashboard/export/{name}.csv",
        get=allow(DASHBOARD_READERS),
        any_method=True,
        params={"name": "chart:overview"},
    ),
    page(
        "/dashboard/products/{code}/",
        get=allow(DASHBOARD_READERS),
        any_method=True,
        params={"code": "product_code"},
    ),
    page(
        "/dashboard/products/{code}/follow/",
        post=allow(DASHBOARD_READERS),
        params={"code": "product_code"},
        bodies={"POST": lambda c: {"follow": "1"}},
    ),
    page(
        "/dashboard/products/{code}/export/{name}.csv",
        get=allow(DASHBOARD_READERS),
        any_method=True,
        params={"code": "product_code", "name": "chart:product"},
    ),
    page("/dashboard/alerts/", get=allow(DASHBOARD_READERS), any_method=True),
    page("/dashboard/alerts/opt-in/", post=allow(ANALYSTS), bodies={"POST": lambda c: {"enabled": "1"}}),
    page(
        "/dashboard/alerts/{pk}/acknowledge/",
        post=allow(ANALYSTS),
        params={"pk": "alert"},
        bodies={"POST": lambda c: {"note": "已处理"}},
    ),
    # Incubate: everyone signed in reads, edits pages and discusses (全员参与)
    # Identity and compliance (issue 18): service accounts and the audit log are the administrators'
    page(
        "/identity/service-accounts/",
        get=allow({ADMIN}),
        post=allow({ADMIN}),
        bodies={"POST": lambda c: {"name": "matrix-new-system", "description": "矩阵"}},
    ),
    page(
        "/identity/service-accounts/{pk}/",
        get=allow({ADMIN}),
        post=allow({ADMIN}),
        params={"pk": "service_account"},
        bodies={"POST": lambda c: {"scopes": ["issues:read"]}},
        watch=("service_token",),
    ),
    page("/identity/service-tokens/{pk}/revoke/", post=allow({ADMIN}), params={"pk": "service_token"}),
    page(
        "/identity/audit/",
        get=allow({ADMIN}),
        any_method=True,
        bodies={"GET": lambda c: {"action": "auth.sign_in"}},
    ),
    # Exports of the main records (issue 19): reports for everyone who files (frontline: their own)
    page(
        "/exports/{dataset}.{ext}",
        get=allow(FILERS),
        post=allow(FILERS),  # the confirm page's button for a large one
        params={"dataset": "export_dataset", "ext": "export_format"},
        note="the rows are the reader's visible ones: tests/cxops/test_record_exports.py",
    ),
    # a large export's background job: its creator's alone (someone else's is a 404)
    page("/exports/jobs/{pk}/", get=own_only(MEMBERS), params={"pk": "export_job"}),
    page(
        "/exports/jobs/{pk}/download/",
        get=lambda role, ownership: HIDDEN,
        params={"pk": "export_job"},
        note="the world's jobs are still queued: no file yet, a 404 even for the creator; "
        "tests/cxops/test_export_jobs.py downloads a ready one",
    ),
    # Integrations: webhooks and IM robots are the administrators' (issue 19)
    page("/integrations/webhooks/", get=allow(ADMINS), post=allow(ADMINS), bodies={"POST": _webhook_form}),
    page(
        "/integrations/webhooks/{pk}/",
        get=allow(ADMINS),
        post=allow(ADMINS),
        params={"pk": "webhook"},
        bodies={"POST": _webhook_form},
    ),
    page("/integrations/webhooks/{pk}/delete/", post=allow(ADMINS), params={"pk": "webhook"}),
    page(
        "/integrations/deliveries/{pk}/redeliver/",
        post=allow(ADMINS),
        params={"pk": "webhook_delivery"},
        note="the world's subscription is switched off: the service refuses with a message",
    ),
    page(
        "/identity/customer-data/",
        get=allow({ADMIN}),
        post=allow({ADMIN}),
        bodies={"POST": lambda c: {"phone": "13800138000", "action": "find"}},
        note="a customer's PIPL request: administrators only; finding is audited, not a write",
    ),
    page("/pool/", get=allow(MEMBERS), any_method=True),
    page("/pool/new/", get=allow(ANALYSTS), post=allow(ANALYSTS), bodies={"POST": _strategy_create}),
    # Searched for a word every report of the world holds, so one shown to the wrong reader is caught.
    page("/pool/search/", get=allow(MEMBERS), any_method=True, bodies={"GET": lambda c: {"q": "报告"}}),
    page("/pool/preview/", post=allow(MEMBERS), bodies={"POST": lambda c: {"text": "**粗体**"}}),
    page("/pool/{pk}/", get=allow(MEMBERS), any_method=True, params={"pk": "strategy"}),
    page(
        "/pool/{pk}/edit/",
        get=allow(MEMBERS),
        post=allow(MEMBERS),
        params={"pk": "strategy_other"},
        bodies={"POST": _strategy_update},
    ),
    page("/pool/{pk}/history/", get=allow(MEMBERS), any_method=True, params={"pk": "strategy"}),
    page("/pool/{pk}/diff/", get=allow(MEMBERS), any_method=True, params={"pk": "strategy"}),
    page(
        "/pool/{pk}/revisions/{number}/",
        get=allow(MEMBERS),
        any_method=True,
        params={"pk": "strategy", "number": "revision_number"},
    ),
    page(
        "/pool/{pk}/revisions/{number}/restore/",
        post=allow(MEMBERS),
        params={"pk": "strategy_other", "number": "revision_number"},
        bodies={"POST": lambda c: {"base_revision": c.obj("strategy_other").current_revision}},
    ),
    page(
        "/pool/{pk}/status/{to_status}/",
        get=allow(ANALYSTS),
        post=allow(ANALYSTS),
        params={"pk": "strategy_other", "to_status": "strategy_move"},
        bodies={"POST": lambda c: {"to_status": "discussion"}},
        note="draft → discussion: analysts (managers) or the strategy's creator",
    ),
    page(
        "/pool/{pk}/vote/",
        post=allow(OWNERS, otherwise=REFUSED),
        params={"pk": "strategy_voting"},
        bodies={"POST": lambda c: {"choice": "support"}},
    ),
    page("/pool/{pk}/follow/", post=allow(MEMBERS), params={"pk": "strategy"}),
    page(
        "/pool/{pk}/comments/",
        post=allow(MEMBERS),
        params={"pk": "strategy_voting"},
        bodies={"POST": lambda c: {"body": "矩阵评论"}},
    ),
    page(
        "/pool/comments/{pk}/edit/",
        get=own_only(MEMBERS, not_own=FORBIDDEN),
        post=own_only(MEMBERS, not_own=FORBIDDEN),
        params={"pk": COMMENT},
        bodies={"POST": lambda c: {"body": "改过的评论"}},
        note="comments are public, so someone else's answers 403, not 404",
    ),
    page(
        "/pool/comments/{pk}/hide/",
        get=allow(ANALYSTS),
        post=allow(ANALYSTS),
        params={"pk": COMMENT},
        bodies={"POST": lambda c: {"reason": "离题"}},
    ),
    page(
        "/pool/comments/{pk}/history/",
        get=own_only(MEMBERS, all_for=ANALYSTS),
        any_method=True,
        params={"pk": HIDDEN_COMMENT},
        note="a hidden comment's history: its author and moderators only",
    ),
    # Execute
    page("/rules/", get=allow(MEMBERS), any_method=True),
    page("/rules/kanban/", get=allow(MEMBERS), any_method=True),
    page(
        "/rules/from-strategy/{strategy_pk}/",
        get=allow(OWNERS),
        post=allow(OWNERS),
        params={"strategy_pk": "strategy"},
        bodies={"POST": _rule_form},
    ),
    page("/rules/{pk}/", get=allow(MEMBERS), any_method=True, params={"pk": RULE}),
    page(
        "/rules/{pk}/edit/",
        get=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        post=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        params={"pk": RULE},
        bodies={"POST": _rule_edit_form},
        note="rules are read by everyone, so another owner's rule answers 403",
    ),
    page(
        "/rules/{pk}/move/",
        post=own_only(OWNERS, all_for=MANAGERS, not_own=REFUSED, outside=REFUSED),
        params={"pk": "rule_live"},
        bodies={"POST": lambda c: {"to_status": "under_review"}},
        note="live → under review: the rule's owner or a manager",
    ),
    page(
        "/rules/{pk}/go-live/",
        get=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        post=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        params={"pk": "rule_live"},
        bodies={"POST": _go_live_backfill},
        note="a running rule's real go-live date: the rule's owner or a manager",
    ),
    page("/rules/{pk}/follow/", post=allow(MEMBERS), params={"pk": RULE}),
    # Evaluate: everyone reads the results; managers decide
    page("/evaluation/", get=allow(MEMBERS), any_method=True),
    page("/evaluation/run/", post=allow(MANAGERS, otherwise=REFUSED)),
    page("/evaluation/rules/{pk}/", get=allow(MEMBERS), any_method=True, params={"pk": "rule_live"}),
    page(
        "/evaluation/rules/{pk}/run/",
        post=own_only(EVALUATORS, all_for=ANALYSTS, not_own=REFUSED, outside=REFUSED),
        params={"pk": "rule_live"},
    ),
    page(
        "/evaluation/rules/{pk}/controls/",
        get=allow(MEMBERS),
        post=allow((), otherwise=REFUSED),
        params={"pk": RULE},
        note="control advice for everyone; adopting it needs the rule's metric history (none in this "
        "world) and its owner or a manager before go-live: tests/rules_lifecycle/test_controls.py",
    ),
    page(
        "/evaluation/rules/{pk}/decide/",
        post=allow(MANAGERS, otherwise=REFUSED),
        params={"pk": "rule_live"},
        bodies={"POST": lambda c: {"to_status": "retired", "reason": "没有效果"}},
    ),
]

APIS: list[Endpoint] = [
    api("/api/", get=allow(MEMBERS), note="the browsable root"),
    api("/api/schema/", get=allow(MEMBERS)),
    api("/api/docs/", get=allow(MEMBERS)),
    api("/api/redoc/", get=allow(MEMBERS)),
    # reference data: read by everyone signed in; written in the admin only
    api("/api/products/", get=allow(MEMBERS)),
    api("/api/products/{pk}/", get=allow(MEMBERS), params={"pk": "product"}),
    api("/api/channels/", get=allow(MEMBERS)),
    api("/api/channels/{pk}/", get=allow(MEMBERS), params={"pk": "channel"}),
    api("/api/segments/", get=allow(MEMBERS)),
    api("/api/segments/{pk}/", get=allow(MEMBERS), params={"pk": "segment"}),
    api("/api/regions/", get=allow(MEMBERS)),
    api("/api/regions/{pk}/", get=allow(MEMBERS), params={"pk": "region"}),
    api("/api/notifications/", get=allow(MEMBERS)),
    api("/api/notifications/{pk}/", get=own_only(MEMBERS), params={"pk": NOTIFICATION}),
    api(
        "/api/notifications/mark-read/",
        post=own_only(MEMBERS, not_own=IGNORED),
        params={"notification": NOTIFICATION},
        bodies={"POST": lambda c: {"ids": [c.obj(NOTIFICATION).pk]}},
        watch=(NOTIFICATION,),
    ),
    api(
        "/api/notifications/preferences/",
        get=allow(MEMBERS),
        put=allow(MEMBERS),
        bodies={"PUT": lambda c: {"language": "en"}},
        note="one's own preferences only: the strict input refuses a user key",
    ),
    api("/api/reports/", get=allow(FILERS), post=allow(FILERS), bodies={"POST": _report_api}),
    api(
        "/api/reports/batch/",
        post=allow(FILERS),
        bodies={"POST": lambda c: {"reports": [_report_api(c)]}},
    ),
    api("/api/reports/{pk}/", get=own_only(FILERS, all_for=ANALYSTS), params={"pk": REPORT}),
    api(
        "/api/issues/",
        get=allow(MEMBERS),
        post=allow(ANALYSTS),
        bodies={"POST": lambda c: {"title": "矩阵问题"}},
    ),
    api("/api/issues/similar/", get=allow(MEMBERS)),
    api("/api/search/", get=allow(MEMBERS)),
    api("/api/issues/{pk}/", get=allow(MEMBERS), params={"pk": "issue"}),
    api("/api/import-jobs/", get=allow(ANALYSTS), post=allow(ANALYSTS), multipart=True),
    api("/api/import-jobs/{pk}/", get=allow(ANALYSTS), params={"pk": "import_job"}),
    api("/api/dashboard/overview/", get=allow(DASHBOARD_READERS)),
    api("/api/dashboard/products/{code}/", get=allow(DASHBOARD_READERS), params={"code": "product_code"}),
    api("/api/dashboard/alerts/", get=allow(DASHBOARD_READERS)),
    api("/api/dashboard/alerts/{pk}/", get=allow(DASHBOARD_READERS), params={"pk": "alert"}),
    api(
        "/api/dashboard/alerts/{pk}/acknowledge/",
        post=allow(ANALYSTS),
        params={"pk": "alert"},
        bodies={"POST": lambda c: {"note": "已处理"}},
    ),
    api("/api/metrics/batch/", post=allow(ANALYSTS), bodies={"POST": _metric_batch}),
    api(
        "/api/metrics/series/",
        get=allow(DASHBOARD_READERS),
        bodies={
            "GET": lambda c: {"product": c.obj("product").code, "start": "2026-11-01", "end": "2026-11-20"}
        },
    ),
    api(
        "/api/exports/{dataset}.{ext}",
        get=allow(FILERS),
        post=allow(FILERS),  # starts a large one in the background
        params={"dataset": "export_dataset", "ext": "export_format"},
    ),
    api("/api/exports/jobs/{pk}/", get=own_only(MEMBERS), params={"pk": "export_job"}),
    api(
        "/api/exports/jobs/{pk}/download/",
        get=lambda role, ownership: HIDDEN,
        params={"pk": "export_job"},
        note="queued: no file yet (see the page above)",
    ),
    # webhooks and IM robots (issue 19): administrators only; the secret is write-only
    api(
        "/api/webhooks/",
        get=allow(ADMINS),
        post=allow(ADMINS),
        bodies={"POST": lambda c: {**_webhook_form(c), "events": ["rule.transitioned"], "active": True}},
    ),
    api(
        "/api/webhooks/{pk}/",
        get=allow(ADMINS),
        put=allow(ADMINS),
        delete=allow(ADMINS),
        params={"pk": "webhook"},
        bodies={"PUT": lambda c: {**_webhook_form(c), "events": ["rule.transitioned"], "active": True}},
    ),
    api("/api/webhooks/{pk}/deliveries/", get=allow(ADMINS), params={"pk": "webhook"}),
    api(
        "/api/webhooks/{pk}/deliveries/{delivery_pk}/redeliver/",
        post=allow(ADMINS),
        params={"pk": "webhook", "delivery_pk": "webhook_delivery"},
    ),
    # the pool
    api("/api/pool-search/", get=allow(MEMBERS), bodies={"GET": lambda c: {"q": "报告"}}),
    api(
        "/api/strategies/",
        get=allow(MEMBERS),
        post=allow(ANALYSTS),
        bodies={"POST": _strategy_create},
    ),
    api(
        "/api/strategies/{pk}/",
        get=allow(MEMBERS),
        put=allow(MEMBERS),
        params={"pk": "strategy_other"},
        bodies={"PUT": _strategy_update},
    ),
    api(
        "/api/strategies/{pk}/comments/",
        get=allow(MEMBERS),
        post=allow(MEMBERS),
        params={"pk": "strategy_voting"},
        bodies={"POST": lambda c: {"body": "矩阵评论"}},
    ),
    api(
        "/api/strategies/{pk}/diff/",
        get=allow(MEMBERS),
        params={"pk": "strategy"},
        bodies={"GET": lambda c: {"from": 1, "to": 2}},
    ),
    api(
        "/api/strategies/{pk}/follow/", post=allow(MEMBERS), delete=allow(MEMBERS), params={"pk": "strategy"}
    ),
    api(
        "/api/strategies/{pk}/restore/",
        post=allow(MEMBERS),
        params={"pk": "strategy_other"},
        bodies={"POST": lambda c: {"revision": 1, "base_revision": c.obj("strategy_other").current_revision}},
    ),
    api("/api/strategies/{pk}/revisions/", get=allow(MEMBERS), params={"pk": "strategy"}),
    api(
        "/api/strategies/{pk}/revisions/{number}/",
        get=allow(MEMBERS),
        params={"pk": "strategy", "number": "revision_number"},
    ),
    api("/api/strategies/{pk}/timeline/", get=allow(MEMBERS), params={"pk": "strategy"}),
    api(
        "/api/strategies/{pk}/transition/",
        post=allow(ANALYSTS),
        params={"pk": "strategy_other"},
        bodies={"POST": lambda c: {"to_status": "discussion"}},
    ),
    api(
        "/api/strategies/{pk}/votes/",
        get=allow(MEMBERS),
        put=allow(OWNERS),
        delete=allow(OWNERS),
        params={"pk": "strategy_voting"},
        bodies={"PUT": lambda c: {"choice": "support"}},
    ),
    api(
        "/api/strategy-comments/{pk}/",
        get=allow(MEMBERS),
        patch=own_only(MEMBERS, not_own=FORBIDDEN),
        params={"pk": COMMENT},
        bodies={"PATCH": lambda c: {"body": "改过的评论"}},
    ),
    api(
        "/api/strategy-comments/{pk}/edits/",
        get=own_only(MEMBERS, all_for=ANALYSTS),
        params={"pk": HIDDEN_COMMENT},
        note="a hidden comment's earlier texts: its author and moderators only (as on the page)",
    ),
    api(
        "/api/strategy-comments/{pk}/hide/",
        post=allow(ANALYSTS),
        params={"pk": COMMENT},
        bodies={"POST": lambda c: {"reason": "离题"}},
    ),
    api("/api/strategy-comments/{pk}/unhide/", post=allow(ANALYSTS), params={"pk": HIDDEN_COMMENT}),
    # rules and evaluation
    api(
        "/api/rules/",
        get=allow(MEMBERS),
        post=allow(OWNERS),
        bodies={
            "POST": lambda c: {
                "strategy": c.obj("strategy").pk,
                "name": "矩阵规则",
                "trigger_event": "客户致电",
                "trigger_action": "发送短信",
                "implementing_system": "cmp",
                "timing": "non_instant",
                **({"owner": c.user.username} if c.role == MANAGER else {}),
            }
        },
    ),
    api(
        "/api/rules/{pk}/",
        get=allow(MEMBERS),
        patch=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        params={"pk": RULE},
        bodies={"PATCH": lambda c: {"name": "改名", "version": c.obj(RULE).version}},
    ),
    api(
        "/api/rules/{pk}/transitions/",
        get=allow(MEMBERS),
        post=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        params={"pk": "rule_live"},
        bodies={"POST": lambda c: {"to_status": "under_review"}},
    ),
    api(
        "/api/rules/{pk}/go-live-backfills/",
        get=allow(MEMBERS),
        post=own_only(OWNERS, all_for=MANAGERS, not_own=FORBIDDEN),
        params={"pk": "rule_live"},
        bodies={"POST": _go_live_backfill},
    ),
    api("/api/rules/{pk}/control-advice/", get=allow(MEMBERS), params={"pk": RULE}),
    api("/api/evaluation-portfolio/", get=allow(MEMBERS)),
    api(
        "/api/evaluation-runs/",
        get=allow(MEMBERS),
        post=own_only(EVALUATORS, all_for=ANALYSTS, not_own=FORBIDDEN),
        params={"rule": "rule_live"},
        bodies={"POST": lambda c: {"rule": c.obj("rule_live").pk}},
        note="on demand for one rule: analysts, managers and the rule's owner",
    ),
    api("/api/evaluation-runs/{pk}/", get=allow(MEMBERS), params={"pk": "evaluation_run"}),
    api("/api/rule-evaluations/", get=allow(MEMBERS)),
    api("/api/rule-evaluations/{pk}/", get=allow(MEMBERS), params={"pk": "rule_evaluation"}),
]

ENDPOINTS: list[Endpoint] = PAGES + APIS
ADMIN_PREFIX = "/admin/"
OWNED_KINDS = frozenset({REPORT, COMMENT, HIDDEN_COMMENT, RULE, NOTIFICATION, "rule_live", "export_job"})


# --- enumeration -------------------------------------------------------------------------------


def _normalise(route: str) -> str:
    """A route of the URL conf as a path template: "/sense/reports/{pk}/"; regex routes (DRF's
    routers) likewise; drf-spectacular's {id} is the router's {pk}."""
    path = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
    path = path.replace("{id}", "{pk}")
    return "/" + path.lstrip("/")


def walk_urlconf(patterns: Iterable[Any] | None = None, prefix: str = "") -> list[str]:
    """Every route of the URL conf (recursively, the API routers' included) as a path template.
    A format-suffix twin (`.json`, which the routers no longer make) would fold into its plain route."""
    routes: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            routes += walk_urlconf(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
                continue
            routes.append(_normalise(route))
    return sorted(set(routes))


def schema_operations(document: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Every (path template, METHOD) of the OpenAPI schema drf-spectacular generates."""
    if document is None:
        from drf_spectacular.generators import SchemaGenerator

        document = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in document["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append((_normalise(path), method.upper()))
    return sorted(operations)


def coverage_gaps(routes: Iterable[str], operations: Iterable[tuple[str, str]]) -> list[str]:
    """What the matrix does not cover (new routes or operations), and entries that name nothing."""
    by_path = {endpoint.path: endpoint for endpoint in ENDPOINTS}
    routes = list(routes)
    gaps = [
        f"URL route without a matrix entry: {route}"
        for route in routes
        if route not in by_path and not route.startswith(ADMIN_PREFIX)
    ]
    for path, method in operations:
        endpoint = by_path.get(path)
        if endpoint is None or not endpoint.api:
            gaps.append(f"API operation without a matrix entry: {method} {path}")
        elif method not in endpoint.methods:
            gaps.append(f"API operation without a matrix expectation: {method} {path}")
    known = set(routes)
    gaps += [f"matrix entry for a route that does not exist: {p}" for p in by_path if p not in known]
    return gaps


def admin_routes() -> list[str]:
    """The admin's pages without arguments (index, each model's list and add form): all behind
    one rule, staff only."""
    return [route for route in walk_urlconf() if route.startswith(ADMIN_PREFIX) and "{" not in route]


def admin_model_count() -> int:
    return len(admin_site._registry)
