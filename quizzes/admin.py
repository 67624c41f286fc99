"""Admin for every quizzes model; players and answers are searchable by Neptun code."""

from django.contrib import admin

from quizzes.models import Answer, CourseHall, Game, Player, Question, Quiz


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        "position",
        "kind",
        "text",
        "choices",
        "answer_number",
        "tolerance",
        "generator",
        "notation",
        "explanation",
        "time_limit",
        "points",
        "image",
    ]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "owner", "updated_at"]
    list_filter = ["course"]
    search_fields = ["title", "description"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "time_limit", "points"]
    list_filter = ["kind", "quiz"]
    search_fields = ["text", "generator"]


class PlayerInline(admin.TabularInline):
    model = Player
    extra = 0
    fields = ["neptun_code", "display_name", "score", "streak", "takeovers", "removed_at"]
    readonly_fields = ["neptun_code", "display_name", "score", "streak", "takeovers", "removed_at"]


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ["pin", "quiz", "course", "host", "phase", "question_index", "created_at"]
    list_filter = ["phase", "course"]
    search_fields = ["pin", "quiz__title", "players__neptun_code"]
    readonly_fields = ["key", "question_ids", "question_opened_at", "deadline", "started_at", "finished_at"]
    inlines = [PlayerInline]


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    list_display = ["neptun_code", "display_name", "game", "score", "streak", "removed_at"]
    search_fields = ["neptun_code", "display_name", "game__pin"]
    readonly_fields = ["seat_token"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["player", "game", "question_index", "correct", "points", "bonus", "response_ms"]
    list_filter = ["correct"]
    search_fields = ["player__neptun_code", "game__pin"]


@admin.register(CourseHall)
class CourseHallAdmin(admin.ModelAdmin):
    list_display = ["course", "board_names"]
