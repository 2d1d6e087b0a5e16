"""URLs of the case pages (staff): the workbench, the ledger and its exports, the map, the rules."""

from django.urls import URLPattern, path

from gridgov.cases.views import staff, staff_rules

urlpatterns: list[URLPattern] = [
    path("workbench/", staff.workbench, name="case-workbench"),
    path("ledger/", staff.ledger, name="case-ledger"),
    path("ledger/cases.xlsx", staff.ledger_export, name="case-ledger-export"),
    path("ledger/events.xlsx", staff.ledger_events_export, name="case-ledger-events-export"),
    path("map/", staff.case_map, name="case-map"),
    path("map/cases.json", staff.case_map_data, name="case-map-data"),
    path("rules/", staff_rules.routing_rules, name="case-rules"),
]
