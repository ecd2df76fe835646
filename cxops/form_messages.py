"""Django's own form and validator messages, reworded in plain Chinese.

Django's zh-hans catalogue says "确保该变量包含不超过 200 个字符 (目前字符数 230)。" — a programmer's
sentence.  Translations in LOCALE_PATHS take precedence over Django's, so naming the same msgids
here puts them in our catalogue (`scripts/i18n.py` extracts them, `translations/forms.json` words
them) and every form on every page speaks plainly.  Nothing imports this module at run time; the
msgids must stay character-for-character equal to Django's (tests/test_i18n.py checks they are
still Django's own).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop
from django.utils.translation import ngettext_lazy

DJANGO_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a list of values."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
