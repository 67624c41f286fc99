"""English interface, Hungarian translation: the committed catalogue, the per-user choice, the switcher."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.services import user_language_set
from core.errors import PlatformError

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.LOCALE_PATHS[0]) / "hu" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|\{\{\s*\w+\s*\}\}")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def translated(entries) -> dict[tuple[str, str], object]:
    out: dict[tuple[str, str], object] = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if all(forms):
                out[(entry.msgctxt or "", entry.msgid)] = forms
        elif entry.msgstr:
            out[(entry.msgctxt or "", entry.msgid)] = entry.msgstr
    return out


def test_the_committed_mo_is_compiled_from_the_current_po():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    assert len(translated(po)) > 100
    assert translated(mo) == translated(po), (
        "platform/locale/hu/LC_MESSAGES/django.mo is out of date: run "
        "`python manage.py compilemessages -l hu -i .venv` and commit the .mo"
    )
    assert "nplurals=2" in mo.metadata.get("Plural-Forms", "")
    assert not po.metadata_is_fuzzy


def test_translations_keep_every_placeholder_and_the_common_words_are_hungarian():
    po = polib.pofile(str(LOCALE / "django.po"))
    for entry in po.translated_entries():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wanted = sorted(PLACEHOLDER.findall(sources[0]))
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == wanted, entry.msgid
    words = {e.msgid: e.msgstr for e in po.translated_entries()}
    assert words["Log in"] == "Belépés"
    assert words["Neptun code"] == "Neptun-kód"
    assert words["Deadline"] == "Határidő"
    assert words["Score"] == "Pontszám"
    assert words["Join a live quiz"] == "Csatlakozás élő kvízhez"
    assert words["Log out %(who)s"].startswith("Kijelentkezés")


def test_a_hungarian_user_sees_the_home_page_in_hungarian_and_an_english_one_in_english(
    client, course, student, other_student
):
    user_language_set(user=student, language="hu")
    client.force_login(student)
    page = client.get(reverse("core:home")).content.decode()
    assert '<html lang="hu">' in page
    assert "Csatlakozás élő kvízhez" in page and "Közelgő határidők" in page and "Kijelentkezés" in page
    assert "Upcoming deadlines" not in page

    user_language_set(user=other_student, language="en")
    client.force_login(other_student)
    page = client.get(reverse("core:home"), headers={"accept-language": "hu"}).content.decode()
    assert '<html lang="en">' in page
    assert "Join a live quiz" in page and "Upcoming deadlines" in page
    assert "Közelgő határidők" not in page


def test_without_a_saved_choice_the_browser_language_counts(client, student):
    client.force_login(student)
    page = client.get(reverse("core:home"), headers={"accept-language": "hu-HU,hu;q=0.9"}).content.decode()
    assert "Kurzusaid" in page


def test_the_switcher_saves_the_choice_on_the_user_and_it_follows_them_to_another_browser(client, student):
    client.force_login(student)
    response = client.post(reverse("core:language"), {"language": "hu", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    student.refresh_from_db()
    assert student.language == "hu"

    from django.test import Client

    other_browser = Client()  # no language cookie, an English browser
    other_browser.force_login(student)
    page = other_browser.get(reverse("core:home"), headers={"accept-language": "en"}).content.decode()
    assert "Közelgő határidők" in page

    client.post(reverse("core:language"), {"language": "en", "next": "/"})
    student.refresh_from_db()
    assert student.language == "en"


def test_the_switcher_works_logged_out_with_a_cookie(client):
    response = client.post(reverse("core:language"), {"language": "hu", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hu"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Belépés" in page and 'id="language-switch"' in page
    assert client.get(reverse("core:language")).status_code == 405


def test_an_unknown_language_is_refused_and_not_saved(client, student):
    with pytest.raises(PlatformError):
        user_language_set(user=student, language="xx")
    client.force_login(student)
    client.post(reverse("core:language"), {"language": "xx", "next": "/"})
    student.refresh_from_db()
    assert student.language == ""


def test_the_committed_javascript_mo_is_compiled_from_the_current_po_and_keeps_placeholders():
    """The live quiz's JavaScript catalogue (djangojs, at /jsi18n/): fresh, complete, placeholders kept."""
    po = polib.pofile(str(LOCALE / "djangojs.po"))
    mo = polib.mofile(str(LOCALE / "djangojs.mo"))
    assert len(translated(po)) >= 40
    assert translated(mo) == translated(po), (
        "platform/locale/hu/LC_MESSAGES/djangojs.mo is out of date: run `msgfmt -o "
        "platform/locale/hu/LC_MESSAGES/djangojs.mo platform/locale/hu/LC_MESSAGES/djangojs.po` and commit it"
    )
    assert not po.metadata_is_fuzzy and "nplurals=2" in mo.metadata.get("Plural-Forms", "")
    assert not [
        e.msgid for e in po if not e.obsolete and e.msgid and (not e.translated() or "fuzzy" in e.flags)
    ]
    for entry in po.translated_entries():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == sorted(PLACEHOLDER.findall(sources[0])), entry.msgid
    words = {e.msgid: e.msgstr for e in po.translated_entries()}
    assert words["Correct ✔"] == "Helyes ✔"
    assert words["Wrong ✘"] == "Rossz ✘"
    late = "Time is up: this question is closed, so the answer was not counted."
    assert words[late].startswith("Lejárt az idő")
