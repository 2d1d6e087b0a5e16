from django.contrib import admin

from gridgov.core.admin import ReadOnlyAdmin
from gridgov.places.models import (
    Building,
    Community,
    Department,
    Grid,
    Household,
    Organisation,
    Street,
)

admin.site.register(Street, ReadOnlyAdmin)


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "street"]


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "community", "area_m2"]
    list_filter = ["street", "community"]
    exclude = ["geometry"]


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["name", "address", "grid"]
    list_filter = ["street", "community"]
    search_fields = ["name", "address"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["building", "dwelling", "size"]
    search_fields = ["building__name", "dwelling"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "building"]
    list_filter = ["kind", "street"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "street"]
