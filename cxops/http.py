"""The request type of signed-in pages.

`cxops.middleware.LoginRequiredMiddleware` sends every anonymous request for a page to the
sign-in page, so a page view's `request.user` is a `User`; annotating such a view's request as
`SignedInRequest` says so to the type checker (django-stubs' `HttpRequest.user` also allows
`AnonymousUser`)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class SignedInRequest(HttpRequest):
    user: User
