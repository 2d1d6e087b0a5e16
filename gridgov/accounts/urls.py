"""URLs of the people pages; included at "people/" by gridgov/web/urls.py."""

from django.urls import path

from gridgov.accounts import views

urlpatterns = [
    path("", views.people_list, name="people"),
    path("new/", views.people_new, name="people-new"),
    path("<int:pk>/", views.people_detail, name="people-detail"),
    path("<int:pk>/roles/", views.people_role_add, name="people-role-add"),
    path(
        "<int:pk>/roles/<int:assignment_pk>/revoke/",
        views.people_role_revoke,
        name="people-role-revoke",
    ),
    path("<int:pk>/password/", views.people_password, name="people-password"),
]
