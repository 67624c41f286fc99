"""Friendly 403 and 404 pages with a way back, and the favicon, in the site's language."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_and_offers_the_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and 'href="/"' in text and 'id="error-page"' in text


def test_a_forbidden_page_says_why_and_offers_login_or_the_way_home(client, student, course):
    url = f"/quizzes/courses/{course.code}/hall/"
    client.force_login(student)
    response = client.get(url)
    assert response.status_code == 403
    text = response.content.decode()
    assert "Not allowed" in text and "Only the course&#x27;s instructors" in text and 'href="/"' in text
    client.logout()
    response = client.get("/quizzes/games/1/results.csv")  # login_required: to the login page, back after it
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_error_pages_and_the_favicon_speak_hungarian(client, student, course):
    student.language = "hu"
    student.save()
    client.force_login(student)
    text = client.get("/no-such-page/").content.decode()
    assert "Az oldal nem található" in text and "Vissza a kezdőlapra" in text
    assert 'rel="icon"' in text and "favicon.svg" in text
