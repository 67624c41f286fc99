"""The course dashboard's charts: selectors' data in, inline SVG (``charts``) out, titles translated."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from dashboards.charts import MUTED, PALETTE, Bar, bar_chart, column_chart, histogram, time_series
from dashboards.selectors import AssignmentActivity, GameActivity

SCORE_BINS = 10
TIME_BUCKETS = 24


@dataclass(frozen=True)
class AssignmentFigures:
    activity: AssignmentActivity
    scores: SafeString
    arrivals: SafeString


@dataclass(frozen=True)
class GameFigures:
    activity: GameActivity
    questions: SafeString
    players: SafeString


def assignment_figures(*, activity: AssignmentActivity) -> AssignmentFigures:
    """The score histogram and the submissions-over-time chart (with the deadline marked)."""
    assignment = activity.assignment
    metric = assignment.metric
    scores = histogram(
        activity.scores,
        bins=SCORE_BINS,
        title=_("Score distribution: %(title)s") % {"title": assignment.title},
        description=_("%(count)d students ranked on the public leaderboard, by %(metric)s.")
        % {"count": len(activity.scores), "metric": metric},
        value_label=_("students"),
        x_label=metric,
    )
    times = activity.submission_times
    start = min([assignment.opens_at, *times[:1]])
    end = max([assignment.deadline, *times[-1:]])
    arrivals = time_series(
        times,
        start=start,
        end=end,
        buckets=TIME_BUCKETS,
        title=_("Submissions over time: %(title)s") % {"title": assignment.title},
        description=_("%(count)d submissions between the opening and the deadline.") % {"count": len(times)},
        value_label=_("submissions"),
        marker_at=assignment.deadline,
        marker_label=_("deadline"),
    )
    return AssignmentFigures(activity=activity, scores=scores, arrivals=arrivals)


def game_figures(*, activity: GameActivity) -> GameFigures:
    """Per question the share of correct answers (hard ones in orange), per player the score."""
    bars = []
    for stat in activity.questions:
        share = 100 * stat.share_correct if stat.share_correct is not None else 0.0
        hard = stat.share_correct is not None and stat.share_correct < 0.5
        tip = (
            _("%(label)s: %(correct)d of %(answered)d correct — %(text)s")
            % {"label": stat.label, "correct": stat.correct, "answered": stat.answered, "text": stat.text}
            if stat.share_correct is not None
            else _("%(label)s: a poll, no correct answer — %(text)s")
            % {"label": stat.label, "text": stat.text}
        )
        poll = stat.share_correct is None
        bars.append(
            Bar(
                label=stat.label,
                value=share,
                tooltip=tip,
                colour=MUTED if poll else PALETTE[1] if hard else PALETTE[0],
                value_text=_("poll") if poll else None,
            )
        )
    title = activity.game.quiz.title
    questions = column_chart(
        bars,
        title=_("Correct answers per question: %(title)s") % {"title": title},
        description=_("Share of the answers that were correct, in per cent; below half in orange."),
        value_label=_("per cent correct"),
        max_value=100,
        value_format=lambda v: f"{v:.0f}%",
        label_zero=True,
        css_class="question-chart",
    )
    players = bar_chart(
        [
            Bar(
                label=p.neptun_code,
                value=p.score,
                tooltip=_("%(code)s: %(score)d points, %(correct)d of %(answered)d correct, rank %(rank)d")
                % {
                    "code": p.neptun_code,
                    "score": p.score,
                    "correct": p.correct,
                    "answered": p.answered,
                    "rank": p.rank,
                },
                colour=PALETTE[2],
            )
            for p in activity.players
        ],
        title=_("Points per player: %(title)s") % {"title": title},
        description=_("%(count)d players, highest score first.") % {"count": len(activity.players)},
        css_class="player-chart",
    )
    return GameFigures(activity=activity, questions=questions, players=players)
