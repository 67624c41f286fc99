"""Settings, read from environment variables.

With no variables at all the site runs embedded on one machine: SQLite in WAL mode, files under
``var/``, Celery over kombu's filesystem transport, an in-process channel layer.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis; ``PLATFORM_MODE=production``
switches on the production posture (DEBUG off, secure cookies, a real secret required).
Every variable is listed in ``.env.example``.
"""

import hashlib
import hmac
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

# --- Paths -------------------------------------------------------------------------------------
ROOT_DIR = Path(__file__).resolve().parents[2]
PLATFORM_DIR = ROOT_DIR / "platform"
BASE_DIR = ROOT_DIR
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Mode and security -------------------------------------------------------------------------
INSECURE_DEFAULT_SECRET = "insecure-embedded-default-secret-do-not-use-in-production"
PLATFORM_MODE = os.environ.get("PLATFORM_MODE", "embedded").strip().lower()
if PLATFORM_MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("PLATFORM_MODE must be 'embedded' or 'production'.")
PRODUCTION = PLATFORM_MODE == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET)
if PRODUCTION and (SECRET_KEY == INSECURE_DEFAULT_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "PLATFORM_MODE=production refuses to start without a real SECRET_KEY "
        "(at least 50 random characters, e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`)."
    )

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

if PRODUCTION:
    # TLS ends at the reverse proxy, which sets X-Forwarded-Proto (docs/deploy.md). Trusting the header is
    # safe only while the ASGI processes are reachable from the proxy alone (bind 127.0.0.1 or a private
    # network); SECURE_PROXY_SSL_HEADER=0 turns it off for a site served without a proxy.
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # SECURE_SSL_REDIRECT=0 when the proxy already redirects http to https itself.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # Both bind more than this site (every subdomain of the university; browsers' preload lists, hard to
    # leave): the operator chooses them, they are never a default.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    hsts_choices = {"security.W005": SECURE_HSTS_INCLUDE_SUBDOMAINS, "security.W021": SECURE_HSTS_PRELOAD}
    SILENCED_SYSTEM_CHECKS = [check for check, chosen in hsts_choices.items() if not chosen]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
# A load balancer probes /healthz over plain HTTP: it must see 200/503, not a 301 to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Every page: scripts only from this site (no inline script), WebSockets only to it. Inline styles stay
# allowed (the live quiz's bar heights, Swagger UI/ReDoc). Views may set their own (the notebook's sandbox).
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' {websocket}; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "accounts.apps.SuperuserAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "accounts",
    "core",
    "quizzes",
    "grader",
    "projects",
    "gradebook",
    "dashboards",
    "lifecycle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.api.ApiErrorsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PLATFORM_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site_nav",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES: dict[str, Any]
if DATABASE_URL:
    # Under ASGI each request runs its sync code in a thread of its own, so a persistent connection
    # (CONN_MAX_AGE > 0) is one idle connection per request, never reused: 30 requests held 30 connections
    # and two web processes took PostgreSQL's 100 slots (issue 18). Django's advice for ASGI: close after
    # each request (the default, 0), or psycopg's pool per process (DATABASE_POOL_MAX_SIZE > 0). A Celery
    # worker's pool process is one thread: DATABASE_CONN_MAX_AGE=300 there keeps one connection per process.
    DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))
    conn_max_age = 0 if DATABASE_POOL_MAX_SIZE else int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=conn_max_age, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        # Named in pg_stat_activity, so an operator (and a test) can count each kind of process.
        options.setdefault("application_name", os.environ.get("DATABASE_APPLICATION_NAME", "dlip"))
        # A refused or unreachable server fails a request in seconds, not after the kernel's TCP timeout.
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")))
        if DATABASE_POOL_MAX_SIZE:
            options["pool"] = {
                "min_size": 0,
                "max_size": DATABASE_POOL_MAX_SIZE,
                # A request that finds the pool empty waits this long, then fails with an error, not forever.
                "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
                "max_idle": 60,
            }
        # Tests run against the same server; the worker process finds the test database by this name.
        test_name = os.environ.get("TEST_DATABASE_NAME") or f"test_{DATABASES['default']['NAME']}"
        DATABASES["default"]["TEST"] = {"NAME": test_name}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            # Keep connections: reopening one reruns the PRAGMAs on every live-quiz answer.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # WAL lets the web server and the Celery worker read while the other writes;
            # IMMEDIATE transactions avoid "database is locked" on lock upgrades.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A file, not :memory:, so a real worker process sees the test database.
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker -------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layers.LectureHallRedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "dlip")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "core.channel_layers.LectureHallChannelLayer"}}

