from django.urls import path

from gridgov.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
