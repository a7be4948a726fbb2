"""Settings, driven by the environment.

FANGGUAN_ENV selects the mode: ``development`` (default: the demo, a generated secret key
under var/), ``test`` (pytest) or ``production`` (every secret must be given, HTTPS assumed).
DATABASE_URL picks the database (SQLite under var/ by default, ``postgres://…`` for real use),
REDIS_URL moves the background queue from SQLite to Redis. Bad configuration in production
stops start-up instead of running half-configured.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

SRC_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = SRC_DIR.parent
VAR_DIR = Path(os.environ.get("FANGGUAN_VAR_DIR", BASE_DIR / "var"))

# Under pytest the mode defaults to "test" (fixed test keys, eager background tasks).
ENV = os.environ.get("FANGGUAN_ENV") or ("test" if "pytest" in sys.modules else "development")
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"FANGGUAN_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1" and not PRODUCTION


def _local_secret(name: str, make) -> str:
    """A secret kept in var/ for development: generated once, never committed."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = (
        "test-only-secret-key-not-for-any-real-use-0123456789"
        if ENV == "test"
        else _local_secret("secret_key", lambda: secrets.token_urlsafe(50))
    )

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
if ENV == "test":
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # serves its Swagger UI from our own static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "fangguan.core",
    "fangguan.accounts",
    "fangguan.registry",
    "fangguan.imports",
    "fangguan.exports",
    "fangguan.web",
    "fangguan.dashboard",
    "fangguan.repairs",
    "fangguan.outbox",
    "fangguan.notifications",
    "fangguan.ops",
    "fangguan.hotline",
    "fangguan.open311",
    "fangguan.development",
    "fangguan.votes",
    "fangguan.funds",
    "fangguan.supervision",
    "fangguan.planning",
    "fangguan.search",
]
# Last: Django merges catalogues with the first app winning, and the admin's translates words we
# use differently ("Filter" 过滤器 where the pages say 筛选).
INSTALLED_APPS += ["django.contrib.admin"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fangguan.core.middleware.RequestIdMiddleware",
    "fangguan.core.replica.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangguan.core.middleware.ChineseFirstLocaleMiddleware",
    "fangguan.core.middleware.ApiErrorMiddleware",  # API errors as JSON, in the language just chosen
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "fangguan.core.middleware.ActorMiddleware",
    "fangguan.web.middleware.LoginRequiredMiddleware",
    "fangguan.accounts.middleware.PasswordExpiryMiddleware",
    "fangguan.accounts.middleware.SecondFactorMiddleware",
    # a 503 in Chinese while the database is down: last, so its process_exception runs first
    "fangguan.ops.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "fangguan.urls"
WSGI_APPLICATION = "fangguan.wsgi.application"

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
                "fangguan.web.context.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fangguan.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker read while one writes; IMMEDIATE
    # transactions and a busy timeout make concurrent writers wait instead of failing.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["TEST"] = {"NAME": os.environ.get("FANGGUAN_TEST_SQLITE") or None}
DATABASES = {"default": _db}
# A streaming replica for dashboards, figures and exports (core/replica.py); tests mirror the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["fangguan.core.replica.ReplicaRouter"]
FANGGUAN_REPLICA_PIN_SECONDS = int(os.environ.get("FANGGUAN_REPLICA_PIN_SECONDS", 10))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work (huey) ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "fangguan", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fangguan",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        # eager under tests; a drill that runs a real worker sets FANGGUAN_HUEY_IMMEDIATE=0
        "immediate": os.environ.get("FANGGUAN_HUEY_IMMEDIATE", "1" if ENV == "test" else "0") == "1",
    }

# --- Cache (rate limits): shared by all web workers ---------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": os.environ.get("FANGGUAN_CACHE_PREFIX", "")}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
        if ENV != "test"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# registry figures are cached per version of their tables (registry.selectors); 0 turns it off
