"""Settings for the test suite: the normal settings, with test data kept apart from the demo's.

Subprocesses started by tests (Celery worker, ASGI servers) set PLATFORM_TEST_SUBPROCESS=1 so
they open the test database that pytest-django created instead of the normal one.
"""

import os
from pathlib import Path

os.environ.setdefault("DATA_DIR", str(Path(__file__).resolve().parents[2] / "var" / "test"))

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("PLATFORM_TEST_SUBPROCESS"):
    DATABASES["default"]["NAME"] = DATABASES["default"]["TEST"]["NAME"]

# Most tests answer the moment a question opens; the hall's browser tests ask for a countdown.
QUIZ_GET_READY_S = float(os.environ.get("QUIZ_GET_READY_S", "0"))

# Most tests read a board right after changing it; the memo's own tests ask for an age.
LEADERBOARD_MAX_AGE_SECONDS = float(os.environ.get("LEADERBOARD_MAX_AGE_SECONDS", "0"))
