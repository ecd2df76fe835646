#!/usr/bin/env python
"""Regenerate the zh-hans catalogue: extract messages, fill them, compile.

Translations are kept per area in `locale/zh_Hans/translations/*.json` (English msgid → Chinese),
so several people can translate their own pages without editing one .po file at once; the .po
and .mo files are generated from them and committed.  Prints every message still untranslated
and exits 1 if there is any, so "zh-hans complete" is checked, not hoped for.

    .venv/bin/python scripts/i18n.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ROOT / "locale" / "zh_Hans" / "translations"
IGNORE = [".venv", "staticfiles", "tests", "bench", "node_modules", "scripts", "docs"]


def main() -> int:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cxops.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    ignores = [arg for name in IGNORE for arg in ("--ignore", name)]
    subprocess.run(
        [*manage, "makemessages", "-l", "zh_Hans", "--no-obsolete", *ignores], cwd=ROOT, env=env, check=True
    )

    translations: dict[str, str] = {}
    for source in sorted(SOURCES.glob("*.json")):
        translations.update(json.loads(source.read_text(encoding="utf-8")))

    catalogue = polib.pofile(str(PO))
    catalogue.metadata["Language"] = "zh_Hans"
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in catalogue:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        text = translations.get(entry.msgid, "")
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if not text:
            missing.append(entry.msgid)
    catalogue.save(str(PO))
    subprocess.run(
        [*manage, "compilemessages", "-l", "zh_Hans", *ignores],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(catalogue) - len(missing)} of {len(catalogue)} messages translated")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
