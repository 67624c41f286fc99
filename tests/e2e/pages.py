"""What the browser tests share: the viewports they are shot in and logging in through the real form."""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct-horse-battery"  # the factories' password


def log_in(page, base_url: str, username: str, *, ready: str = "text=Your courses") -> None:
    """Log in on the login page and wait for ``ready`` (a selector of the page it lands on)."""
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(ready)
