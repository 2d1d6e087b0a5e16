from django.contrib import admin

from gridgov.core.admin import ReadOnlyAdmin
from gridgov.party.models import PartyMember, PartyOrganisation


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind", "street"]
    search_fields = ["name"]


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "branch", "status"]
    list_filter = ["status", "street"]
    search_fields = ["name"]
