"""Django admin for operators: read-only, because every write goes through an action."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gridgov.core.models import AuditLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only; changes are made in the product's pages, CLI or API."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id"]
