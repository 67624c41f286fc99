"""/jsi18n/: the live quiz's JavaScript catalogue in the user's language (Hungarian, or none for English)."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.services import user_language_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def catalogue(client) -> dict[str, object]:
    """The translations a /jsi18n/ response carries (Django writes them as a JSON object literal)."""
    response = client.get(reverse("javascript-catalog"), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    text = response.content.decode()
    assert "globals.gettext = django.gettext" in text and "globals.interpolate" in text
    found = re.search(r"const newcatalog = (\{.*?\n  \});", text, re.DOTALL)
    return json.loads(found.group(1)) if found else {}


def test_a_hungarian_user_gets_the_hungarian_catalogue_and_an_english_user_none(
    client, student, other_student
):
    user_language_set(user=student, language="hu")
    client.force_login(student)
    hungarian = catalogue(client)  # the account's choice wins over the browser's English
    assert hungarian["Correct ✔"] == "Helyes ✔"
    assert hungarian["Question %(n)s of %(total)s"] == "%(n)s. kérdés (összesen %(total)s)"
    assert hungarian["+%(points)s point"] == ["+%(points)s pont", "+%(points)s pont"]
    assert len(hungarian) >= 40

    user_language_set(user=other_student, language="en")
    client.force_login(other_student)
    assert catalogue(client) == {}  # English: the JavaScript's own strings


def test_the_play_and_host_pages_load_the_catalogue_before_their_script(client, instructor, game):
    page = client.get(reverse("quizzes:play")).content.decode()
    assert page.index('<script src="/jsi18n/">') < page.index("quizzes/play.js")
    client.force_login(instructor)
    page = client.get(reverse("quizzes:game_host", args=[game.id])).content.decode()
    assert page.index('<script src="/jsi18n/">') < page.index("quizzes/host.js")
