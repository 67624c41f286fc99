from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("courses/<str:code>/mine/", views.my_project, name="my_project"),
    path("courses/<str:code>/", views.course_projects, name="course_projects"),
    path("courses/<str:code>/milestones/", views.milestones, name="milestones"),
    path("<int:project_id>/members/", views.member_change, name="member_change"),
    path("invitations/<int:invitation_id>/", views.invitation_answer, name="invitation_answer"),
    path("<int:project_id>/milestones/<int:milestone_id>/submit/", views.submit, name="submit"),
    path("<int:project_id>/milestones/<int:milestone_id>/grade/", views.grade, name="grade"),
    path("submissions/<int:submission_id>/report.pdf", views.submission_pdf, name="submission_pdf"),
    path("submissions/<int:submission_id>/commit.tar.gz", views.commit_archive, name="commit_archive"),
]
