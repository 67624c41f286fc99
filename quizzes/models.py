"""Quizzes and their questions; live games, the players' seats and their answers.

A game's state lives in its row (phase, question index, when the question opened and when it
closes), so any ASGI process can serve any game and a restarted process picks the game up again.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quizzes.game import MAX_TIME_LIMIT, MIN_TIME_LIMIT, Phase

# The game phases as the instructor's pages show them: {% translate game.phase context "game phase" %}.
GAME_PHASE_LABELS = (
    pgettext_lazy("game phase", "lobby"),
    pgettext_lazy("game phase", "question"),
    pgettext_lazy("game phase", "reveal"),
    pgettext_lazy("game phase", "scoreboard"),
    pgettext_lazy("game phase", "finished"),
)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple select")
    TRUE_FALSE = "truefalse", _("True / false")
    NUMERIC = "numeric", _("Numeric type-answer")
    PARAMETRIC = "parametric", _("Parametric (a variant per student)")
    POLL = "poll", _("Poll (no correct answer)")


class QuestionPoints(models.IntegerChoices):
    STANDARD = 1000, _("Standard (1000)")
    DOUBLE = 2000, _("Double (2000)")
    NONE = 0, _("No points")


class Quiz(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    course = models.ForeignKey(
        "accounts.Course", on_delete=models.PROTECT, related_name="quizzes", null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quizzes", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a quiz. Math is LaTeX between $…$ (inline) or $$…$$ (display)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text = models.TextField(
        blank=True, help_text="LaTeX math between $…$; parametric questions may be empty."
    )
    choices = models.JSONField(
        default=list, blank=True, help_text='A list of {"text": "…", "correct": true/false}.'
    )
    answer_number = models.FloatField(null=True, blank=True, help_text="Numeric questions: the answer.")
    tolerance = models.FloatField(default=0, validators=[MinValueValidator(0)])
    generator = models.CharField(max_length=60, blank=True, help_text="Parametric questions: generator name.")
    notation = models.CharField(max_length=20, default="lecture", blank=True)
    # Parametric questions: "lecture" draws only the slide's formula, "advanced" also dilation,
    # groups, "same", ceil mode (quizzes/generators/scope.py). Questions from before scopes: advanced.
    scope = models.CharField(
        max_length=20,
        choices=[("lecture", "lecture"), ("advanced", "advanced")],
        default="lecture",
        help_text="Parametric questions: lecture scope or the advanced forms.",
    )
    explanation = models.TextField(blank=True, help_text="Shown at the reveal.")
    time_limit = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(MIN_TIME_LIMIT), MaxValueValidator(MAX_TIME_LIMIT)]
    )
    points = models.PositiveSmallIntegerField(choices=QuestionPoints.choices, default=QuestionPoints.STANDARD)
    image = models.ImageField(upload_to="quizzes/", blank=True)

    class Meta:
        ordering = ["quiz", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position + 1}. {(self.text or self.generator)[:60]}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from quizzes.authoring import question_problems

        problems = question_problems(
            kind=self.kind,
            text=self.text,
            choices=self.choices,
            answer_number=self.answer_number,
            tolerance=self.tolerance,
            generator=self.generator,
            notation=self.notation,
            scope=self.scope,
            time_limit=self.time_limit,
            points=self.points,
        )
        if problems:
            raise ValidationError(problems)


class Game(models.Model):
    """One live run of a quiz. The row is the game's state; see quizzes/game.py for the rules."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="games")
    course = models.ForeignKey(
        "accounts.Course", on_delete=models.PROTECT, related_name="quiz_games", null=True, blank=True
    )
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_games")
    pin = models.CharField(max_length=6, db_index=True)
    key = models.CharField(max_length=32, unique=True, help_text="Seeds the players' variants.")
    phase = models.CharField(max_length=20, choices=[(p.value, p.value) for p in Phase], default=Phase.LOBBY)
    question_ids = models.JSONField(default=list, help_text="The quiz's questions, in order, at the start.")
    question_index = models.IntegerField(default=-1)
    question_opened_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    speed_scoring = models.BooleanField(default=True, help_text="Off: accuracy only.")
    verified = models.BooleanField(default=False, help_text="Neptun code from the logged-in account.")
    # Practice unless the host says otherwise: a test run must never become a gradebook column.
    graded = models.BooleanField(
        default=False, help_text="The points go to the course gradebook (practice games never do)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pin"], condition=~Q(phase="finished"), name="one_running_game_per_pin"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz} — PIN {self.pin} ({self.phase})"

    @property
    def question_count(self) -> int:
        return len(self.question_ids)


