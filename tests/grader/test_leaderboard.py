"""The Kaggle-style ranking: plain-Python rules first, then the board a viewer gets from the database."""

from datetime import UTC, datetime, timedelta

import pytest

from grader.models import LeaderboardRule
from grader.selectors import LeaderboardEntry, leaderboard_for_assignment, leaderboard_rank, neptun_mask
from tests.factories import AssignmentFactory, SubmissionFactory, UserFactory
from tests.grader.graded import reveal

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def entry(
    pk: int, user: int, public: float, private: float | None = None, minute: int = 0
) -> LeaderboardEntry:
    return LeaderboardEntry(
        submission_id=pk,
        user_id=user,
        code=f"U{user:05d}",
        score_public=public,
        score_private=public if private is None else private,
        received_at=T0 + timedelta(minutes=minute if minute else pk),
    )


def ranking(entries, *, higher=True, rule=LeaderboardRule.BEST, private=False):
    ranked = leaderboard_rank(entries=entries, higher_is_better=higher, rule=rule, private=private)
    return [(r.rank, r.entry.user_id, r.entry.submission_id, r.score) for r in ranked]


def test_best_submission_counts_and_higher_accuracy_ranks_first():
    entries = [entry(1, 1, 0.70), entry(2, 1, 0.90), entry(3, 1, 0.80), entry(4, 2, 0.85)]
    assert ranking(entries) == [(1, 1, 2, 0.90), (2, 2, 4, 0.85)]


def test_lower_error_ranks_first_when_the_metric_is_an_error():
    entries = [entry(1, 1, 0.9), entry(2, 1, 0.4), entry(3, 2, 0.5)]
    assert ranking(entries, higher=False) == [(1, 1, 2, 0.4), (2, 2, 3, 0.5)]


def test_last_submission_counts_even_when_worse():
    entries = [entry(1, 1, 0.95), entry(2, 1, 0.60), entry(3, 2, 0.70)]
    assert ranking(entries, rule=LeaderboardRule.LAST) == [(1, 2, 3, 0.70), (2, 1, 2, 0.60)]


def test_ties_between_students_go_to_the_earlier_submission():
    entries = [entry(5, 1, 0.8, minute=30), entry(6, 2, 0.8, minute=10), entry(7, 3, 0.8, minute=20)]
    assert [user for _, user, _, _ in ranking(entries)] == [2, 3, 1]


def test_a_students_equal_resubmission_keeps_the_earlier_one():
    entries = [entry(1, 1, 0.8, minute=1), entry(2, 1, 0.8, minute=2), entry(3, 2, 0.8, minute=3)]
    assert ranking(entries) == [(1, 1, 1, 0.8), (2, 2, 3, 0.8)]


def test_private_board_ranks_the_publicly_chosen_submission_by_its_private_score():
    # Student 1's best public submission (#2) is worse on the private part than #1: #2 still counts.
    entries = [
        entry(1, 1, 0.80, private=0.95),
        entry(2, 1, 0.90, private=0.70),
        entry(3, 2, 0.85, private=0.80),
    ]
    assert ranking(entries, private=True) == [(1, 2, 3, 0.80), (2, 1, 2, 0.70)]
    assert ranking(entries, private=False) == [(1, 1, 2, 0.90), (2, 2, 3, 0.85)]


def test_entries_count_every_scored_submission_and_input_order_does_not_matter():
    entries = [entry(3, 1, 0.5), entry(1, 1, 0.7), entry(2, 2, 0.6)]
    ranked = leaderboard_rank(
        entries=entries, higher_is_better=True, rule=LeaderboardRule.LAST, private=False
    )
    assert [(r.entry.submission_id, r.entries) for r in ranked] == [(2, 1), (3, 2)]


def test_nobody_ranks_on_an_empty_board():
    assert ranking([]) == []


@pytest.mark.parametrize(("code", "masked"), [("ABC123", "AB****"), ("XYZ789", "XY****"), ("", "******")])
def test_neptun_codes_are_masked_to_their_first_two_characters(code, masked):
    assert neptun_mask(code) == masked


# --- the board from the database --------------------------------------------------------------------------


@pytest.fixture
def assignment(course):
    # Rows only (the board reads them): a scored reference at MAE 0.1, nothing trained or graded.
    return AssignmentFactory(course=course)


@pytest.mark.django_db
def test_failed_submissions_and_staff_tries_never_rank(assignment, student, other_student, instructor):
    SubmissionFactory(assignment=assignment, user=student, score=0.5)
    SubmissionFactory(assignment=assignment, user=other_student, failed=True)
    SubmissionFactory(assignment=assignment, user=instructor, score=0.1)  # staff trying the assignment out
    board = leaderboard_for_assignment(assignment=assignment, viewer=instructor)
    assert [row.name for row in board.rows] == ["ABC123"]


@pytest.mark.django_db
def test_student_view_masks_others_marks_their_own_and_hides_ids(assignment, student, other_student):
    mine = SubmissionFactory(assignment=assignment, user=student, score=0.6)
    theirs = SubmissionFactory(assignment=assignment, user=other_student, score=0.3)
    board = leaderboard_for_assignment(assignment=assignment, viewer=student)
    assert [(r.rank, r.name, r.is_viewer) for r in board.rows] == [(1, "XY****", False), (2, "ABC123", True)]
    assert [r.score for r in board.rows] == [theirs.score_public, mine.score_public]
    assert all(r.submission_id is None and r.user_id is None for r in board.rows)
    assert board.viewer_row is not None and board.viewer_row.rank == 2
    assert board.baseline == assignment.submissions.get(is_reference=True).score_public == 0.1


