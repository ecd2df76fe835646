"""The admin's user and group pages: every change to who may do what goes through
`cxops.services.access`, which refuses escalation and records the change.

For an administrator who is not a superuser the pages offer only what the service allows: the
business roles of ordinary accounts (not the admin role, not their own), the active flag; staff,
superuser and individual permissions are shown read-only; staff and superuser accounts and the
roles' permissions are read-only altogether.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cxops.admin_readonly import ReadOnlyAdmin
from cxops.client_address import client_address
from cxops.errors import ApplicationError
from cxops.models import AccessChange
from cxops.models import HomeRegion
from cxops.models import Region
from cxops.services.access import ROLES_ADMINS_MANAGE
from cxops.services.access import group_permissions_set
from cxops.services.access import may_manage_account
from cxops.services.access import user_access_check
from cxops.services.access import user_access_set
from cxops.services.access import user_region_check
from cxops.services.access import user_region_set

User = get_user_model()
ACCESS_FLAGS = ("is_staff", "is_superuser", "is_active")

admin.site.unregister(User)
admin.site.unregister(Group)


def _access_changes(request: Any, cleaned: dict[str, Any], stored: Any) -> dict[str, Any]:
    """The access the submitted form asks for (keys only for fields the form holds)."""
    changes: dict[str, Any] = {name: cleaned[name] for name in ACCESS_FLAGS if name in cleaned}
    if "groups" in cleaned:
        groups = list(cleaned["groups"])
        if not request.user.is_superuser:
            # The form offers only the roles an administrator manages: the others stay as they are.
            groups += [group for group in stored.groups.all() if group.name not in ROLES_ADMINS_MANAGE]
        changes["groups"] = groups
    if "user_permissions" in cleaned:
        changes["permissions"] = list(cleaned["user_permissions"])
    return changes


class AccessUserChangeForm(UserChangeForm):
    """The user form with the home region (not a column of the user: `HomeRegion`, written by
    `user_region_set`)."""

    home_region = forms.ModelChoiceField(
        label=_("Home region"),
        queryset=Region.objects.filter(is_active=True),
        required=False,
        empty_label=_("The whole province"),
        help_text=_("A city: the account sees, triages and imports only that city's reports and issues."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "home_region" in self.fields:
            home = (
                HomeRegion.objects.filter(user_id=self.instance.pk)
                .values_list("region_id", flat=True)
                .first()
            )
            self.fields["home_region"].initial = home


@admin.register(User)
class AccessUserAdmin(DjangoUserAdmin):
    form = AccessUserChangeForm

    def get_fieldsets(self, request: Any, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and (request.user.is_superuser or obj.pk != request.user.pk):
            fieldsets = [*fieldsets, (_("Region"), {"fields": ("home_region",)})]
        if obj is None or request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": tuple(f for f in options["fields"] if f != "user_permissions")})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return self.readonly_fields
        fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            fields += ["groups", "is_active"]
        return fields

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES_ADMINS_MANAGE).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage_account(request.user, obj))

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return obj.pk != request.user.pk and may_manage_account(request.user, obj)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form_class  # a new account starts with no access at all

        class CheckedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                stored = User.objects.get(pk=obj.pk)
                try:
                    user_access_check(
                        actor=request.user, user=stored, **_access_changes(request, cleaned, stored)
                    )
                    if "home_region" in cleaned:
                        region = cleaned["home_region"]
                        user_region_check(actor=request.user, user=stored, region=region)
                except ApplicationError as error:
                    raise ValidationError(error.message) from None
                return cleaned

        return CheckedForm

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if change:
            # Access is written by the service in save_related; this save keeps the stored values.
            stored = User.objects.get(pk=obj.pk)
            for name in ACCESS_FLAGS:
                setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        stored = User.objects.get(pk=form.instance.pk)
        access = _access_changes(request, form.cleaned_data, stored) if change else {}
        form.cleaned_data.pop("groups", None)
        form.cleaned_data.pop("user_permissions", None)
        super().save_related(request, form, formsets, change)
        try:
            if access:
                user_access_set(actor=request.user, user=stored, address=client_address(request), **access)
            if change and "home_region" in form.cleaned_data:
                user_region_set(
                    actor=request.user,
                    user=stored,
                    region=form.cleaned_data["home_region"],
                    address=client_address(request),
                )
        except ApplicationError as error:
            raise PermissionDenied(error.message) from None


@admin.register(Group)
class AccessGroupAdmin(DjangoGroupAdmin):
    """Roles are defined in code (cxops/roles.py); what each may do in the admin is a superuser's call."""

    def has_add_permission(self, request: Any) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return request.user.is_superuser

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            group_permissions_set(
                actor=request.user,
                group=form.instance,
                permissions=permissions,
                address=client_address(request),
            )


@admin.register(AccessChange)
class AccessChangeAdmin(ReadOnlyAdmin):
    """Append-only: read here, written only by cxops.services.access."""

    list_display = [
        "changed_at",
        "actor_name",
        "user_name",
        "group_name",
        "what",
        "before",
        "after",
        "address",
    ]
    list_filter = ["what", "source"]
    search_fields = ["actor_name", "user_name", "group_name", "what"]