FANGGUAN_FIGURES_CACHE_SECONDS = int(os.environ.get("FANGGUAN_FIGURES_CACHE_SECONDS", 24 * 3600))
# List pages serialised from values() rows into JSON bytes (core.rows); 0: through the schemas
FANGGUAN_FAST_LISTS = int(os.environ.get("FANGGUAN_FAST_LISTS", 1))
# Imports of the kinds that opt in (homes) validate each distinct value once with the model's own
# field rules and write new records without model instances (imports.specs); 0: the instance path
FANGGUAN_FAST_IMPORTS = int(os.environ.get("FANGGUAN_FAST_IMPORTS", 1))
# Repair figures answered from the per-day cells (repairs.figures) instead of one pass over the
# requests. Off by default: at 200,000 requests the cells were nearly as many as the requests and
# saved ~10% (docs/performance.md), while their median is exact only to its bucket. The cells are
# kept either way, so switching on needs no rebuild.
FANGGUAN_REPAIR_FIGURES_FROM_CELLS = int(os.environ.get("FANGGUAN_REPAIR_FIGURES_FROM_CELLS", 0))
# per source address; the test suite logs in far faster than any office (its own test sets it low)
FANGGUAN_RATE_LOGIN = os.environ.get("FANGGUAN_RATE_LOGIN", "100000/m" if ENV == "test" else "300/m")
FANGGUAN_RATE_PUBLIC = os.environ.get("FANGGUAN_RATE_PUBLIC", "600/m")

# --- Accounts and sessions -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("FANGGUAN_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_HOURS = int(os.environ.get("FANGGUAN_API_TOKEN_HOURS", 8))
# A client system's read-only Open311 key (accounts.services.open311_key_issue) lives at most this long.
FANGGUAN_OPEN311_KEY_MAX_DAYS = int(os.environ.get("FANGGUAN_OPEN311_KEY_MAX_DAYS", 366))

