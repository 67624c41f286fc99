from django.urls import path

from quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("", views.quiz_list, name="quiz_list"),
    path("import/", views.quiz_import_view, name="quiz_import"),
    path("play/", views.play, name="play"),
    path("join/", views.play, name="join"),
    path("<int:quiz_id>/", views.quiz_edit, name="quiz_edit"),
    path("<int:quiz_id>/export.yaml", views.quiz_export, name="quiz_export"),
    path("<int:quiz_id>/questions/new/", views.question_edit, name="question_new"),
    path("<int:quiz_id>/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path("<int:quiz_id>/questions/<int:question_id>/action/", views.question_action, name="question_action"),
    path("<int:quiz_id>/games/new/", views.game_start, name="game_start"),
    path("games/<int:game_id>/host/", views.game_host, name="game_host"),
    path("games/<int:game_id>/results/", views.game_results, name="game_results"),
    path("games/<int:game_id>/results/remove/", views.game_player_remove, name="game_player_remove"),
    path("games/<int:game_id>/results.<str:fmt>", views.game_results_export, name="game_results_export"),
    path("courses/<str:code>/hall/", views.course_hall, name="course_hall"),
    path("courses/<str:code>/practice/", views.course_practice, name="course_practice"),
    path("practice/", views.practice_home, name="practice_home"),
    path("generators/<str:generator>/preview/", views.generator_preview, name="generator_preview"),
    path("practice/<str:generator>/", views.practice_topic, name="practice_topic"),
]