@pytest.mark.django_db
def test_private_board_is_withheld_from_students_until_the_reveal(assignment, student, grader_user):
    mine = SubmissionFactory(assignment=assignment, user=student, score_public=0.4, score_private=0.45)
    withheld = leaderboard_for_assignment(assignment=assignment, viewer=student, private=True)
    assert (withheld.available, withheld.rows, withheld.baseline) == (False, [], None)
    staff = leaderboard_for_assignment(assignment=assignment, viewer=grader_user, private=True)
    assert staff.available and staff.rows[0].score == 0.45 and staff.rows[0].name == "ABC123"
    assert staff.rows[0].submission_id == mine.pk

    reveal(assignment)
    board = leaderboard_for_assignment(assignment=assignment, viewer=student, private=True)
    assert board.available and [r.score for r in board.rows] == [0.45]
    assert board.baseline == assignment.submissions.get(is_reference=True).score_private


@pytest.mark.django_db
def test_best_and_last_rules_read_from_the_database(assignment, student):
    best = SubmissionFactory(assignment=assignment, user=student, score=0.15)
    last = SubmissionFactory(assignment=assignment, user=student, score=1.0)
    viewer = UserFactory(username="superuser", is_superuser=True)
    board = leaderboard_for_assignment(assignment=assignment, viewer=viewer)
    assert [(r.submission_id, r.entries) for r in board.rows] == [(best.pk, 2)]
    assignment.leaderboard_rule = LeaderboardRule.LAST
    assignment.save()
    board = leaderboard_for_assignment(assignment=assignment, viewer=viewer)
    assert [r.submission_id for r in board.rows] == [last.pk]


# --- the board's memo (LEADERBOARD_MAX_AGE_SECONDS): bounded staleness, rights per viewer ------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def memo_clock(settings, monkeypatch):
    """Boards kept for a second, on a clock the test moves."""
    from grader import selectors
    from grader.board_memo import BoardMemo

    settings.LEADERBOARD_MAX_AGE_SECONDS = 1.0
    clock = Clock()
    monkeypatch.setattr(selectors, "recent_boards", BoardMemo(clock=clock))
    return clock


@pytest.mark.django_db
def test_a_new_score_shows_within_the_boards_age_and_not_before(
    assignment, student, other_student, memo_clock
):
    SubmissionFactory(assignment=assignment, user=student, score=0.6)
    first = leaderboard_for_assignment(assignment=assignment, viewer=student)
    SubmissionFactory(assignment=assignment, user=other_student, score=0.3)
    memo_clock.now += 0.9
    kept = leaderboard_for_assignment(assignment=assignment, viewer=student)
    assert [r.score for r in kept.rows] == [r.score for r in first.rows] == [0.6]
    memo_clock.now += 0.2
    fresh = leaderboard_for_assignment(assignment=assignment, viewer=student)
    assert [(r.name, r.score) for r in fresh.rows] == [("XY****", 0.3), ("ABC123", 0.6)]


@pytest.mark.django_db
def test_a_shared_board_still_masks_and_marks_per_viewer(
    assignment, student, other_student, instructor, memo_clock, django_assert_max_num_queries
):
    mine = SubmissionFactory(assignment=assignment, user=student, score=0.6)
    theirs = SubmissionFactory(assignment=assignment, user=other_student, score=0.3)
    staff = leaderboard_for_assignment(assignment=assignment, viewer=instructor)
    assert [(r.name, r.submission_id) for r in staff.rows] == [("XYZ789", theirs.pk), ("ABC123", mine.pk)]
    assert not any(r.is_viewer for r in staff.rows)
    for viewer, own in ((student, "ABC123"), (other_student, "XYZ789")):
        board = leaderboard_for_assignment(assignment=assignment, viewer=viewer)
        assert [r.name for r in board.rows if r.is_viewer] == [own]
        assert [r.name for r in board.rows if not r.is_viewer][0].endswith("****")
        assert all(r.submission_id is None and r.user_id is None for r in board.rows)
    # Served from the memo: only the viewer's role is read, not the entries or the reference.
    with django_assert_max_num_queries(2):
        leaderboard_for_assignment(assignment=assignment, viewer=student)


@pytest.mark.django_db
def test_a_private_board_built_for_the_staff_is_still_withheld_from_students(
    assignment, student, grader_user, memo_clock
):
    SubmissionFactory(assignment=assignment, user=student, score_public=0.4, score_private=0.45)
    staff = leaderboard_for_assignment(assignment=assignment, viewer=grader_user, private=True)
    assert staff.available and [r.score for r in staff.rows] == [0.45]
    withheld = leaderboard_for_assignment(assignment=assignment, viewer=student, private=True)
    assert (withheld.available, withheld.rows, withheld.baseline) == (False, [], None)
    public = leaderboard_for_assignment(assignment=assignment, viewer=student)
    assert [r.score for r in public.rows] == [0.4] and public.baseline == 0.1


@pytest.mark.django_db
def test_a_changed_ranking_rule_is_never_served_from_the_memo(assignment, student, memo_clock):
    best = SubmissionFactory(assignment=assignment, user=student, score=0.15)
    last = SubmissionFactory(assignment=assignment, user=student, score=1.0)
    assert [
        r.submission_id for r in leaderboard_for_assignment(assignment=assignment, viewer=student).rows
    ] == [None]
    viewer = UserFactory(username="superuser", is_superuser=True)
    assert [
        r.submission_id for r in leaderboard_for_assignment(assignment=assignment, viewer=viewer).rows
    ] == [best.pk]
    assignment.leaderboard_rule = LeaderboardRule.LAST
    assignment.save()
    board = leaderboard_for_assignment(assignment=assignment, viewer=viewer)
    assert [r.submission_id for r in board.rows] == [last.pk]
