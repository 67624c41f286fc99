"""The quizzes' error and notice codes and their messages (the error contract: core/errors.py).

The live game's frames carry ``code``, ``params`` and the ``message`` made from these templates in
the player's language; play.js and host.js show the message and switch on the code
(docs/websocket-protocol.md lists the codes a socket can send).
"""

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    # Frames that do not fit the protocol (quizzes/frames.py)
    "frame_not_text": _("Send JSON text frames."),
    "frame_too_large": _("The frame is too large (at most %(limit)s characters)."),
    "frame_too_deep": _("The frame nests deeper than %(limit)s levels, or has too many parts."),
    "bad_json": _("The frame is not valid JSON."),
    "frame_not_object": _("A frame is a JSON object with a “type”."),
    "unknown_type": _("Unknown frame type “%(type)s”."),
    "unknown_field": _("Unknown field “%(field)s” in a “%(type)s” frame."),
    "field_missing": _("A “%(type)s” frame needs “%(field)s”."),
    "field_repeated": _("The field “%(field)s” appears twice."),
    "field_not_finite": _("Numbers must be finite (no NaN or Infinity)."),
    "field_not_integer": _("“%(field)s” must be a whole number from %(low)s to %(high)s."),
    "field_not_text": _("“%(field)s” must be text of at most %(max_length)s characters."),
    "field_not_choice": _("“%(field)s” must be one of: %(options)s."),
    "field_not_list": _("“%(field)s” must be a list of 1 to %(max_items)s option numbers."),
    # Joining, seats and the host's decisions
    "pin_not_found": _("No running game has this PIN. Check the PIN on the screen."),
    "game_not_found": _("No such game."),
    "game_over": _("This game is over."),
    "login_required": _("This game admits logged-in students only: log in with your Neptun code first."),
    "not_enrolled": _(
        "%(neptun)s is not enrolled in %(course)s. Check your Neptun code, or ask the instructor to add "
        "you to the course."
    ),
    "neptun_removed": _("The host removed this Neptun code from the game."),
    "removed": _("The host removed you from this game."),
    "seat_held": _(
        "This Neptun code already has a seat on another device. Log in to take it back, or ask the host."
    ),
    "seat_requested": _(
        "This Neptun code is playing on another device. The host has been asked to move the seat to this "
        "one; wait here (or log in to take it back yourself)."
    ),
    "seat_denied": _("The host did not move the seat to this device."),
    "seat_invalid": _("That seat token is not valid; join with your Neptun code."),
    "seat_lost": _(
        "Your seat moved to another device. Join again: log in, or the host approves your request."
    ),
    "seat_moved_again": _("The seat moved on again; join once more."),
    "taken_over": _("Your Neptun code joined this game on another device."),
    "too_many_requests": _("Too many devices are waiting for the host; try again in a minute."),
    "request_not_waiting": _(
        "That request is no longer waiting: the phone left, or it was already answered."
    ),
    "already_joined": _("You already have a seat in this game."),
    "already_requested": _("Wait for the host to answer your request."),
    "not_joined": _("Join the game first."),
    # Answers
    "wrong_question": _("That question is not open now."),
    "not_open_yet": _("Wait for the countdown: the question is not open yet."),
    "too_late": _("Time is up: this question is closed, so the answer was not counted."),
    "closed": _("This question is closed, so the answer was not counted."),
    "duplicate": _("You already answered this question; only your first answer counts."),
    "answer_expected": _("Type your answer."),
    "number_expected": _("Type a number, e.g. 3.5."),
    "number_too_long": _("That number is too long."),
    "not_a_number": _("“%(typed)s” is not a number. Type e.g. 3.5 or -2."),
    "number_not_finite": _("Type a finite number."),
    "choose_option": _("Choose one of the options."),
    "choose_one": _("Choose exactly one option."),
    "answer_not_text": _("Type your answer as text."),
    "answer_empty": _("The answer is empty."),
    "answer_too_long": _("The answer is too long (at most %(limit)s characters)."),
    "count_form": _("Write a whole number, e.g. 9264, 9,264 or 9 264."),
    "count_not_whole": _("The answer is a whole number. Write a whole number, e.g. 9264, 9,264 or 9 264."),
    "shape_form": _("Write a shape, e.g. 12@28x28, 12x28x28 or (12, 28, 28)."),
    # The host's moves
    "not_host": _("Only the game's host and the course's instructors can run this game."),
    "stale": _("The game has already moved on; the screen shows where it is now."),
    "game_finished": _("The game is over."),
    "no_questions": _("The quiz has no questions yet; add one before starting a game."),
    "move_not_allowed": _("“%(move)s” is not possible while the game is in the %(phase)s phase."),
    "question_not_open": _("That question is not open."),
    "player_unspecified": _("Say which player (their id)."),
    "player_not_found": _("No such player in this game."),
    "reason_required": _(
        "The game is over and its points may be in the gradebook: say why you remove this player."
    ),
    "graded_without_course": _(
        "A graded game goes to a course's gradebook: choose the course, or run a practice game."
    ),
    "no_free_pin": _("No free game PIN was found; finish some old games and try again."),
    # Authoring and the lecture hall
    "not_quiz_instructor": _("Only the instructors of the quiz's course can change or run it."),
    "not_course_instructor": _("You are not an instructor of %(course)s."),
    "quiz_title_missing": _("Give the quiz a title."),
    "invalid_question": _("The question cannot be saved: %(problems)s"),
    "question_answered": _("Players have answered this question in a game; it stays so their results do."),
    "hall_not_instructor": _("Only the course's instructors choose what the projector shows."),
    "board_names_invalid": _("Choose masked Neptun codes or display names."),
    "import_problems": _("The file was not imported: %(count)s problem(s). %(problems)s"),
    # Practice
    "practice_topic_missing": _("There is no such practice topic."),
    "exercise_stale": _("This exercise is out of date; here is a fresh one."),
    "exercise_not_yours": _("This exercise belongs to another student."),
    "too_many": _("That is %(limit)s exercises in a day: take a break and come back tomorrow."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
