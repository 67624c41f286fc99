"""Login throttling (django-axes) through the real login page and the admin's login form.

Neptun codes are on the projector: a wrong-password loop must lock, the right password must then be
refused too, and the lock must be per (username, address) and end after the cool-off, so nobody can lock
a classmate out for good.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.services

PASSWORD = "correct-horse-battery"
LIMIT = settings.AXES_FAILURE_LIMIT
LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str, *, url: str = LOGIN, ip: str = "10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_until_locked(client: Client, username: str, *, ip: str = "10.0.0.1") -> None:
    for _ in range(LIMIT):
        attempt(client, username, "wrong-password", ip=ip)


def shift_attempts(by: timedelta) -> None:
    """Pretend the recorded failures happened ``by`` earlier."""
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - by)


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_wrong_passwords_lock_the_account_and_then_the_right_password_is_refused(client, student):
    for _ in range(LIMIT - 1):
        response = attempt(client, "ABC123", "wrong-password")
        assert response.status_code == 200 and not logged_in(client)
    locked = attempt(client, "ABC123", "wrong-password")
    assert locked.status_code == 429
    right = attempt(client, "ABC123", PASSWORD)
    assert right.status_code == 429 and not logged_in(client)
    page = right.content.decode()
    assert "Too many wrong passwords for this account" in page and "Wait 15 minutes" in page
    assert 'name="username"' in page  # still the login page, not a bare error


def test_the_lock_out_message_is_hungarian_for_a_hungarian_browser(student):
    client = Client(HTTP_ACCEPT_LANGUAGE="hu")
    fail_until_locked(client, "ABC123")
    page = attempt(client, "ABC123", PASSWORD).content.decode()
    assert "Túl sok hibás jelszó" in page and "15 percet" in page


def test_spelling_the_neptun_code_differently_counts_against_the_same_lock(client, student):
    for spelling in ["abc123", " ABC123", "Abc123 ", "ABC123"] * LIMIT:
        attempt(client, spelling, "wrong-password")
    assert attempt(client, "abc123 ", PASSWORD).status_code == 429
    assert not logged_in(client)


def test_a_classmate_cannot_lock_the_student_out_from_another_address(client, student):
    fail_until_locked(Client(), "ABC123", ip="10.0.0.66")
    response = attempt(client, "ABC123", PASSWORD, ip="10.0.0.7")
    assert response.status_code == 302 and logged_in(client)


def test_the_lock_ends_after_the_cool_off_and_failures_meanwhile_do_not_extend_it(client, student):
    fail_until_locked(client, "ABC123")
    shift_attempts(timedelta(minutes=10))
    # More wrong passwords during the lock-out: refused, and the cool-off does not start again.
    assert attempt(client, "ABC123", "wrong-password").status_code == 429
    shift_attempts(settings.AXES_COOLOFF_TIME - timedelta(minutes=9))  # 16 minutes after the lock in all
    response = attempt(client, "ABC123", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_before_the_limit_starts_the_count_again(client, student):
    for _ in range(LIMIT - 1):
        attempt(client, "ABC123", "wrong-password")
    assert attempt(client, "ABC123", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        attempt(client, "ABC123", "wrong-password")
    assert attempt(client, "ABC123", PASSWORD).status_code == 302 and logged_in(client)


def test_the_admin_login_shares_the_lock(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for _ in range(LIMIT):
        attempt(client, "root", "wrong-password", url=admin_login)
    response = attempt(client, "root", PASSWORD, url=admin_login)
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many wrong passwords" in response.content.decode()
    assert attempt(client, "root", PASSWORD).status_code == 429  # the site's login page: same lock


def test_behind_a_proxy_the_lock_is_per_client_address_and_a_forged_header_does_not_help(
    client, student, settings
):
    settings.LOGIN_PROXY_COUNT = 1
    proxy = "10.0.0.254"
    for attempt_number in range(LIMIT):
        # The attacker forges an address of their own in front; the proxy appends the real one.
        forged = f"192.0.2.{attempt_number}, 203.0.113.9"
        client.post(
            LOGIN,
            {"username": "ABC123", "password": "wrong-password"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forged,
        )
    locked = client.post(
        LOGIN,
        {"username": "ABC123", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert locked.status_code == 429
    victim = Client()
    response = victim.post(
        LOGIN,
        {"username": "ABC123", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302 and SESSION_KEY in victim.session