class Player(models.Model):
    """A seat in a game: one per Neptun code. A second device with the same code takes the seat over."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="players")
    neptun_code = models.CharField(max_length=6)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    seat_token = models.CharField(max_length=64, unique=True)
    score = models.IntegerField(default=0)
    streak = models.IntegerField(default=0)
    takeovers = models.IntegerField(default=0)
    joined_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    # Who removed the player and why: a removal after the game changes the gradebook.
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["game", "-score", "neptun_code"]
        constraints = [
            models.UniqueConstraint(fields=["game", "neptun_code"], name="one_seat_per_neptun_code")
        ]

    def __str__(self) -> str:
        return f"{self.neptun_code} in game {self.game_id}"


class SeatRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the host")
    APPROVED = "approved", _("approved")
    DENIED = "denied", _("denied")
    CANCELLED = "cancelled", _("cancelled")


class SeatRequest(models.Model):
    """A device asking for a seat that another device holds; only the host can grant it.

    ``channel_name`` is the asking socket's channel: the grant is sent there, nowhere else.
    """

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="seat_requests")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="seat_requests")
    channel_name = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=SeatRequestStatus.choices, default=SeatRequestStatus.PENDING
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["game", "created_at"]
        indexes = [models.Index(fields=["game", "status"], name="seat_request_game_status")]

    def __str__(self) -> str:
        return f"seat request {self.pk} for {self.player.neptun_code} ({self.status})"


class Answer(models.Model):
    """A player's first answer to one question; the unique constraint makes later ones fail."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="answers")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    question_index = models.IntegerField()
    picks = models.CharField(max_length=40, blank=True, help_text="Chosen options, e.g. 0,2.")
    text = models.CharField(max_length=200, blank=True)
    mistake = models.CharField(
        max_length=120, blank=True, help_text="The named mistake a wrong parametric answer matches."
    )
    correct = models.BooleanField(null=True, help_text="Empty for polls.")
    points = models.IntegerField(default=0)
    bonus = models.IntegerField(default=0, help_text="Streak bonus, added when the question closes.")
    response_ms = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["game", "question_index", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["player", "question_index"], name="first_answer_counts")
        ]

    def __str__(self) -> str:
        return f"{self.player.neptun_code} Q{self.question_index + 1}"


class BoardNames(models.TextChoices):
    """How the projector names the top 5 (the staff results page always has everything)."""

    MASKED = "masked", _("Masked Neptun code (AB•••3)")
    NAME = "name", _("Display name")


class CourseHall(models.Model):
    """A course's lecture-hall settings. A course without a row uses the defaults."""

    course = models.OneToOneField("accounts.Course", on_delete=models.CASCADE, related_name="hall")
    board_names = models.CharField(
        _("names on the projector"), max_length=10, choices=BoardNames.choices, default=BoardNames.MASKED
    )

    def __str__(self) -> str:
        return f"lecture hall of {self.course.code}"


class PracticeAttempt(models.Model):
    """One answer in a student's self-paced practice of a parametric generator (never graded)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_attempts"
    )
    generator = models.CharField(max_length=60)
    seed = models.BigIntegerField()
    text = models.CharField(max_length=200)
    correct = models.BooleanField()
    mistake = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at"]
        indexes = [models.Index(fields=["user", "generator"], name="practice_user_generator")]
        constraints = [
            # One answer per drawn variant: a resubmitted form (back button, double tap) changes nothing.
            models.UniqueConstraint(
                fields=["user", "generator", "seed"], name="one_practice_answer_per_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.generator} {'✔' if self.correct else '✘'}"
