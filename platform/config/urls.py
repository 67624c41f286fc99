from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api

api_patterns: list[URLPattern | URLResolver] = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("courses/<str:code>/roster/", accounts_api.CourseRosterView.as_view(), name="api-course-roster"),
    path("", include("quizzes.api_urls")),
    path("", include("grader.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("grader/", include("grader.urls")),
    path("projects/", include("projects.urls")),
    path("gradebook/", include("gradebook.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Deep Learning in practice — administration"
admin.site.site_title = "DL in practice admin"
