from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CxopsConfig(AppConfig):
    name = "cxops"
    verbose_name = _("Customer experience")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cxops import tasks  # noqa: F401 -- registers the tasks that services enqueue by name
        from cxops.home import reports_home_panel
        from cxops.panels import register_home_panel
        from cxops.roles import sync_group_permissions

        register_home_panel(reports_home_panel, order=10)

        from cxops.search_providers import register as register_search

        register_search()  # reports, issues and the ground floor's pages in the global search

        from cxops.panels import register_issue_panel
        from cxops.views.issue_clock import issue_clock_panel

        register_issue_panel(issue_clock_panel, order=0)  # owner and due time, first on the page

        from cxops.api.auth import connect_signals

        connect_signals()  # cached API sign-ins go stale when users, groups or tokens change

        from cxops.services import audit

        audit.connect_signals()  # sign-in, sign-out and failures go to the audit log

        from cxops.selectors import reference

        reference.connect_signals()  # kept reference rows are dropped when one changes

        from django.db.backends.signals import connection_created

        from cxops.db import register_lenient_date_loaders

        # A date stored outside Python's range (1 BC) reads as the nearest one, not a 500 (cxops/db.py).
        connection_created.connect(register_lenient_date_loaders, dispatch_uid="cxops.lenient_date_loaders")

        # Infrastructure, not domain logic: keeps the admin group's permissions complete.
        post_migrate.connect(sync_group_permissions, dispatch_uid="cxops.sync_group_permissions")
        # Regions are reference data every record needs: back after a flush (test databases).
        post_migrate.connect(_seed_regions, sender=self, dispatch_uid="cxops.seed_regions")


def _seed_regions(**_kwargs) -> None:
    from cxops.services.reference import regions_seed

    regions_seed()
