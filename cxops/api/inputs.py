"""Input serializers that refuse what they do not accept.

DRF drops keys a serializer does not declare.  For an API that decides who owns what and which
rules run, silently ignoring `owner`, `status`, `version` or a misspelt field hides mistakes (the
client believes it set something) and invites probing, so every request body is read by a
`StrictInputSerializer`: an undeclared or read-only key is a 400 naming the key, and nothing is
written.  Query-string serializers stay lenient (pagination and format parameters share the
query string).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = sorted(key for key in data if key not in writable)
            if refused:
                raise serializers.ValidationError({key: [self.refused_field_message(key)] for key in refused})
        return super().to_internal_value(data)

    def refused_field_message(self, key: str) -> str:
        if key in self.fields:
            return _("This field is read-only.")
        return _("Unknown field: it is not accepted here.")
