"""simple-history's admin "revert" is a write no service sees: refused on every admin.

`SimpleHistoryAdmin.history_form_view` saves the chosen historical version on POST after checking
only that the user may *view* the object (simple-history 3.13), so a read-only admin — rules,
reports — could be rewritten to any past state, around the rule transitions, the rollups and the
phone masking.  No admin in cxops offers revert (SIMPLE_HISTORY_REVERT_DISABLED hides the button);
this makes the refusal real for every SimpleHistoryAdmin, of every app, present and future, in one
place rather than in each admin class.  Viewing a past version (GET) is unchanged.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

_library_history_form_view = SimpleHistoryAdmin.history_form_view


@wraps(_library_history_form_view)
def history_form_view(
    self: Any, request: Any, object_id: Any, version_id: Any, extra_context: Any = None
) -> Any:
    if request.method not in ("GET", "HEAD"):
        raise PermissionDenied
    return _library_history_form_view(self, request, object_id, version_id, extra_context)


SimpleHistoryAdmin.history_form_view = history_form_view  # type: ignore[method-assign]