AUTHENTICATION_BACKENDS = ["fangguan.accounts.backends.LockoutBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fangguan.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "fangguan.accounts.validators.NotUsernameValidator"},
    {"NAME": "fangguan.accounts.validators.PasswordHistoryValidator",
     "OPTIONS": {"count": int(os.environ.get("FANGGUAN_PASSWORD_HISTORY", 5))}},
]


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Login security (accounts/security.py): on in every mode, the demo included.
FANGGUAN_LOCKOUT_FAILURES = _int_env("FANGGUAN_LOCKOUT_FAILURES", 5)
FANGGUAN_LOCKOUT_WINDOW_MINUTES = _int_env("FANGGUAN_LOCKOUT_WINDOW_MINUTES", 15)
FANGGUAN_LOCKOUT_MINUTES = _int_env("FANGGUAN_LOCKOUT_MINUTES", 15)
FANGGUAN_THROTTLE_ACCOUNTS = _int_env("FANGGUAN_THROTTLE_ACCOUNTS", 20)
FANGGUAN_PASSWORD_MAX_AGE_DAYS = _int_env("FANGGUAN_PASSWORD_MAX_AGE_DAYS", 90)
# Identity provider login (accounts/oidc.py): off unless a client id is configured.
FANGGUAN_OIDC_CLIENT_ID = os.environ.get("FANGGUAN_OIDC_CLIENT_ID", "")
FANGGUAN_OIDC_ISSUER_NAME = os.environ.get("FANGGUAN_OIDC_ISSUER_NAME", "随申办")
FANGGUAN_OIDC_USERNAME_CLAIM = os.environ.get("FANGGUAN_OIDC_USERNAME_CLAIM", "preferred_username")
if FANGGUAN_OIDC_CLIENT_ID:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("fangguan.accounts.oidc.FangguanOIDCBackend")
    OIDC_RP_CLIENT_ID = FANGGUAN_OIDC_CLIENT_ID
    OIDC_RP_CLIENT_SECRET = os.environ.get("FANGGUAN_OIDC_CLIENT_SECRET", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["FANGGUAN_OIDC_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["FANGGUAN_OIDC_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["FANGGUAN_OIDC_USERINFO_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("FANGGUAN_OIDC_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("FANGGUAN_OIDC_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = os.environ.get("FANGGUAN_OIDC_SCOPES", "openid profile")
    OIDC_CREATE_USER = False
    LOGIN_REDIRECT_URL_FAILURE = "/login/"

# Backups (ops/backup.py): nightly at FANGGUAN_BACKUP_AT (local time) into FANGGUAN_BACKUP_DIR;
# kept: the newest of each of the last 7 days, 4 weeks and 12 months (docs/operations.md).
FANGGUAN_BACKUP_DIR = Path(os.environ.get("FANGGUAN_BACKUP_DIR", VAR_DIR / "backups"))
FANGGUAN_BACKUP_AT = os.environ.get("FANGGUAN_BACKUP_AT", "02:30")
FANGGUAN_BACKUP_KEEP_DAILY = _int_env("FANGGUAN_BACKUP_KEEP_DAILY", 7)
FANGGUAN_BACKUP_KEEP_WEEKLY = _int_env("FANGGUAN_BACKUP_KEEP_WEEKLY", 4)
FANGGUAN_BACKUP_KEEP_MONTHLY = _int_env("FANGGUAN_BACKUP_KEEP_MONTHLY", 12)

# A job row left "running" this long by a worker that no longer holds it is failed with the reason
# (imports.services.import_jobs_reap: every minute and when a worker starts).
FANGGUAN_JOB_STALE_SECONDS = _int_env("FANGGUAN_JOB_STALE_SECONDS", 30)

# Uploaded import files (clear personal data) of jobs never applied are removed after this.
FANGGUAN_IMPORT_KEEP_DAYS = _int_env("FANGGUAN_IMPORT_KEEP_DAYS", 7)

# Second factor (TOTP) for bureau staff and the three IT administrators: enforced in production.
FANGGUAN_OTP_REQUIRED = os.environ.get("FANGGUAN_OTP_REQUIRED", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = "智慧房管 Fangguan"
# Audit logs are kept at least this long (Cybersecurity Law Art. 21: six months); older rows
# leave the database only through `archive_audit`, which exports them first.
FANGGUAN_AUDIT_RETENTION_DAYS = max(180, _int_env("FANGGUAN_AUDIT_RETENTION_DAYS", 180))
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Personal data encryption ----------------------------------------------------------------
# Keys: FANGGUAN_DATA_KEYS (JSON {"key_id": "base64 key", ...}, "active": id) or a key file.
DATA_KEYS_FILE = Path(os.environ.get("FANGGUAN_DATA_KEYS_FILE", VAR_DIR / "data-keys.json"))
DATA_KEYS_JSON = os.environ.get("FANGGUAN_DATA_KEYS", "")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own catalogue in <app>/locale/ (run makemessages inside the app folder).
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it before collectstatic has run
STORAGES = {
    # asks core.disk for room before every uploaded file is written
    "default": {"BACKEND": "fangguan.core.disk.GuardedStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if ENV != "test"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Room for uploads (core/disk.py): refused when the disk would keep less than this free (the
# database, logs and huey's store need it), or the uploads would pass the quota (0: none).
FANGGUAN_MIN_FREE_DISK_BYTES = _int_env("FANGGUAN_MIN_FREE_DISK_BYTES", 0 if ENV == "test" else 1024 * 1024 * 1024)
FANGGUAN_UPLOAD_QUOTA_BYTES = _int_env("FANGGUAN_UPLOAD_QUOTA_BYTES", 0)

# --- Security headers (on in every mode) -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("FANGGUAN_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
def _tile_hosts() -> list[str]:
    """Map tiles (core/maps.py) are the one thing loaded from elsewhere, and only when a tile
    server is configured: allow exactly its host (``{s}`` subdomains as a wildcard)."""
    from urllib.parse import urlsplit

    hosts = []
    for name in ("FANGGUAN_MAP_TILES", "FANGGUAN_MAP_OVERLAY"):
        template = os.environ.get(name, "")
        if template:
            parts = urlsplit(template)
            netloc = ".".join("*" if "{s}" in label else label for label in parts.netloc.split("."))
            hosts.append(f"{parts.scheme}://{netloc}")
    return hosts


# Content-Security-Policy: only our own scripts and styles, no inline code, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_tile_hosts()],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Request size limits: uploads above these are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Archives read from uploads (.xlsx imports; core/archives.py): checked before a byte is parsed.
FANGGUAN_ARCHIVE_MAX_BYTES = _int_env("FANGGUAN_ARCHIVE_MAX_BYTES", 200 * 1024 * 1024)  # all parts, uncompressed
FANGGUAN_ARCHIVE_MAX_PART_BYTES = _int_env("FANGGUAN_ARCHIVE_MAX_PART_BYTES", 100 * 1024 * 1024)
FANGGUAN_ARCHIVE_MAX_RATIO = _int_env("FANGGUAN_ARCHIVE_MAX_RATIO", 100)  # uncompressed / compressed, per part
FANGGUAN_ARCHIVE_MAX_PARTS = _int_env("FANGGUAN_ARCHIVE_MAX_PARTS", 1000)
# Uploaded images (core/images.py): bytes and pixels (Pillow's decompression-bomb limit).
FANGGUAN_MAX_IMAGE_BYTES = _int_env("FANGGUAN_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
FANGGUAN_MAX_IMAGE_PIXELS = _int_env("FANGGUAN_MAX_IMAGE_PIXELS", 40_000_000)
# Exports with personal data in clear (registry/exports.py): at most this many rows per file.
FANGGUAN_CLEAR_EXPORT_MAX_ROWS = _int_env("FANGGUAN_CLEAR_EXPORT_MAX_ROWS", 2000)
# Exports of more rows than this run in the background as a job (fangguan/exports): a file the
# owner downloads from 我的导出, kept FANGGUAN_EXPORT_KEEP_DAYS days; a running job that has not
# reported progress for FANGGUAN_EXPORT_STALE_SECONDS is failed as its worker's death.
FANGGUAN_EXPORT_BACKGROUND_ROWS = _int_env("FANGGUAN_EXPORT_BACKGROUND_ROWS", 5000)
FANGGUAN_EXPORT_KEEP_DAYS = _int_env("FANGGUAN_EXPORT_KEEP_DAYS", 7)
FANGGUAN_EXPORT_STALE_SECONDS = _int_env("FANGGUAN_EXPORT_STALE_SECONDS", 300)
# Reverse proxies in front of the application whose X-Forwarded-For is believed (core/middleware.py):
# 0 = none, the peer address is the client; 1 = one proxy (nginx / the TLS gateway) …
FANGGUAN_TRUSTED_PROXY_HOPS = _int_env("FANGGUAN_TRUSTED_PROXY_HOPS", 0)

# --- API -------------------------------------------------------------------------------------
API_MAX_LIMIT = 500
API_DEFAULT_LIMIT = 50

# /metrics (ops/views.py) answers only a request carrying this token (Authorization: Bearer …);
# unset, /metrics is closed to everyone.
FANGGUAN_METRICS_TOKEN = os.environ.get("FANGGUAN_METRICS_TOKEN", "")

DEFAULT_EXCEPTION_REPORTER_FILTER = "fangguan.core.logging.PersonalDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_personal_data": {"()": "fangguan.core.logging.MaskPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["mask_personal_data"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGGUAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# A log file as well as the console, when FANGGUAN_LOG_FILE names one (docs/operations.md, "Logs").
# It rotates by size (FANGGUAN_LOG_MAX_BYTES, keeping FANGGUAN_LOG_BACKUPS old files) so a busy
# year cannot fill the disk; FANGGUAN_LOG_ROTATION=external leaves rotation to logrotate (the file
# is reopened when logrotate moves it), which is safer with several worker processes writing to one
# file: each process rotates on its own count, so size rotation can cut another's file short.
FANGGUAN_LOG_FILE = os.environ.get("FANGGUAN_LOG_FILE", "")
if FANGGUAN_LOG_FILE:
    Path(FANGGUAN_LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("FANGGUAN_LOG_ROTATION", "size") == "external":
        _file_handler = {"class": "logging.handlers.WatchedFileHandler"}
    else:
        _file_handler = {"class": "logging.handlers.RotatingFileHandler",
                         "maxBytes": _int_env("FANGGUAN_LOG_MAX_BYTES", 50 * 1024 * 1024),
                         "backupCount": _int_env("FANGGUAN_LOG_BACKUPS", 10)}
    LOGGING["handlers"]["file"] = {**_file_handler, "filename": FANGGUAN_LOG_FILE, "encoding": "utf-8",
                                   "formatter": "plain", "filters": ["mask_personal_data"]}
    LOGGING["root"]["handlers"].append("file")

