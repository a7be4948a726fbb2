"""User administration for the three IT administrators (三员分立), in Django's admin.

Permissions come from roles, not from Django's per-model permission tables: the system
administrator manages users and organisations; the security administrator manages memberships
(who holds which role where) and API tokens; the audit administrator reads the security log.
None of them sees business records (no registry model is registered here), and none can change
their own memberships. Every membership change is written to the security log.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from fangguan.core.audit import log_security
from fangguan.core.models import SecurityAction, SecurityEvent

from .choices import Role
from .models import ApiToken, Membership, Organisation, User
from .roles import has_role


def _may(request, *roles: str) -> bool:
    return request.user.is_active and has_role(request.user, *roles)


class RoleAdminSite(admin.AdminSite):
    site_header = "智慧房管 · 系统管理"
    site_title = "智慧房管"

    def has_permission(self, request):
        return _may(request, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)

    def login(self, request, extra_context=None):
        """One login page for everyone (the platform's), not the admin's own. A logged-in user
        who is not an IT administrator (an auditor) gets 403: sending them to the login page would
        send them straight back here, for ever (the login page returns a logged-in user to ``next``)."""
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        if request.user.is_authenticated:
            raise PermissionDenied(_("User administration is for the IT administrators only. "
                                     "Auditors find the change log and the security log under Audit in the menu."))
        return redirect_to_login(request.GET.get("next") or request.get_full_path())


class RoleModelAdmin(admin.ModelAdmin):
    """Who may view and who may change, by role."""

    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()

    def has_module_permission(self, request):
        return _may(request, *self.readers, *self.writers)

    def has_view_permission(self, request, obj=None):
        return _may(request, *self.readers, *self.writers)

    def has_add_permission(self, request):
        return _may(request, *self.writers)

    def has_change_permission(self, request, obj=None):
        return _may(request, *self.writers)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: history names them


class UserAdmin(RoleModelAdmin, DjangoUserAdmin):
    readers = (Role.SECURITY_ADMIN,)
    writers = (Role.SYSTEM_ADMIN,)
    list_display = ("username", "display_name", "is_active", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = (
        (None, {"fields": ("username", "password", "display_name", "is_active")}),
        ("登录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sorted(f for f in form.changed_data if f not in ("password", "password1", "password2"))
        log_security(actor=request.user, action=SecurityAction.ACCOUNT_CHANGE, instance=obj, object_type="user",
                     detail={"user": obj.username, "created": not change, "changed": changed,
                             "active": obj.is_active})
        if change and (not obj.is_active or "password" in form.changed_data):
            from .services import account_access_revoke

            account_access_revoke(user=obj, reason="deactivation" if not obj.is_active else "password reset")


class OrganisationAdmin(RoleModelAdmin):
    readers = (Role.SECURITY_ADMIN,)
    writers = (Role.SYSTEM_ADMIN,)
    list_display = ("name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    raw_id_fields = ("town", "neighbourhood", "company", "owners_committee")

    def save_model(self, request, obj, form, change):
        """Through ``services.organisation_save``: logged as a record change and, because the
        organisation's kind and link decide what its staff see, as a permission change."""
        from fangguan.core.audit import snapshot

        from .services import organisation_save

        before = snapshot(Organisation.objects.get(pk=obj.pk)) if change else None
        organisation_save(actor=request.user, organisation=obj, before=before)


class MembershipAdmin(RoleModelAdmin):
    readers = (Role.SYSTEM_ADMIN,)
    writers = (Role.SECURITY_ADMIN,)
    list_display = ("user", "organisation", "role", "may_reveal", "active")
    list_filter = ("role", "may_reveal", "active")
    search_fields = ("user__username", "organisation__name")
    raw_id_fields = ("user", "organisation")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False  # nobody changes their own roles
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if obj.user_id == request.user.pk:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        super().save_model(request, obj, form, change)
        log_security(actor=request.user, action=SecurityAction.PERMISSION_CHANGE, instance=obj, object_type="membership",
                     detail={"user": obj.user.username, "organisation": obj.organisation.name, "role": obj.role,
                             "may_reveal": obj.may_reveal, "active": obj.active, "changed": sorted(form.changed_data)})


class ApiTokenAdmin(RoleModelAdmin):
    readers = ()
    writers = (Role.SECURITY_ADMIN,)
    list_display = ("prefix", "user", "scope", "client", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    readonly_fields = ("user", "prefix", "scope", "client", "created_at", "expires_at", "last_used_at")
    exclude = ("key_hash",)

    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="吊销所选令牌 Revoke the selected tokens")
    def revoke(self, request, queryset):
        from .services import token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token=token)


class SecurityEventAdmin(RoleModelAdmin):
    """The security log, read-only, for the audit administrator (auditors read it through the API)."""

    readers = (Role.AUDIT_ADMIN,)
    list_display = ("at", "actor_name", "source_ip", "action", "object_type", "object_id", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("actor_name", "source_ip", "request_id")
    date_hierarchy = "at"

    actions = ["export_csv"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="导出所选记录 Export the selected events (CSV)")
    def export_csv(self, request, queryset):
        from django.utils import timezone

        from fangguan.core.exports import file_response

        fields = ["at", "actor_name", "source_ip", "action", "object_type", "object_id", "outcome", "detail",
                  "request_id"]
        rows = [[getattr(e, f) for f in fields] for e in queryset.order_by("at")]
        log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="securityevent",
                     detail={"rows": len(rows)})
        return file_response("csv", f"security-log-{timezone.localtime():%Y%m%d-%H%M}", fields, rows)


site = RoleAdminSite(name="admin")
site.register(User, UserAdmin)
site.register(Organisation, OrganisationAdmin)
site.register(Membership, MembershipAdmin)
site.register(ApiToken, ApiTokenAdmin)
site.register(SecurityEvent, SecurityEventAdmin)
