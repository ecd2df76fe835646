"""zh-hans is complete and its compiled catalogue is current."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [
        e.msgid for e in catalogue if not (e.msgstr or (e.msgstr_plural and e.msgstr_plural.get(0)))
    ]
    assert untranslated == [], "run scripts/i18n.py after adding translations"


def test_compiled_catalogue_matches_the_po_file():
    source = {
        e.msgid: e.msgstr or e.msgstr_plural.get(0, "") for e in polib.pofile(str(LOCALE / "django.po"))
    }
    compiled = {
        e.msgid: e.msgstr or e.msgstr_plural.get(0, "") for e in polib.mofile(str(LOCALE / "django.mo"))
    }
    compiled.pop("", None)
    assert compiled == source, "the .mo is stale: run scripts/i18n.py and commit locale/"
