"""Seed the provider: a person in a group, and cxops registered as a confidential client.

OIDC_PROVIDER_DB=… python -m tests.sign_on.oidc_provider.seed REDIRECT_URI CLIENT_ID CLIENT_SECRET
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sign_on.oidc_provider.settings")
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from oidc_provider.models import Client  # noqa: E402
from oidc_provider.models import ResponseType  # noqa: E402

redirect_uri, client_id, client_secret = sys.argv[1:4]
person = User.objects.create_user(
    "zhang.wei",
    email="zhang.wei@provider.test",
    password="pw-provider-1",
    first_name="Wei",
    last_name="Zhang",
)
person.groups.add(Group.objects.create(name="cx-analysts"), Group.objects.create(name="staff-all"))
client = Client.objects.create(
    name="cxops",
    client_type="confidential",
    client_id=client_id,
    client_secret=client_secret,
    jwt_alg="RS256",
    redirect_uris=[redirect_uri],
    require_consent=False,
    reuse_consent=True,
    _scope="openid email profile groups",
)
client.response_types.add(ResponseType.objects.get(value="code"))
