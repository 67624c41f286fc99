"""A student logs in on a phone-sized screen; an instructor imports a roster on a desktop."""

import pytest

from tests.factories import StudentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_student_logs_in_with_lower_case_neptun_code_on_a_phone(browser, asgi_server, student, artifacts_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(asgi_server.url + "/accounts/login/")
    page.fill("#id_username", "  abc123 ")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "correct" in page.inner_text("main").lower()
    page.fill("#id_username", "abc123")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Your courses")
    assert "VITMMA19" in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / "student-home-phone.png"), full_page=True)
    context.close()


def test_instructor_imports_a_roster_and_sees_bad_rows(
    browser, asgi_server, instructor, course, artifacts_dir, tmp_path
):
    roster = tmp_path / "neptun.csv"
    roster.write_bytes(
        "Neptun kód;Név;E-mail\r\nNEW001;Új Hallgató;uj@example.hu\r\nBAD;Rossz Sor;\r\n".encode("cp1250")
    )
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(asgi_server.url + "/accounts/login/")
    page.fill("#id_username", "instructor")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.goto(asgi_server.url + f"/accounts/courses/{course.code}/roster/")
    page.set_input_files("#id_file", str(roster))
    page.click("button[value=import]")
    report = page.inner_text("#roster-report")
    assert "1 new students" in report and "Line 3" in report
    assert "Új Hallgató" in page.inner_text("table")
    page.screenshot(path=str(artifacts_dir / "instructor-roster-desktop.png"), full_page=True)
    context.close()
    assert StudentFactory._meta.model.objects.filter(neptun_code="NEW001").exists()
