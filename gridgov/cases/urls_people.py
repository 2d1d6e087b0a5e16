"""URLs of the case pages (people): report, my cases, patrol, my queue, the case page."""

from django.urls import URLPattern, path

from gridgov.cases.views import case, people

urlpatterns: list[URLPattern] = [
    path("report/", people.report, name="case-report"),
    path("report/suggest/", people.suggest_categories, name="case-suggest"),
    path("mine/", people.mine, name="case-mine"),
    path("patrol/", people.patrol, name="case-patrol"),
    path("queue/", people.queue, name="case-queue"),
    path("<int:pk>/", case.case_detail, name="case-detail"),
    path("<int:pk>/act/<slug:action>/", case.case_act, name="case-act"),
    path("<int:pk>/photos/<int:photo_id>/", case.case_photo, name="case-photo"),
    path("<int:pk>/photos/<int:photo_id>/thumb/", case.case_thumb, name="case-thumb"),
]
