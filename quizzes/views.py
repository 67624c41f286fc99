"""The instructor's pages (quizzes, questions, import/export, games, results) and the two live pages.

Thin: check rights, call one service or selector, render. PlatformError becomes a message.
"""

import io
import secrets
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Course
from accounts.selectors import course_is_instructor, course_is_staff, user_is_teaching_staff
from core.errors import PermissionDeniedError, PlatformError
from core.http import request_user
from quizzes.authoring import ImportProblems, kahoot_xlsx_parse, quiz_yaml_dump, quiz_yaml_parse
from quizzes.exports import results_csv, results_xlsx
from quizzes.forms import (
    CourseHallForm,
    GameStartForm,
    ImportForm,
    PlayerRemoveForm,
    QuestionForm,
    QuizForm,
    choices_to_lines,
)
from quizzes.generators import SCOPES, variant_generate
from quizzes.mathtext import text_to_html
from quizzes.models import BoardNames, CourseHall, Game, Question, Quiz
from quizzes.practice import (
    practice_answer,
    practice_for_course,
    practice_next,
    practice_progress,
    practice_scope,
    practice_title,
    practice_topic_check,
)
from quizzes.selectors import (
    game_by_pin,
    game_can_host,
    game_can_see_results,
    game_results_table,
    quiz_can_edit,
    quizzes_for_user,
)
from quizzes.services import (
    course_hall_save,
    game_create,
    player_remove,
    question_delete,
    question_draft,
    question_move,
    question_save,
    quiz_create,
    quiz_import,
    quiz_update,
)


def _staff_only(request: HttpRequest) -> None:
    if not user_is_teaching_staff(user=request_user(request)):
        raise PermissionDenied("Quizzes are written and run by the course's instructors.")


def _quiz_for_editing(request: HttpRequest, quiz_id: int) -> Quiz:
    quiz = get_object_or_404(Quiz.objects.select_related("course"), id=quiz_id)
    if not quiz_can_edit(user=request_user(request), quiz=quiz):
        raise PermissionDenied("Only the instructors of the quiz's course can change or run it.")
    return quiz


