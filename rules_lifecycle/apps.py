from django.utils.translation import gettext_lazy as _

from cxops.apps import FloorConfig


class RulesLifecycleConfig(FloorConfig):
    name = "rules_lifecycle"
    verbose_name = _("Experience rules")

    def contribute(self) -> None:
        from cxops.panels import register_home_panel
        from cxops.panels import register_issue_panel
        from proposals.panels import register_strategy_panel

        from . import tasks  # noqa: F401 -- registers the tasks that services enqueue by name
        from .home import rules_home_panel
        from .panels import issue_rules_panel
        from .panels import strategy_rules_panel

        register_issue_panel(issue_rules_panel, order=20)
        register_strategy_panel(strategy_rules_panel, order=10)
        register_home_panel(rules_home_panel, order=30)
