"""Settings, read from environment variables only (as in Healthchecks).

Every knob has a default that makes the embedded deployment (SQLite in ./var,
one process) work with no configuration at all.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# var/ holds the SQLite database, the generated secret key and uploads.
DATA_DIR = Path(env_str("GRIDGOV_DATA_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once and kept under var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "gridgov.core",
    "gridgov.places",
    "gridgov.party",
    "gridgov.accounts",
    "gridgov.cases",
    "gridgov.open311",
    "gridgov.hotline",
    "gridgov.insights",
    "gridgov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

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
                "gridgov.web.context.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'gridgov.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's backend with a write lock per process: the server's threads queue
    # for BEGIN IMMEDIATE instead of polling SQLite (gridgov/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "gridgov.core.sqlite"
    # WAL lets readers go on while one writer commits; the pragmas run on every
    # new connection (Django >= 5.1 "init_command").  IMMEDIATE: a transaction
    # takes the write lock at BEGIN, so two writers never deadlock on upgrade.
    # timeout: seconds a writer waits (for another process) before "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
    # Tests in memory, and named so: test runners only recognise Django's own
    # SQLite engine as in-memory by default (pytest-xdist would make a file name).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the planner costs every list over 200,000 cases high enough to compile
    # it, and compiling took longer (150-330 ms) than the query (the ledger's COUNT,
    # ~100 ms); a short web query never gains.  An "options" in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[Path] = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise warns on every start when STATIC_ROOT is missing (before collectstatic).
with contextlib.suppress(OSError):  # a read-only data dir: collectstatic will tell
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Without collectstatic (demo, tests) WhiteNoise serves straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

# Map tiles: none by default (intranet, no internet). A deployment with a tile
# server sets e.g. GRIDGOV_TILE_URL=https://tiles.example/{z}/{x}/{y}.png
GRIDGOV_TILE_URL = env_str("GRIDGOV_TILE_URL", "")
GRIDGOV_TILE_ATTRIBUTION = env_str("GRIDGOV_TILE_ATTRIBUTION", "")
# How often (seconds) a process checks whether another one changed the grids.
GRIDGOV_GRID_INDEX_RECHECK_SECONDS = float(env_str("GRIDGOV_GRID_INDEX_RECHECK_SECONDS", "1"))
# Two grids may overlap by this much (square metres) on import: surveyed
# boundaries drawn by hand never meet exactly.
GRIDGOV_OVERLAP_TOLERANCE_M2 = float(env_str("GRIDGOV_OVERLAP_TOLERANCE_M2", "1.0"))
# Category classifier (insights): a case submitted without a category is
# registered and dispatched straight away (直派) when the classifier is at
# least this sure; below it, the case waits for the dispatcher with the
# suggestions shown. 1.0 (or more) turns automatic dispatch off.
GRIDGOV_AUTO_DISPATCH_CONFIDENCE = float(env_str("GRIDGOV_AUTO_DISPATCH_CONFIDENCE", "0.8"))
# The worker retrains the classifier once this many cases closed since the last training.
GRIDGOV_CLASSIFIER_RETRAIN_AFTER = env_int("GRIDGOV_CLASSIFIER_RETRAIN_AFTER", 200)
# How often (seconds) a process checks whether another one trained a newer model.
GRIDGOV_CLASSIFIER_RECHECK_SECONDS = float(env_str("GRIDGOV_CLASSIFIER_RECHECK_SECONDS", "30"))
# The weekly report's PDF embeds a Chinese font: found among the usual system
# fonts (Debian: fonts-noto-cjk), or this file (TTF, OTF or a TTC with the index).
GRIDGOV_PDF_FONT = env_str("GRIDGOV_PDF_FONT", "")
GRIDGOV_PDF_FONT_INDEX = env_int("GRIDGOV_PDF_FONT_INDEX", 0)
# Password attempts per client address on POST /api/v1/auth/token (ninja rate syntax).
GRIDGOV_LOGIN_RATE = env_str("GRIDGOV_LOGIN_RATE", "20/m")
# 吹哨报到: minutes a summoned unit has to report for duty (Beijing: 30).
GRIDGOV_REPORT_FOR_DUTY_MINUTES = env_int("GRIDGOV_REPORT_FOR_DUTY_MINUTES", 30)
# An "unsatisfied" rating reopens a case this many times at most.
GRIDGOV_REOPENS_ON_UNSATISFIED = env_int("GRIDGOV_REOPENS_ON_UNSATISFIED", 1)
# Deadlines sweep (gridgov sweep / worker): after an automatic escalation the
# level above has this many hours before the case escalates again (grid ->
# community -> street office); the rule is in gridgov/cases/sweep.py.
GRIDGOV_ESCALATION_HOURS = env_int("GRIDGOV_ESCALATION_HOURS", 24)
# `gridgov worker`: seconds between passes (sweep, then deliver the outbox).
GRIDGOV_WORKER_INTERVAL = env_int("GRIDGOV_WORKER_INTERVAL", 5)
# Outbox senders, comma-separated: "log" (the process log), "webhook" (a
# work-chat robot, WeCom/DingTalk style JSON posted to GRIDGOV_WEBHOOK_URL).
GRIDGOV_OUTBOX_SENDERS = env_list("GRIDGOV_OUTBOX_SENDERS", "log")
GRIDGOV_WEBHOOK_URL = env_str("GRIDGOV_WEBHOOK_URL", "")
# 12345 hotline orders (docs/hotline.md): milestones are POSTed to this URL,
# signed with HMAC-SHA256 and this shared secret (sender "hotline", not listed above).
GRIDGOV_HOTLINE_CALLBACK_URL = env_str("GRIDGOV_HOTLINE_CALLBACK_URL", "")
GRIDGOV_HOTLINE_SECRET = env_str("GRIDGOV_HOTLINE_SECRET", "")
# Case photos: at most this many per case, each at most this many bytes.
GRIDGOV_PHOTOS_PER_CASE = env_int("GRIDGOV_PHOTOS_PER_CASE", 6)
GRIDGOV_PHOTO_MAX_BYTES = env_int("GRIDGOV_PHOTO_MAX_BYTES", 10_000_000)
# Ledger Excel exports from the web: at most this many rows (cases, or events for the
# per-step export); bigger ones run on the server: `gridgov export-ledger`.
GRIDGOV_WEB_EXPORT_MAX_ROWS = env_int("GRIDGOV_WEB_EXPORT_MAX_ROWS", 50_000)
# Open311 (/open311/v2/): requests per API key, "N/s|m|h|d", counted in the database
# so the limit holds across processes; the contact line of discovery (default: a sentence).
GRIDGOV_OPEN311_RATE = env_str("GRIDGOV_OPEN311_RATE", "60/m")
GRIDGOV_OPEN311_CONTACT = env_str("GRIDGOV_OPEN311_CONTACT", "")
# Upload limit for place imports.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
# The "log" outbox sender and the worker write at INFO (the sender's whole point).
LOGGING["loggers"] = {
    "gridgov.outbox": {"level": env_str("GRIDGOV_OUTBOX_LOG_LEVEL", "INFO")},
    "gridgov.worker": {"level": env_str("GRIDGOV_OUTBOX_LOG_LEVEL", "INFO")},
}

# gettext_lazy imported for translators' tooling of LANGUAGES labels.
_ = _
