from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Strategy pool")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cxops.panels import register_home_panel, register_issue_panel

        from .home import strategies_home_panel
        from .panels import issue_strategies_panel

        register_issue_panel(issue_strategies_panel, order=10)
        register_home_panel(strategies_home_panel, order=20)

        from .search_providers import register as register_search

        register_search()  # strategies and the pool's pages in the global search

        from .exports import register as register_exports

        register_exports()  # this floor's datasets in /exports/ and /api/exports/
