"""REST API routes of the grader, mounted under /api/."""

from django.urls import path

from grader import api

urlpatterns = [
    path("assignments/", api.AssignmentListView.as_view(), name="api-assignments"),
    path(
        "assignments/<int:pk>/submissions/",
        api.AssignmentSubmissionsView.as_view(),
        name="api-assignment-submissions",
    ),
    path(
        "assignments/<int:pk>/leaderboard/", api.LeaderboardView.as_view(), name="api-assignment-leaderboard"
    ),
    path("submissions/<int:pk>/", api.SubmissionDetailView.as_view(), name="api-submission"),
]
