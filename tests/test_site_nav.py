"""The menu and the home page fit the role: students join and practise, teaching staff start with quizzes;
homework is in the menu for everyone."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu(client) -> str:
    html = client.get(reverse("core:home")).content.decode()
    return html[html.index('id="site-nav"') : html.index("</span>", html.index('id="site-nav"'))]


def first_button(client) -> str:
    html = client.get(reverse("core:home")).content.decode()
    actions = html[html.index('id="home-actions"') :]
    return actions[actions.index("href=") : actions.index("</a>")]


def test_a_student_gets_the_live_quiz_practice_and_homework(client, student):
    client.force_login(student)
    nav = menu(client)
    assert reverse("quizzes:play") in nav and reverse("quizzes:practice_home") in nav
    assert reverse("grader:assignments") in nav and f'href="{reverse("quizzes:quiz_list")}"' not in nav
    assert reverse("quizzes:play") in first_button(client)


def test_an_instructor_starts_with_quizzes_and_has_homework_in_the_menu(client, instructor):
    client.force_login(instructor)
    nav = menu(client)
    assert reverse("quizzes:quiz_list") in nav and reverse("grader:assignments") in nav
    assert reverse("quizzes:quiz_list") in first_button(client)
    # Homework once in the menu on the grader's pages too (their own menu adds the queue only).
    html = client.get(reverse("grader:assignments")).content.decode()
    header = html[: html.index("</header>")]
    assert header.count(f'href="{reverse("grader:assignments")}"') == 1
