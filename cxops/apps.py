from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FloorConfig(AppConfig):
    """An app of cxops (a floor).  When it starts, each module named in `registries` adds the
    floor's part to the ground floor's registries through its `register()`: `search_providers` its
    records and pages to the global search, `exports` its datasets to /exports/ and /api/exports/.
    `contribute()` wires the rest (panels, signals)."""

    default_auto_field = "django.db.models.BigAutoField"
    registries: tuple[str, ...] = ("search_providers", "exports")

    def ready(self) -> None:
        for module in self.registries:
            import_module(f"{self.name}.{module}").register()
        self.contribute()

    def contribute(self) -> None:
        """The floor's own wiring beyond the registries; nothing by default."""


class CxopsConfig(FloorConfig):
    name = "cxops"
    verbose_name = _("Customer experience")
    # Reports, issues and the ground floor's pages in the global search; its own export datasets
    # are registered beside the registry (cxops/selectors/exports.py).
    registries = ("search_providers",)

    def contribute(self) -> None:
        from cxops import tasks  # noqa: F401 -- registers the tasks that services enqueue by name
        from cxops.home import reports_home_panel
        from cxops.panels import register_home_panel
        from cxops.roles import sync_group_permissions

        register_home_panel(reports_home_panel, order=10)

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