@login_required
@require_http_methods(["GET", "POST"])
def quiz_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    user = request_user(request)
    form = QuizForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            quiz = quiz_create(
                owner=user,
                title=form.cleaned_data["title"],
                course=form.cleaned_data["course"],
                description=form.cleaned_data["description"],
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    quizzes = quizzes_for_user(user=user).select_related("course").order_by("-updated_at")
    games = Game.objects.filter(quiz__in=quizzes).select_related("quiz").order_by("-created_at")[:20]
    return render(
        request,
        "quizzes/quiz_list.html",
        {"quizzes": quizzes, "form": form, "games": games, "import_form": ImportForm(user=user)},
    )


@login_required
@require_POST
def quiz_import_view(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    user = request_user(request)
    form = ImportForm(request.POST, request.FILES, user=user)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(3 * 1024 * 1024)
        try:
            if upload.name.lower().endswith(".xlsx"):
                title = upload.name.rsplit(".", 1)[0][:200] or "Imported quiz"
                draft = kahoot_xlsx_parse(content, title=title)
            else:
                draft = quiz_yaml_parse(content)
            quiz = quiz_import(owner=user, course=form.cleaned_data["course"], draft=draft)
        except ImportProblems as error:
            problems = error.problems
        except PlatformError as error:
            problems = [error.message]
        else:
            count = len(draft.questions)
            text = ngettext(
                "Imported “%(title)s” with %(count)s question.",
                "Imported “%(title)s” with %(count)s questions.",
                count,
            )
            messages.success(request, text % {"title": quiz.title, "count": count})
            return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    quizzes = quizzes_for_user(user=user).select_related("course")
    return render(
        request,
        "quizzes/quiz_list.html",
        {
            "quizzes": quizzes,
            "form": QuizForm(user=user),
            "import_form": form,
            "problems": problems,
            "games": [],
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quiz_edit(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for_editing(request, quiz_id)
    user = request_user(request)
    form = QuizForm(
        request.POST or None,
        user=user,
        initial={"title": quiz.title, "course": quiz.course, "description": quiz.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            quiz_update(
                quiz=quiz,
                user=user,
                title=form.cleaned_data["title"],
                course=form.cleaned_data["course"],
                description=form.cleaned_data["description"],
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    start_form = GameStartForm(
        user=user,
        initial={"course": quiz.course, "speed_scoring": True, "graded": "practice", "verified": True},
    )
    return render(
        request,
        "quizzes/quiz_edit.html",
        {
            "quiz": quiz,
            "form": form,
            "start_form": start_form,
            "questions": quiz.questions.order_by("position", "id"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, quiz_id: int, question_id: int | None = None) -> HttpResponse:
    quiz = _quiz_for_editing(request, quiz_id)
    question = get_object_or_404(Question, id=question_id, quiz=quiz) if question_id else None
    initial: dict[str, Any] = {}
    if question is not None:
        draft = question_draft(question)
        initial = {**draft.__dict__, "choices": choices_to_lines(draft.choices)}
    form = QuestionForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = question_save(
                quiz=quiz, user=request_user(request), draft=form.draft(), question=question
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            image = form.cleaned_data.get("image")
            if image:
                saved.image = image
                saved.save(update_fields=["image"])
            messages.success(request, _("Question saved."))
            return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    return render(request, "quizzes/question_form.html", {"quiz": quiz, "question": question, "form": form})


@login_required
@require_POST
def question_action(request: HttpRequest, quiz_id: int, question_id: int) -> HttpResponse:
    quiz = _quiz_for_editing(request, quiz_id)
    question = get_object_or_404(Question, id=question_id, quiz=quiz)
    action = request.POST.get("action")
    try:
        if action in ("up", "down"):
            question_move(question=question, user=request_user(request), offset=-1 if action == "up" else 1)
        elif action == "delete":
            question_delete(question=question, user=request_user(request))
            messages.success(request, _("Question deleted."))
    except PlatformError as error:
        messages.error(request, error.message)
    return redirect("quizzes:quiz_edit", quiz_id=quiz.id)


@login_required
def quiz_export(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for_editing(request, quiz_id)
    text = quiz_yaml_dump(
        title=quiz.title,
        description=quiz.description,
        questions=[question_draft(q) for q in quiz.questions.order_by("position", "id")],
    )
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.id}.yaml"'
    return response


@login_required
@require_POST
def game_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for_editing(request, quiz_id)
    form = GameStartForm(request.POST, user=request_user(request))
    if not form.is_valid():
        messages.error(request, _("Choose one of your courses (or none), and practice or graded."))
        return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    try:
        game = game_create(
            quiz=quiz,
            host=request_user(request),
            course=form.cleaned_data["course"],
            speed_scoring=form.cleaned_data["speed_scoring"],
            graded=form.cleaned_data["graded"],
            verified=form.cleaned_data["verified"],
        )
    except PlatformError as error:
        messages.error(request, error.message)
        return redirect("quizzes:quiz_edit", quiz_id=quiz.id)
    return redirect("quizzes:game_host", game_id=game.id)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def game_host(request: HttpRequest, game_id: int) -> HttpResponse:
    game = get_object_or_404(Game.objects.select_related("quiz", "course"), id=game_id)
    if not game_can_host(user=request_user(request), game=game):
        raise PermissionDenied("Only the game's host and the course's instructors can run this game.")
    join_url = request.build_absolute_uri(reverse("quizzes:play"))
    return render(
        request,
        "quizzes/host.html",
        {"game": game, "join_url": join_url, "qr_svg": _qr_svg(f"{join_url}?pin={game.pin}")},
    )


def play(request: HttpRequest) -> HttpResponse:
    """The phone's page: PIN and Neptun code, then the game (all over the WebSocket)."""
    pin = request.GET.get("pin", "")
    pin = pin if pin.isdigit() and len(pin) == 6 else ""
    user = request.user
    neptun = getattr(user, "neptun_code", "") or "" if user.is_authenticated else ""
    # A verified game takes the code from the login: the link brings the phone back to this PIN.
    back = reverse("quizzes:play") + (f"?pin={pin}" if pin else "")
    login_url = reverse("accounts:login") + "?" + urlencode({"next": back})
    game = game_by_pin(pin=pin) if pin else None
    context = {
        "pin": pin,
        "neptun": neptun,
        "login_url": login_url,
        "login_first": bool(game and game.verified and not user.is_authenticated),
    }
    return render(request, "quizzes/play.html", context)


def _game_for_results(request: HttpRequest, game_id: int) -> Game:
    game = get_object_or_404(Game.objects.select_related("quiz", "course"), id=game_id)
    if not game_can_see_results(user=request_user(request), game=game):
        raise PermissionDenied("Only the course's instructors and graders see a game's results.")
    return game


@login_required
def game_results(request: HttpRequest, game_id: int) -> HttpResponse:
    game = _game_for_results(request, game_id)
    return _results_render(request, game, PlayerRemoveForm())


def _results_render(
    request: HttpRequest, game: Game, remove_form: PlayerRemoveForm, status: int = 200
) -> HttpResponse:
    questions, rows = game_results_table(game=game)
    context = {
        "game": game,
        "questions": questions,
        "rows": rows,
        "remove_form": remove_form,
        "can_remove": game_can_host(user=request_user(request), game=game),
    }
    return render(request, "quizzes/results.html", context, status=status)


@login_required
@require_POST
def game_player_remove(request: HttpRequest, game_id: int) -> HttpResponse:
    """Remove a player from a game's results (the gradebook follows), with the reason on record."""
    game = _game_for_results(request, game_id)
    form = PlayerRemoveForm(request.POST)
    if form.is_valid():
        try:
            player = player_remove(
                game=game,
                player_id=form.cleaned_data["player"],
                by=request_user(request),
                reason=form.cleaned_data["reason"],
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(neptun)s was removed from the game.") % {"neptun": player.neptun_code}
            )
            return redirect("quizzes:game_results", game_id=game.id)
    return _results_render(request, game, form, status=400)


@login_required
def game_results_export(request: HttpRequest, game_id: int, fmt: str) -> HttpResponse:
    game = _game_for_results(request, game_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Results export as .csv or .xlsx.")
    name = f"quiz-results-{game.pin}-{game.created_at:%Y%m%d}"
    response: HttpResponse
    if fmt == "xlsx":
        response = HttpResponse(
            results_xlsx(game=game),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(results_csv(game=game), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET"])
def generator_preview(request: HttpRequest, generator: str) -> JsonResponse:
    """A sample variant of a generator for the question form's live preview (teaching staff)."""
    _staff_only(request)
    try:
        practice_topic_check(generator)
    except PlatformError as error:
        raise Http404(error.message) from None
    notation = request.GET.get("notation", "lecture")
    if notation not in ("lecture", "pytorch"):
        notation = "lecture"
    scope = request.GET.get("scope", "lecture")
    if scope not in SCOPES:
        scope = "lecture"
    seed = secrets.randbelow(2**31)
    variant = variant_generate(generator=generator, seed=seed, notation=notation, scope=scope)
    return JsonResponse(
        {
            "scope": scope,
            "prompt_html": text_to_html(variant.prompt),
            "answer": variant.answer,
            "explanation_html": text_to_html(variant.explanation),
            "mistakes": [d.mistake for d in variant.distractors],
        }
    )


@login_required
def practice_home(request: HttpRequest) -> HttpResponse:
    """Practice between lectures: every topic with the student's progress."""
    topics = practice_progress(user=request_user(request))
    return render(request, "quizzes/practice_home.html", {"topics": topics})


@login_required
@require_http_methods(["GET", "POST"])
def practice_topic(request: HttpRequest, generator: str) -> HttpResponse:
    """One exercise of a topic; an answer gets instant feedback with the worked explanation."""
    user = request_user(request)
    try:
        practice_topic_check(generator)
    except PlatformError as error:
        raise Http404(error.message) from None
    result, error_message, status = None, "", 200
    if request.method == "POST":
        try:
            result = practice_answer(
                user=user, token=request.POST.get("token", ""), text=request.POST.get("answer", "")[:200]
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except PlatformError as error:
            error_message, status = _(error.message), 400
    # The form posts back to this URL, so ?scope= survives an answer.
    item = practice_next(user=user, generator=generator, scope=practice_scope(request.GET.get("scope")))
    context = {
        "item": item,
        "title": practice_title(generator),
        "result": result,
        "error": error_message,
        "typed": request.POST.get("answer", "")[:200] if error_message else "",
    }
    return render(request, "quizzes/practice_topic.html", context, status=status)


@login_required
def course_practice(request: HttpRequest, code: str) -> HttpResponse:
    """What the course's students practise and get wrong, per topic (instructors and graders)."""
    course = get_object_or_404(Course, code=code)
    if not course_is_staff(user=request_user(request), course=course):
        raise PermissionDenied("Only the course's instructors and graders see its practice figures.")
    rows = practice_for_course(course=course)
    return render(request, "quizzes/course_practice.html", {"course": course, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def course_hall(request: HttpRequest, code: str) -> HttpResponse:
    """The course's lecture-hall settings: how the projector names the top 5."""
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not (user.is_superuser or course_is_instructor(user=user, course=course)):
        raise PermissionDenied("Only the course's instructors choose what the projector shows.")
    current = CourseHall.objects.filter(course=course).values_list("board_names", flat=True).first()
    form = CourseHallForm(request.POST or None, initial={"board_names": current or BoardNames.MASKED})
    if request.method == "POST" and form.is_valid():
        course_hall_save(course=course, user=user, board_names=form.cleaned_data["board_names"])
        messages.success(request, _("Saved: the projector names the top 5 this way from the next board on."))
        return redirect("quizzes:course_hall", code=course.code)
    return render(request, "quizzes/course_hall.html", {"course": course, "form": form})
