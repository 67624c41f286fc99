"""Every kind of page works under the Content-Security-Policy (no inline script, WebSockets to the site
only): Chromium reports no policy violation on the site's pages, the admin, Swagger UI and ReDoc."""

import pytest

from accounts.models import Role
from accounts.services import enrollment_set
from tests.e2e.pages import DESKTOP, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.services]

# Each page and what shows that its scripts ran (a selector their JavaScript fills in, where there is one).
PAGES = [
    ("/", "main"),
    ("/quizzes/", "main"),
    ("/quizzes/play/", "main"),
    ("/grader/", "main"),
    ("/dashboards/courses/VITMMA19/", "main"),
    ("/gradebook/", "main"),
    ("/accounts/token/", "main"),
    ("/admin/", "#content"),
    ("/api/docs/", ".swagger-ui .info"),  # drawn by swagger-ui's script, started from a file
    ("/api/redoc/", "[role=navigation], .menu-content"),  # drawn by ReDoc (styles injected, a blob: worker)
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


def test_pages_run_under_the_content_security_policy_without_violations(browser, asgi_server, course):
    admin = UserFactory(username="csp-admin", is_staff=True, is_superuser=True)
    enrollment_set(course=course, user=admin, role=Role.INSTRUCTOR)
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, asgi_server.url, "csp-admin")
    seen = {}
    for path, ready in PAGES:
        response = page.goto(asgi_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_timeout(300)  # late scripts (ReDoc's worker) report their violations too
        seen[path] = page.evaluate("window.__cspViolations")
    context.close()
    # ReDoc's own template asks Google Fonts and cdn.redoc.ly for a font and a logo: the policy keeps those
    # outside requests off (the page falls back to local fonts), which is what it is for.
    outside = ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")
    ours = {
        path: [v for v in found if not v.split(" ")[1].startswith(outside)] for path, found in seen.items()
    }
    assert {path: found for path, found in ours.items() if found} == {}
    blocked = [text for text in console if "Content Security Policy" in text]
    assert [text for text in blocked if not any(url in text for url in outside)] == [], console
