"""Practice between lectures: the service, the pages, and what the instructor sees."""

import pytest
from django.core import signing
from django.urls import reverse

from core.errors import PermissionDeniedError, PlatformError
from quizzes.models import PracticeAttempt
from quizzes.practice import (
    PRACTICE_SALT,
    practice_answer,
    practice_for_course,
    practice_next,
    practice_progress,
)

pytestmark = pytest.mark.django_db
TOPIC = "conv2d_parameters"


def test_the_same_exercise_until_it_is_answered_then_a_new_one(student):
    first = practice_next(user=student, generator=TOPIC)
    assert practice_next(user=student, generator=TOPIC).variant == first.variant
    result = practice_answer(user=student, token=first.token, text=first.variant.answer)
    assert result.correct and not result.repeated and result.mistake == ""
    assert practice_next(user=student, generator=TOPIC).variant.seed != first.variant.seed


def test_a_wrong_answer_names_the_mistake_and_shows_the_worked_solution(student):
    item = practice_next(user=student, generator=TOPIC)
    wrong = item.variant.distractors[0]
    result = practice_answer(user=student, token=item.token, text=wrong.text)
    assert not result.correct and result.mistake == wrong.mistake
    assert result.variant.explanation and result.variant.answer == item.variant.answer


def test_bad_input_is_refused_and_records_nothing(student, other_student):
    item = practice_next(user=student, generator=TOPIC)
    with pytest.raises(PlatformError) as unreadable:
        practice_answer(user=student, token=item.token, text="no idea")
    assert unreadable.value.code == "count_form"
    with pytest.raises(PlatformError) as forged:
        practice_answer(user=student, token=item.token + "x", text="1")
    assert forged.value.code == "exercise_stale"
    chosen = signing.dumps({"u": student.pk, "g": TOPIC, "s": 1}, salt="another-salt")
    with pytest.raises(PlatformError):
        practice_answer(user=student, token=chosen, text="1")  # a student cannot pick a variant
    with pytest.raises(PermissionDeniedError):
        practice_answer(user=other_student, token=item.token, text=item.variant.answer)
    unknown = signing.dumps({"u": student.pk, "g": "no_such_generator", "s": 1}, salt=PRACTICE_SALT)
    with pytest.raises(PlatformError):
        practice_answer(user=student, token=unknown, text="1")
    assert not PracticeAttempt.objects.exists()


def test_the_same_form_twice_counts_once(student):
    item = practice_next(user=student, generator=TOPIC)
    practice_answer(user=student, token=item.token, text=item.variant.answer)
    again = practice_answer(user=student, token=item.token, text="12")
    assert again.repeated and again.correct and PracticeAttempt.objects.count() == 1


def test_progress_per_topic_and_the_class_view_worst_first(student, other_student, course):
    for user, right in ((student, True), (student, False), (other_student, False)):
        item = practice_next(user=user, generator=TOPIC)
        text = item.variant.answer if right else item.variant.distractors[0].text
        practice_answer(user=user, token=item.token, text=text)
    item = practice_next(user=student, generator="linear_parameters")
    practice_answer(user=student, token=item.token, text=item.variant.answer)
    mine = {t["generator"]: t for t in practice_progress(user=student)}
    assert (mine[TOPIC]["attempts"], mine[TOPIC]["correct"]) == (2, 1)
    assert mine[TOPIC]["recent"] == [False, True] and mine["conv2d_output_shape"]["attempts"] == 0
    rows = practice_for_course(course=course)
    assert [r["generator"] for r in rows] == [TOPIC, "linear_parameters"]
    assert rows[0]["students"] == 2 and rows[0]["percent_correct"] == 33 and rows[0]["mistake"]


def test_practice_pages_for_students_and_the_class_figures_for_staff_only(
    client, student, instructor, course
):
    client.force_login(student)
    assert "Conv2d parameter count" in client.get(reverse("quizzes:practice_home")).content.decode()
    url = reverse("quizzes:practice_topic", args=[TOPIC])
    page = client.get(url)
    token = page.context["item"].token
    answer = page.context["item"].variant.answer
    bad = client.post(url, {"token": token, "answer": "what?"})
    assert bad.status_code == 400 and "what?" in bad.content.decode() and not PracticeAttempt.objects.exists()
    good = client.post(url, {"token": token, "answer": answer})
    assert good.status_code == 200 and 'id="feedback"' in good.content.decode()
    assert client.get(reverse("quizzes:practice_topic", args=["nope"])).status_code == 404
    assert client.get(reverse("quizzes:course_practice", args=[course.code])).status_code == 403
    client.force_login(instructor)
    figures = client.get(reverse("quizzes:course_practice", args=[course.code]))
    assert figures.status_code == 200 and "Conv2d parameter count" in figures.content.decode()


def test_the_question_forms_preview_of_a_generator_is_for_teaching_staff(client, student, instructor):
    url = reverse("quizzes:generator_preview", args=["conv2d_output_shape"])
    client.force_login(student)
    assert client.get(url).status_code == 403
    client.force_login(instructor)
    sample = client.get(url, {"notation": "pytorch"}).json()
    assert sample["answer"].startswith("(") and sample["prompt_html"] and len(sample["mistakes"]) == 3
    assert client.get(url, {"notation": "<script>"}).status_code == 200  # unknown notation: the lecture's
    assert client.get(reverse("quizzes:generator_preview", args=["nope"])).status_code == 404


def test_topics_are_named_in_words_in_the_readers_language(client, student):
    student.language = "hu"
    student.save()
    client.force_login(student)
    html = client.get(reverse("quizzes:practice_home")).content.decode()
    assert ">Conv2d paraméterszám<" in html


def test_a_hungarian_student_reads_the_likely_mistake_in_hungarian(client, student):
    student.language = "hu"
    student.save()
    client.force_login(student)
    url = reverse("quizzes:practice_topic", args=[TOPIC])
    item = client.get(url).context["item"]
    wrong = item.variant.distractors[0]
    html = client.post(url, {"token": item.token, "answer": wrong.text}).content.decode()
    assert "Valószínű hiba" in html and wrong.mistake not in html
