"""The import contracts hold: the floors (cxops <- proposals <- rules_lifecycle), the rooms inside
each app, no cycles.  They are declared in pyproject.toml ([tool.importlinter]) and checked by
import-linter; .ci/run runs `lint-imports` as a step too, this test puts it in every `pytest`."""

from pathlib import Path

from importlinter.application.use_cases import SUCCESS
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    configure()  # what the `lint-imports` command does first
    result = lint_imports(no_logo=True, cache_dir=None)
    assert result == SUCCESS, capsys.readouterr().out
