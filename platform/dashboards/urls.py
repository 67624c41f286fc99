"""Dashboards, mounted at /dashboards/."""

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("courses/<str:code>/", views.course, name="course"),
]
