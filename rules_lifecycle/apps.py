from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesLifecycleConfig(AppConfig):
    name = "rules_lifecycle"
    verbose_name = _("Experience rules")
    default_auto_field = "django.db.models.BigAutoField"
