"""Lower floors never import higher ones: cxops → proposals → rules_lifecycle."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's wiring (settings, root URL conf) names every app by design.
WIRING = {ROOT / "cxops" / "settings.py", ROOT / "cxops" / "urls.py"}


def _imports(app: str, forbidden: tuple[str, ...]) -> list[str]:
    offenders = []
    pattern = re.compile(r"^\s*(from|import)\s+(" + "|".join(forbidden) + r")\b", re.MULTILINE)
    for path in (ROOT / app).rglob("*.py"):
        if path in WIRING:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    return offenders


def test_ground_floor_imports_no_higher_app():
    assert _imports("cxops", ("proposals", "rules_lifecycle")) == []


def test_proposals_does_not_import_rules():
    assert _imports("proposals", ("rules_lifecycle",)) == []
