"""The live games' gradebook columns (``core.gradebook_sources``): one column per graded game.

The quizzes' rules live here, not in the gradebook: a game is a column when ``games_for_gradebook``
says so (finished, graded, students seated); a player's score counts unless the host removed them;
seats are joined to students by Neptun code. Codes Q1, Q2… follow the games' creation order, so a new
game never renumbers the earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Course, User
from core.gradebook_sources import Category, Cell, HistorySection, SourceCell, SourceColumn
from quizzes.models import Game, Player, Question, QuestionKind
from quizzes.selectors import games_for_gradebook


def _max_points(games: list[Game]) -> dict[int, Decimal]:
    """A game's nominal maximum: the sum of its questions' points (what answering at once earns)."""
    ids = {qid for game in games for qid in game.question_ids}
    points = {
        row["id"]: row["points"]
        for row in Question.objects.filter(id__in=ids).exclude(kind=QuestionKind.POLL).values("id", "points")
    }
    return {game.pk: Decimal(sum(points.get(qid, 0) for qid in game.question_ids)) for game in games}


class GameSource:
    name = "quizzes"
    order = 10

    def columns(self, *, course: Course, now: datetime) -> list[SourceColumn]:
        """The course's graded games in creation order (2 queries)."""
        games = list(games_for_gradebook(course=course).select_related("quiz").order_by("created_at", "pk"))
        maxima = _max_points(games)
        columns = []
        for number, game in enumerate(games, start=1):
            when = timezone.localtime(game.finished_at or game.created_at)
            columns.append(
                SourceColumn(
                    key=f"quiz:{game.pk}",
                    category=Category.QUIZ,
                    code=f"Q{number}",
                    title=f"{game.quiz.title} {when:%Y-%m-%d}",
                    max_points=maxima.get(game.pk, Decimal(0)),
                    owner=game,
                )
            )
        return columns

    def cells(
        self,
        *,
        course: Course,
        columns: Sequence[SourceColumn],
        students: Sequence[User],
        only: User | None,
    ) -> Mapping[tuple[int, str], SourceCell]:
        """Each seated student's score (1 query); a removed player's seat counts for nothing."""
        by_code: dict[str, list[int]] = {}
        for student in students:
            if student.neptun_code:
                by_code.setdefault(student.neptun_code, []).append(student.pk)
        players = Player.objects.filter(game_id__in=[c.object_id for c in columns], removed_at__isnull=True)
        if only is not None:
            players = players.filter(neptun_code=only.neptun_code or "")
        cells: dict[tuple[int, str], SourceCell] = {}
        for code, game_id, score in players.values_list("neptun_code", "game_id", "score"):
            for student_id in by_code.get(code, ()):
                cells[(student_id, f"quiz:{game_id}")] = SourceCell(points=Decimal(score))
        return cells

    def history(
        self,
        *,
        course: Course,
        student: User,
        columns: Sequence[SourceColumn],
        cells: Mapping[str, Cell],
        as_student: bool,
    ) -> HistorySection:
        played = set(
            Player.objects.filter(
                game_id__in=[c.object_id for c in columns],
                neptun_code=student.neptun_code or "",
                removed_at__isnull=True,
            ).values_list("game_id", flat=True)
        )
        return HistorySection(
            title=str(_("Live quizzes")),
            template="quizzes/gradebook_history.html",
            context={"games": [(c, cells.get(c.key), c.object_id in played) for c in columns]},
        )


SOURCE = GameSource()
