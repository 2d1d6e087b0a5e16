from django.contrib import admin

from gridgov.accounts.models import ApiToken, RoleAssignment
from gridgov.core.admin import ReadOnlyAdmin


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "street", "community", "grid", "active"]
    list_filter = ["role", "active"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
