from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts import api as accounts_api

api_patterns: list[URLPattern | URLResolver] = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("courses/<str:code>/roster/", accounts_api.CourseRosterView.as_view(), name="api-course-roster"),
    path("", include("quizzes.api_urls")),
    path("", include("grader.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy forbids inline ones.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
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
    path("lifecycle/", include("lifecycle.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    # The live quiz's JavaScript strings (the djangojs catalogue) in the request's language. Not cached on
    # purpose: it is a few KB built from the .mo in a millisecond, and the language is the account's choice,
    # so a page cache or a long browser max-age would serve a language switcher's old language.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["quizzes", "grader"]), name="javascript-catalog"),
]

# Under /api/ these answer JSON ({"detail", "code"}); elsewhere Django's pages.
handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.page_not_found"
handler500 = "core.api.server_error"
