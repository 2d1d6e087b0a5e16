"""URLs of the insights pages: the dashboard, its Excel exports, the hot spots."""

from django.urls import URLPattern, path

from gridgov.insights import views

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="insights-dashboard"),
    path("export/<slug:name>.xlsx", views.export, name="insights-export"),
    path("hotspots/", views.hotspots, name="insights-hotspots"),
    path("hotspots/open/", views.open_hotspot, name="insights-hotspot-open"),
    path("report/", views.weekly_report, name="insights-report"),
    path("report.xlsx", views.weekly_report_file, {"kind": "xlsx"}, name="insights-report-xlsx"),
    path("report.pdf", views.weekly_report_file, {"kind": "pdf"}, name="insights-report-pdf"),
]
