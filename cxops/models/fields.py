"""References to accounts and to reference data, declared once for every app's models.

Most tables record who did something (created, changed, voted, acknowledged): a foreign key to
the user model with no reverse accessor on the user (`related_name="+"`).  Two policies cover them:

- `user_reference`: the act needs an account and the record must keep it, so the account cannot
  be deleted while the record stands (PROTECT; deactivate the account instead).
- `optional_user_reference`: the account may be missing (an act not yet done, or a record that
  outlives the account: SET_NULL, and the record keeps the name where it must still read).

Any option (`on_delete`, `related_name`, `db_index`, `db_constraint`, …) can still be given; the
columns are exactly those of a `models.ForeignKey(settings.AUTH_USER_MODEL, …)` written out.

`reference_to` is the same for products, channels, segments and regions (`reference.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .reference import ReferenceItem


def user_reference(
    verbose_name: str | _StrPromise | None = None,
    *,
    on_delete: Callable[..., None] = models.PROTECT,
    related_name: str = "+",
    **options: Any,
) -> models.ForeignKey[Any, Any]:
    """The account that did something, required (PROTECT unless told otherwise)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=on_delete,
        related_name=related_name,
        **options,
    )


def optional_user_reference(
    verbose_name: str | _StrPromise | None = None,
    *,
    on_delete: Callable[..., None] = models.SET_NULL,
    related_name: str = "+",
    **options: Any,
) -> models.ForeignKey[Any, Any]:
    """The account that did something, or none (SET_NULL unless told otherwise)."""
    return user_reference(
        verbose_name, on_delete=on_delete, related_name=related_name, null=True, blank=True, **options
    )


def reference_to(
    to: type[ReferenceItem],
    *,
    related_name: str,
    on_delete: Callable[..., None] = models.PROTECT,
    **options: Any,
) -> models.ForeignKey[Any, Any]:
    """A record's product, channel, segment or region: named as that reference model is ("product",
    "channel", …) and, unless told otherwise, keeping it (PROTECT: reference rows that records use
    are deactivated, not deleted)."""
    return models.ForeignKey(
        to, verbose_name=to._meta.verbose_name, on_delete=on_delete, related_name=related_name, **options
    )
