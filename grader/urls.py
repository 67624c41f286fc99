"""Pages of the grader, mounted at /grader/."""

from django.urls import path

from grader import manual_grading_views, views

app_name = "grader"
urlpatterns = [
    path("", views.assignment_list, name="assignments"),
    path("queue/", views.grading_queue, name="queue"),
    path("courses/<str:code>/assignments/new/", views.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/edit/", views.assignment_edit, name="assignment_edit"),
    path("assignments/<int:pk>/mine.json", views.my_submissions_status, name="my_submissions_status"),
    path("assignments/<int:pk>/files/<str:name>", views.public_file, name="public_file"),
    path("assignments/<int:pk>/assets/<str:asset>", views.asset_download, name="asset"),
    path("assignments/<int:pk>/assets/<str:asset>/remove/", views.asset_remove_view, name="asset_remove"),
    path("assignments/<int:pk>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("assignments/<int:pk>/runtime/", views.assignment_runtime, name="runtime"),
    path("assignments/<int:pk>/regrade/", views.assignment_regrade_view, name="regrade"),
    path("assignments/<int:pk>/students/", views.assignment_students, name="students"),
    path("assignments/<int:pk>/results.csv", views.assignment_results_csv, name="results_csv"),
    path("assignments/<int:pk>/students/<int:user_id>/", views.student_history, name="student_history"),
    path("assignments/<int:pk>/grading/", manual_grading_views.grading_overview, name="grading"),
    path(
        "assignments/<int:pk>/grading/<int:user_id>/",
        manual_grading_views.grading_student,
        name="grading_student",
    ),
    path("assignments/<int:pk>/my-grade/", manual_grading_views.my_grade, name="my_grade"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/status.json", views.submission_status, name="submission_status"),
    path("submissions/<int:pk>/file", views.submission_file, name="submission_file"),
    path("submissions/<int:pk>/notebook.html", views.submission_notebook, name="submission_notebook"),
]
