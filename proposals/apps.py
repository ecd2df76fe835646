from django.utils.translation import gettext_lazy as _

from cxops.apps import FloorConfig


class ProposalsConfig(FloorConfig):
    name = "proposals"
    verbose_name = _("Strategy pool")

    def contribute(self) -> None:
        from cxops.panels import register_home_panel
        from cxops.panels import register_issue_panel

        from .home import strategies_home_panel
        from .panels import issue_strategies_panel

        register_issue_panel(issue_strategies_panel, order=10)
        register_home_panel(strategies_home_panel, order=20)
