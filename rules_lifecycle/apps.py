from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesLifecycleConfig(AppConfig):
    name = "rules_lifecycle"
    verbose_name = _("Experience rules")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cxops.panels import register_home_panel, register_issue_panel
        from proposals.panels import register_strategy_panel

        from . import tasks  # noqa: F401 -- registers the tasks that services enqueue by name
        from .home import rules_home_panel
        from .panels import issue_rules_panel, strategy_rules_panel

        register_issue_panel(issue_rules_panel, order=20)
        register_strategy_panel(strategy_rules_panel, order=10)

        from .search_providers import register as register_search

        register_search()  # rules and the rules pages in the global search

        from .exports import register as register_exports

        register_exports()  # this floor's datasets in /exports/ and /api/exports/
        register_home_panel(rules_home_panel, order=30)