# The live quiz's answers take their own database thread(s) (core/db_lanes.py): one on SQLite, whose
# writes take turns anyway; several on PostgreSQL, where each answer's round trips can overlap.
_answer_lane_default = "4" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "1"
ANSWER_LANE_THREADS = int(os.environ.get("ANSWER_LANE_THREADS", _answer_lane_default))

# --- Celery ------------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
    # A message a worker took but never acknowledged (the worker was killed) goes back to the queue after
    # this long. Longer than the longest countdown of a retry; a copy delivered while the first still runs
    # is harmless (the job's claim is guarded). Was 6 hours.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "900"))
    }
else:
    # kombu's filesystem transport: a queue is a folder, no server to install.
    for sub in ("queue", "processed", "control", "results"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost//")
    if CELERY_BROKER_URL.startswith("filesystem://"):  # kombu's, with whole messages (core/broker_folder.py)
        CELERY_BROKER_TRANSPORT = "core.broker_folder:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", f"file://{BROKER_DIR / 'results'}")
    # The filesystem transport has no fanout exchange: no remote control, no events.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("grading-cpu", Exchange("grading-cpu"), routing_key="grading-cpu"),
    Queue("grading-gpu", Exchange("grading-gpu"), routing_key="grading-gpu"),
]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Europe/Budapest"
# Publishing from a web request waits at most ~1-2 s for a broker that is down (then the submission stays
# queued and the sweeper sends it again), instead of Celery's default reconnect loops.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "1"))
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,  # one retry: a pooled connection to a restarted Redis fails once, the retry reconnects
    "interval_start": 0,
    "interval_step": 0.25,
    "interval_max": 0.5,
}
if REDIS_URL:
    # A Redis that accepts connections but does not answer (stopped, overloaded) must not hold a request
    # either; 2 s stays above the worker's 1 s BRPOP poll.
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_connect_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
        socket_timeout=float(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "2")),
    )
CELERY_TASK_ALWAYS_EAGER = False

