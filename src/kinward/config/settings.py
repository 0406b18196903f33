"""Kinward settings, read from the environment.

Every setting a deployment may change is listed in `docs/configuration.md`; a test fails when one is missing.
Defaults give the embedded deployment: SQLite in WAL mode inside `KINWARD_DATA_DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

from kinward.config.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    read_or_create_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent  # src/kinward

# --- where Kinward keeps its files -------------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("KINWARD_DATA_DIR", Path.cwd() / "data")).resolve()
DEBUG = env_bool("KINWARD_DEBUG", False)
PRODUCTION = env_bool("KINWARD_PRODUCTION", False)

# Secrets live in files, never in the environment itself: the variables name the files.
SECRET_KEY_FILE = Path(os.environ.get("KINWARD_SECRET_KEY_FILE", DATA_DIR / "keys" / "secret_key"))
SECRET_KEY = read_or_create_secret(SECRET_KEY_FILE, create=not PRODUCTION)
KEYS_DIR = Path(os.environ.get("KINWARD_KEYS_DIR", DATA_DIR / "keys"))

ALLOWED_HOSTS = env_list("KINWARD_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KINWARD_CSRF_TRUSTED_ORIGINS", [])

# --- database ----------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kinward.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- applications ------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "kinward.apps.accounts",
    "kinward.apps.audit",
    "kinward.apps.jobs",
    "kinward.apps.core",
    "kinward.apps.registry",
    "kinward.apps.alerts",
    "kinward.apps.cases",
    "kinward.apps.tips",
    "kinward.apps.reunification",
    "kinward.apps.watch",
    "kinward.apps.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kinward.apps.core.middleware.ActorMiddleware",
    "kinward.apps.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "kinward.config.urls"
WSGI_APPLICATION = "kinward.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kinward.apps.core.context_processors.navigation",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- sign-in -----------------------------------------------------------------------------------------------
LOGIN_MAX_FAILURES = env_int("KINWARD_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("KINWARD_LOGIN_LOCKOUT_SECONDS", 15 * 60)
SESSION_COOKIE_AGE = env_int("KINWARD_SESSION_SECONDS", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True  # the expiry is counted from the last request (idle timeout)

# --- languages ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia"), ("ru", "Русский"), ("kk", "Қазақша"), ("zh-hans", "中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("KINWARD_TIME_ZONE", "UTC")
USE_TZ = True

# --- static files ------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects the folder, even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

# --- e-mail ------------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("KINWARD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KINWARD_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KINWARD_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("KINWARD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = read_or_create_secret(Path(p), create=False) if (p := os.environ.get("KINWARD_EMAIL_PASSWORD_FILE")) else ""
EMAIL_USE_TLS = env_bool("KINWARD_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("KINWARD_EMAIL_FROM", "kinward@localhost")

# --- background work ---------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Each birth, custody event, pregnancy or abandonment report committed through Kinward queues its red-flag
# evaluation (docs/alerts.md); off, live alerts come from the nightly scan only.
ALERTS_EVALUATE_EVENTS = env_bool("KINWARD_ALERTS_EVALUATE_EVENTS", True)

# --- API ---------------------------------------------------------------------------------------------------
API_PAGE_SIZE = env_int("KINWARD_API_PAGE_SIZE", 50)
NINJA_PAGINATION_PER_PAGE = API_PAGE_SIZE
IDEMPOTENCY_KEY_HOURS = env_int("KINWARD_IDEMPOTENCY_KEY_HOURS", 48)

# --- registry ----------------------------------------------------------------------------------------------
LEDGER_KEY_FILE = Path(os.environ.get("KINWARD_LEDGER_KEY_FILE", KEYS_DIR / "ledger.signer"))
LEDGER_ORIGIN = os.environ.get("KINWARD_LEDGER_ORIGIN", "kinward.local/registry")
REGISTRATION_LATE_DAYS = env_int("KINWARD_REGISTRATION_LATE_DAYS", 60)
# Birth-certificate signer keys: one per issuing office, `<stem>-<agency id><suffix>` next to this path, and
# the published key list `<stem>-keys.json` beside them (created 0600 on first use unless production).
CERTIFICATE_KEY_FILE = Path(os.environ.get("KINWARD_CERTIFICATE_KEY_FILE", KEYS_DIR / "issuer.pem"))

# --- public tip line ---------------------------------------------------------------------------------------
TIP_ATTACHMENT_MAX_BYTES = env_int("KINWARD_TIP_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
TIP_ATTACHMENTS_MAX = env_int("KINWARD_TIP_ATTACHMENTS_MAX", 3)
TIP_RATE_WINDOW_SECONDS = env_int("KINWARD_TIP_RATE_WINDOW_SECONDS", 3600)
TIP_RATE_PER_ADDRESS = env_int("KINWARD_TIP_RATE_PER_ADDRESS", 20)
TIP_RATE_GLOBAL = env_int("KINWARD_TIP_RATE_GLOBAL", 500)
# A tip sent through the API carries its attachments in base64 inside the JSON body (4/3 of their size).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, TIP_ATTACHMENT_MAX_BYTES * TIP_ATTACHMENTS_MAX * 4 // 3 + 1_048_576)

# --- watching online platforms (docs/watch.md) -------------------------------------------------------------
WATCH_FEED_TIMEOUT_SECONDS = env_int("KINWARD_WATCH_FEED_TIMEOUT_SECONDS", 15)
WATCH_FEED_MAX_BYTES = env_int("KINWARD_WATCH_FEED_MAX_BYTES", 5 * 1024 * 1024)
WATCH_POST_MAX_CHARS = env_int("KINWARD_WATCH_POST_MAX_CHARS", 20000)
WATCH_SCREENSHOT_MAX_BYTES = env_int("KINWARD_WATCH_SCREENSHOT_MAX_BYTES", 2 * 1024 * 1024)
WATCH_BENIGN_RETENTION_DAYS = env_int("KINWARD_WATCH_BENIGN_RETENTION_DAYS", 90)
WATCH_TRAINING_FILE = os.environ.get("KINWARD_WATCH_TRAINING_FILE", "")
WATCH_FEED_PRIVATE_HOSTS = [
    h.strip() for h in os.environ.get("KINWARD_WATCH_FEED_PRIVATE_HOSTS", "").split(",") if h.strip()
]

# --- security headers (production) -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("KINWARD_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("KINWARD_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KINWARD_LOG_LEVEL", "WARNING")},
}
