from django.contrib import admin

from gridgov.core.admin import ReadOnlyAdmin
from gridgov.open311.models import ApiKey, ServiceAttribute, ServiceRequestRecord


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "street",
        "prefix",
        "moderated",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["moderated", "street"]
    exclude = ["digest"]


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(ReadOnlyAdmin):
    list_display = ["category", "code", "datatype", "required", "order", "description"]
    list_filter = ["datatype", "required"]


@admin.register(ServiceRequestRecord)
class ServiceRequestRecordAdmin(ReadOnlyAdmin):
    list_display = ["case", "api_key", "held", "created_at"]
    list_filter = ["held"]
    search_fields = ["case__number", "token"]