# --- Files -------------------------------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media")).resolve()
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static")).resolve()
STATICFILES_DIRS = [PLATFORM_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    # Written under a temporary name, fsynced, then linked: a full disk leaves no half-written file.
    "default": {"BACKEND": "core.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Deep Learning in practice <noreply@localhost>")
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hu", "Magyar")]
LOCALE_PATHS = [PLATFORM_DIR / "locale"]
# Named date formats per language (config/formats/<lang>/formats.py): templates write
# |date:"DATETIME_FORMAT" (or SHORT_DATETIME_FORMAT, MONTH_DAY_FORMAT), never a literal English pattern.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Budapest"
USE_I18N = True
USE_TZ = True

# --- Passwords ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login throttling (django-axes) -------------------------------------------------------------
# Every password check (the login page, the admin's login) goes through axes' backend first.
# Locks the pair (username, IP) for a cool-off, never forever: Neptun codes are public, so locking a
# username alone would let anyone lock a classmate out; a lecture hall behind one NAT address still
# costs a victim at most AXES_COOLOFF_TIME, and failures during a lock-out do not extend it.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures are what the lock needs; no log of every login's address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_USERNAME_CALLABLE = "accounts.forms.login_username"
# Reverse proxies in front of the site (nginx: 1): the client address is then read from X-Forwarded-For.
LOGIN_PROXY_COUNT = int(os.environ.get("LOGIN_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.login_client_ip"

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.FiniteJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Deep Learning in practice platform API",
    "DESCRIPTION": "Live quizzes and homework autograding. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: one JSON object per line on stdout, for a log collector ---------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Grading -----------------------------------------------------------------------------------
# /healthz reports the media and work folders as degraded below this much free space.
HEALTH_MIN_FREE_MB = int(os.environ.get("HEALTH_MIN_FREE_MB", "1024"))
GRADER_WORK_DIR = Path(os.environ.get("GRADER_WORK_DIR", DATA_DIR / "grading")).resolve()
REFERENCE_CACHE_DIR = Path(os.environ.get("REFERENCE_CACHE_DIR", DATA_DIR / "reference")).resolve()
# Keys the built-in tasks' held-out data (reference_models.keys): the same on the web and every worker.
# Default: derived from SECRET_KEY (so a new SECRET_KEY means new test sets); set it on its own to rotate
# SECRET_KEY without changing the data.
GRADER_DATA_SECRET = (
    os.environ.get("GRADER_DATA_SECRET")
    or hmac.new(SECRET_KEY.encode(), b"grader-data-secret", hashlib.sha256).hexdigest()
)
GRADER_USE_GPU = env_bool("GRADER_USE_GPU", False)
# Niceness of the Celery workers (and of the student code they run): grading yields the CPU to the web server
# and the live quiz where they share a host; 0 leaves it as started.
GRADER_WORKER_NICE = int(os.environ.get("GRADER_WORKER_NICE", "10"))
# A leaderboard's scores and ranks may be this many seconds old (rights, masks and the viewer's own row never
# are): during a deadline burst the board changes 8-15 times a second, so one build a second per web process
# serves every reader instead of one build per read (docs/grader.md, "The leaderboard during the burst").
LEADERBOARD_MAX_AGE_SECONDS = float(os.environ.get("LEADERBOARD_MAX_AGE_SECONDS", "1.0"))
# Uploads one web process parses, checks and stores at once; more wait their turn (none is refused). Eight at
# once kept a leaderboard read's p95 at 100-300 ms during a burst on 2 cores; two at once, 118 ms with Redis;
# one, 80 ms, for 400 uploads taking 23 s instead of 17-19 s (docs/grader.md). More web processes, more
# turns. 0: no bound.
UPLOAD_CONCURRENCY = int(os.environ.get("UPLOAD_CONCURRENCY", "1"))
# Celery beat runs the sweeper that re-queues jobs whose worker died (docs/grader.md, "Nothing lost"): in
# the embedded mode inside the one worker (`worker -B`), in production as one `celery beat` process.
GRADER_SWEEP_SECONDS = float(os.environ.get("GRADER_SWEEP_SECONDS", "60"))
GRADER_SWEEP_GRACE_SECONDS = float(os.environ.get("GRADER_SWEEP_GRACE_SECONDS", "120"))
# A job RUNNING for GRADER_SWEEP_PING_AFTER_SECONDS whose worker (asked over Redis, waiting at most
# GRADER_SWEEP_PING_SECONDS; 0 turns it off) is not running it is re-queued without waiting for its wall time.
GRADER_SWEEP_PING_SECONDS = float(os.environ.get("GRADER_SWEEP_PING_SECONDS", "2"))
GRADER_SWEEP_PING_AFTER_SECONDS = float(os.environ.get("GRADER_SWEEP_PING_AFTER_SECONDS", "15"))
# A QUEUED submission whose message is this old is sent again (the message was lost: a task that failed
# before its claim, a broker that lost it). A duplicate costs one guarded UPDATE; during a deadline rush a
# long queue gets one duplicate per row per interval, so keep it above a typical job's run time.
GRADER_REQUEUE_AFTER_SECONDS = float(os.environ.get("GRADER_REQUEUE_AFTER_SECONDS", "120"))
GRADER_MAX_ATTEMPTS = int(os.environ.get("GRADER_MAX_ATTEMPTS", "3"))
# The platform's own failures (sandbox error, database gone) are retried after a growing pause:
# GRADER_RETRY_BACKOFF_SECONDS x 2^(n-1), at most GRADER_RETRY_BACKOFF_MAX_SECONDS.
GRADER_RETRY_BACKOFF_SECONDS = float(os.environ.get("GRADER_RETRY_BACKOFF_SECONDS", "5"))
GRADER_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("GRADER_RETRY_BACKOFF_MAX_SECONDS", "120"))
GRADER_DB_RETRIES = int(os.environ.get("GRADER_DB_RETRIES", "8"))
# Project hand-ins: which git hosts the site fetches "the last commit before the deadline" from. Space-
# separated public URL prefixes, each optionally "=fetch prefix" (a mirror): e.g.
# "https://github.com/ https://git.example.edu/=file:///srv/git-mirror/". Empty: nothing is fetched.
PROJECT_GIT_SOURCES = dict(
    (item.split("=", 1) + [item.split("=", 1)[0]])[:2]
    for item in os.environ.get("PROJECT_GIT_SOURCES", "").split()
)
PROJECT_GIT_SECONDS = float(os.environ.get("PROJECT_GIT_SECONDS", "60"))
PROJECT_ARCHIVE_MAX_BYTES = int(os.environ.get("PROJECT_ARCHIVE_MAX_MB", "200")) * 1024 * 1024
PROJECT_COMMITS_SWEEP_SECONDS = float(os.environ.get("PROJECT_COMMITS_SWEEP_SECONDS", "300"))
CELERY_BEAT_SCHEDULE = {
    "grader-sweep": {
        "task": "grader.sweep_submissions",
        "schedule": GRADER_SWEEP_SECONDS,
        "options": {"queue": "default", "expires": GRADER_SWEEP_SECONDS},
    },
    # The commit that counts for each project hand-in, fetched after the deadline (projects.repository).
    "projects-commits-sweep": {
        "task": "projects.commits_sweep",
        "schedule": PROJECT_COMMITS_SWEEP_SECONDS,
        "options": {"queue": "default", "expires": PROJECT_COMMITS_SWEEP_SECONDS},
    },
    # Personal data of closed courses past their retention period (lifecycle; docs/lifecycle.md).
    "lifecycle-retention-sweep": {
        "task": "lifecycle.retention_sweep",
        "schedule": 24 * 3600,
        "options": {"queue": "default", "expires": 3600},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The notebook's preview is rendered in the sandbox under its own limits (it is the student's content).
# Time limits of every Celery task (seconds): the soft one raises in the task (an internal error, retried),
# the hard one kills the worker's child, whose sandbox dies with it. An assignment's wall time must fit
# under the soft one with the preview (checked when it is created).
GRADER_RENDER_SECONDS = float(os.environ.get("GRADER_RENDER_SECONDS", "60"))
GRADER_RENDER_MEMORY_MB = int(os.environ.get("GRADER_RENDER_MEMORY_MB", "1024"))
GRADER_TASK_SOFT_TIME_LIMIT = float(os.environ.get("GRADER_TASK_SOFT_TIME_LIMIT", "3600"))
GRADER_TASK_TIME_LIMIT = float(os.environ.get("GRADER_TASK_TIME_LIMIT", GRADER_TASK_SOFT_TIME_LIMIT + 120))
CELERY_TASK_SOFT_TIME_LIMIT = GRADER_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = GRADER_TASK_TIME_LIMIT

# --- Live quiz ---------------------------------------------------------------------------------
# Seconds of "get ready" before each question opens (the projector counts down; answers wait for it).
QUIZ_GET_READY_S = float(os.environ.get("QUIZ_GET_READY_S", "3"))
