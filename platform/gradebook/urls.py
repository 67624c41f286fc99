from django.urls import path

from gradebook import views

app_name = "gradebook"
urlpatterns = [
    path("", views.index, name="index"),
    path("courses/<str:code>/", views.course_table, name="course"),
    path("courses/<str:code>/export.csv", views.export_csv, name="export_csv"),
    path("courses/<str:code>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("courses/<str:code>/weights/", views.weights, name="weights"),
    path("courses/<str:code>/rules/", views.rules, name="rules"),
    path("courses/<str:code>/mine/", views.my_grades, name="my_grades"),
    path("courses/<str:code>/students/<str:neptun_code>/", views.student_detail, name="student"),
    path(
        "courses/<str:code>/students/<str:neptun_code>/adjustments/",
        views.adjustment_new,
        name="adjustment_new",
    ),
    path("adjustments/<int:pk>/withdraw/", views.adjustment_withdraw_view, name="adjustment_withdraw"),
]
