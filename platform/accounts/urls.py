from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SiteLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path("token/", views.api_token, name="api_token"),
    path("courses/<str:code>/roster/", views.course_roster, name="course_roster"),
]
