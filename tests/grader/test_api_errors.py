"""The API answers JSON with a message and a code, always (issue 18 §6): the database down, an address
that does not exist, a bug; never Django's HTML error page."""

from __future__ import annotations

import signal

import pytest
from django.test import RequestFactory

from core import api as core_api
from tests.conftest import asgi_server_start, free_port
from tests.grader.http_upload import api_request, api_upload, predictions_good


@pytest.mark.integration
@pytest.mark.services
def test_the_api_answers_json_503_while_the_database_refuses_connections(transactional_db, tmp_path):
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"
    server = asgi_server_start(tmp_path, DATABASE_URL=dead)
    try:
        for status, body, kind, _ in (
            api_request(f"{server.url}/api/assignments/", token="x" * 40),
            api_upload(server.url, assignment_id=1, token="x" * 40, content=predictions_good()),
        ):
            assert status == 503 and "application/json" in kind, (status, body)
            assert body == {
                "detail": "The database cannot be reached right now. Please try again in a minute.",
                "code": "database_unavailable",
            }
    finally:
        server.process.kill(signal.SIGTERM)


def test_an_unknown_api_address_is_a_json_404(client, db):
    response = client.get("/api/no-such-thing/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is nothing at this address.", "code": "not_found"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]


def test_drf_errors_carry_a_code(client, db):
    response = client.get("/api/assignments/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_a_bug_in_an_api_view_is_a_json_500_not_an_html_page(db):
    response = core_api.exception_handler(RuntimeError("a bug"), {})
    assert response.status_code == 500 and response.data["code"] == "server_error"
    request = RequestFactory().get("/api/assignments/")
    middleware = core_api.ApiErrorsMiddleware(lambda r: None)
    answered = middleware.process_exception(request, RuntimeError("a bug outside DRF"))
    assert answered is not None and answered.status_code == 500
    assert answered["Content-Type"] == "application/json"
    final = core_api.server_error(request)
    assert final.status_code == 500 and final["Content-Type"] == "application/json"
    html = core_api.server_error(RequestFactory().get("/grader/"))
    assert html.status_code == 500 and "text/html" in html["Content-Type"]


def test_a_full_disk_in_an_api_view_is_a_json_503(db):
    response = core_api.exception_handler(OSError(28, "No space left on device"), {})
    assert response.status_code == 503 and response.data["code"] == "storage_full"
