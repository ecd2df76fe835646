"""Only `rules_lifecycle.transitions.rule_transition` changes a rule's status.

A grep, done on the syntax tree so that formatting cannot hide an assignment: in every Python file
of the project (the apps, commands, scripts, benchmarks and tests), outside transitions.py and
migrations, nothing may

- assign `<something rule-ish>.status = …` (also `+=`, annotated, or `setattr(rule, "status", …)`),
- pass `status=` to `.update()`, `.create()`, `.get_or_create()`, `.update_or_create()`,
  `.bulk_create()` or a constructor on something rule-ish (`ExperienceRule(…)`,
  `ExperienceRule.objects…update(status=…)`, `rules.update(status=…)`),
- name "status" in a `bulk_update` of rules.

"Rule-ish" means the receiver's source text mentions "rule" — so a strategy's or an evaluation
run's own status is not caught, while every way of reaching a rule row is.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "rules_lifecycle" / "transitions.py"}
SCANNED_DIRS = ["cxops", "proposals", "rules_lifecycle", "scripts", "bench", "tests"]
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def _mentions_rule(node: ast.AST) -> bool:
    return "rule" in ast.unparse(node).lower()


def offences_in(source: str) -> list[str]:
    """Lines (as text) in `source` that write a rule's status."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr == "status" and _mentions_rule(sub.value):
                    found.append(ast.unparse(node))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value == "status" and _mentions_rule(node.args[0]):
                found.append(ast.unparse(node))
        writes_status = any(keyword.arg == "status" for keyword in node.keywords)
        writes_rows = (
            isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS and _mentions_rule(func.value)
        )
        builds_rule = isinstance(func, ast.Name) and func.id[:1].isupper() and "rule" in func.id.lower()
        if writes_status and (writes_rows or builds_rule):
            found.append(ast.unparse(node))
        bulk_updates_rules = (
            isinstance(func, ast.Attribute) and func.attr == "bulk_update" and _mentions_rule(func.value)
        )
        if bulk_updates_rules and any(
            isinstance(sub, ast.Constant) and sub.value == "status" for sub in ast.walk(node)
        ):
            found.append(ast.unparse(node))
    return found


def test_nothing_but_rule_transition_assigns_a_rule_status():
    offences = {}
    for directory in SCANNED_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if path in ALLOWED or "migrations" in path.parts or path == Path(__file__).resolve():
                continue
            found = offences_in(path.read_text(encoding="utf-8"))
            if found:
                offences[str(path.relative_to(ROOT))] = found
    assert offences == {}, "use rules_lifecycle.transitions.rule_transition to move a rule"


def test_the_allowed_file_does_assign_it():
    # the one allowed place really is where the assignment happens (so the scan looks at real code)
    source = (ROOT / "rules_lifecycle" / "transitions.py").read_text(encoding="utf-8")
    assert offences_in(source) == ["locked_rule.status = to_status"]


def test_the_scan_catches_every_way_of_writing_a_status():
    bad = [
        "rule.status = 'live'",
        "self.rule.status = RuleStatus.LIVE",
        "rule.status: str = 'live'",
        "setattr(rule, 'status', 'kept')",
        "ExperienceRule.objects.filter(pk=1).update(status='retired')",
        "rules.update(status='retired')",
        "ExperienceRule.objects.create(name='x', status='live')",
        "ExperienceRule(name='x', status='live')",
        "ExperienceRule.objects.bulk_update(rules, ['status'])",
        "ExperienceRule.objects.update_or_create(pk=1, defaults={}, status='live')",
    ]
    for line in bad:
        assert offences_in(line) != [], line


def test_the_scan_leaves_other_statuses_and_reads_alone():
    fine = [
        "strategy.status = 'accepted'",
        "run.status = 'done'",
        "ExperienceRule.objects.filter(status='live')",
        "rules.exclude(status='retired')",
        "if rule.status == 'live': pass",
        "Strategy.objects.filter(pk=1).update(status='accepted')",
        "rule_transition(rule=rule, to_status='live', actor=user)",
        "rule_list(status='live')",
    ]
    for line in fine:
        assert offences_in(line) == [], line
