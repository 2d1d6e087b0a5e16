from django.contrib import admin

from gridgov.core.admin import ReadOnlyAdmin
from gridgov.hotline.models import HotlineCategoryMapping, HotlineOrder


@admin.register(HotlineOrder)
class HotlineOrderAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "street", "case", "hotline_code", "received_at", "deadline"]
    list_filter = ["street"]
    search_fields = ["order_number", "case__number"]


@admin.register(HotlineCategoryMapping)
class HotlineCategoryMappingAdmin(ReadOnlyAdmin):
    list_display = ["street", "hotline_code", "hotline_name", "category", "updated_at"]
    list_filter = ["street"]
