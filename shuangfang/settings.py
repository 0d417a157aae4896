"""Settings for Shuangfang, read from the environment with safe defaults.

Every value a deployment may change is an environment variable; nothing secret is written here.
The embedded default (SQLite in WAL mode, Huey on SQLite) serves one machine with no other service.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHUANGFANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/ and kept there."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # First, so that its createsuperuser (which makes the system administrator) overrides Django's.
    "shuangfang.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "shuangfang.core",
    "shuangfang.orgs",
    "shuangfang.equipment",
    "shuangfang.risks",
    "shuangfang.hazards",
    "shuangfang.notifications",
    "shuangfang.safety",
    "shuangfang.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shuangfang.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shuangfang.accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuangfang.urls"
WSGI_APPLICATION = "shuangfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shuangfang.core.context_processors.navigation",
                "shuangfang.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: DATABASE_URL, else an SQLite file under var/.  SQLite runs in WAL mode with
# IMMEDIATE transactions so that concurrent writers wait for the lock instead of failing
# with "database is locked" half-way through a transaction.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shuangfang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The platform's password policy (等保 2.0 level 3 asks for complexity): at least 10 characters,
# three of the four character classes, and not containing the username.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "shuangfang.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "shuangfang.accounts.passwords.NotContainingUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "shuangfang.accounts.passwords.PasswordHistoryValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after 5 failures for 30 minutes, counted per account (django-axes).
AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOCKOUT_MINUTES", 30))
# Counted per account, not per address: a government intranet puts whole offices behind one
# NAT address, and one mistyping colleague must not lock the office out.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock ends at the time the refusal names: tries during the lock do not push it further.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "shuangfang.accounts.views.lockout_response"
AXES_VERBOSE = False

# Password history and expiry (GB/T 22239-2019 §8.1.4.1 a asks that passwords be changed regularly).  ASVS 5.0
# 6.2.10 advises against forced periodic change; the platform follows 等保 and lets a deployment set 0 to turn
# expiry off (docs/security.md).
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
# Failed sign-ins from one address before it is refused for LOCKOUT_MINUTES, whichever accounts were tried:
# higher than the per-account limit, because an office shares one address.
LOCKOUT_IP_FAILURES = env_int("LOCKOUT_IP_FAILURES", 30)
# Roles that must sign in with a second factor (TOTP): the three platform administrators and the regulators.
TWO_FACTOR_ROLES = env_list(
    "TWO_FACTOR_ROLES", "system_admin,security_admin,audit_admin,regulator_admin,regulator_leader,inspector"
)
RECOVERY_CODE_COUNT = 10
# Requests per minute before 429: sign-in attempts per address, exports per user.
LOGIN_RATE_PER_MINUTE = env_int("LOGIN_RATE_PER_MINUTE", 20)
EXPORT_RATE_PER_MINUTE = env_int("EXPORT_RATE_PER_MINUTE", 10)
# An export of more rows than this is built by a background job and offered on the page "我的导出" (Checklist B #5):
# the request answers at once instead of holding a worker for the minutes a whole province's ledger takes.
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", 10_000)
# Hours a background export's file is kept for its requester, then deleted (the job stays listed as expired): long
# enough to span a weekend, short enough that copies of the data do not pile up on the server.
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 72)

# Idle timeout: a browser session ends after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Absolute timeout: a browser session ends this many hours after sign-in, however active.
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
API_TOKEN_LIFETIME = timedelta(hours=env_int("API_TOKEN_HOURS", 12))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
LEDGER_IMPORT_MAX_BYTES = env_int("LEDGER_IMPORT_MAX_BYTES", 64 * 1024 * 1024)
# A photo's pixel count is checked from its header before it is decoded (decompression bombs).
ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_PIXELS", 40_000_000)
# A workbook's declared uncompressed size, checked from the zip directory before parsing (zip bombs).
WORKBOOK_MAX_UNCOMPRESSED_BYTES = env_int("WORKBOOK_MAX_UNCOMPRESSED_BYTES", 500 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shuangfang.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shuangfang.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["shuangfang.core.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "shuangfang.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "shuangfang.core.api.exceptions.exception_handler",
    "DATE_FORMAT": "iso-8601",  # YYYY-MM-DD, zero-padded also before year 1000 (strftime's %Y is not)
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shuangfang API v1 (特种设备双重预防机制数据接口)",
    "DESCRIPTION": "The platform's public data-exchange interface. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "shuangfang.equipment.choices.RiskLevel",
        "InvestigationKindEnum": "shuangfang.hazards.choices.InvestigationKind",
        "TaskStatusEnum": "shuangfang.hazards.choices.TaskStatus",
    },
}

# Background work and schedules: Huey on SQLite by default, on Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "shuangfang", "url": REDIS_URL, "immediate": HUEY_IMMEDIATE}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "shuangfang",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# Content-Security-Policy: no inline script, event-handler attribute, <style> element or style
# attribute anywhere; every script and style comes from this site (ASVS 3.4.3).  The API docs page
# widens style-src for Swagger UI only (shuangfang/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Security headers (docs/deployment.md: HTTPS=1 behind the TLS-terminating reverse proxy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The header carries "preload" so that the operator of the registered domain may submit it to the browsers'
    # preload list; sending it commits nothing by itself.  HSTS_PRELOAD=0 leaves it out where the platform shares a
    # domain with sites that cannot all serve HTTPS (the deploy check then warns, as it should).
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    # Trusted because the proxy overwrites it (docs/deployment.md); port 8000 must not be reachable directly.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if SESSION_COOKIE_SECURE:
    # ASVS 5.0 3.3.1: a secure-only cookie named __Host- cannot be set by a sibling subdomain or over plain HTTP.
    # The CSRF cookie keeps its name: static/js/risk_map.js reads it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client (core/middleware.py); empty: the
# peer address is the client's.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
# A refused CSRF check is an `auth.denied` event like any other refusal (core/audit.py).
CSRF_FAILURE_VIEW = "shuangfang.core.audit.csrf_failure"
# The OpenAPI schema and Swagger UI: public in development, for signed-in users only otherwise (shuangfang/urls.py).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)

SILENCED_SYSTEM_CHECKS = [
    "axes.W006",  # per-account lockout on purpose, see AXES_LOCKOUT_PARAMETERS
    # An index's INCLUDE columns (hazard_region_status) make PostgreSQL's counts index-only; SQLite builds the same
    # index without them, which is all it can use.
    "models.W040",
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Which regulation variants apply (thresholds, schedules): the province profile.
PROVINCE_PROFILE = os.environ.get("PROVINCE_PROFILE", "shanxi")
# Inspection interval overrides by catalog prefix, e.g. "5110=12,4D00=12": how a province
# configures the rows of the interval table that are not yet verified.
INSPECTION_INTERVAL_OVERRIDES = {
    prefix.strip(): int(months)
    for prefix, _, months in (item.partition("=") for item in env_list("INSPECTION_INTERVAL_OVERRIDES", ""))
}
# 挂牌督办 timings (hazards.workflow.ListingTimings), e.g. "max_rectification_days=180,verify_within_days=7".
LISTING_TIMINGS = {
    name.strip(): int(days) for name, _, days in (item.partition("=") for item in env_list("LISTING_TIMINGS", ""))
}
# Key for the event log seals (HMAC-SM3); defaults to one derived from SECRET_KEY.
EVENT_SEAL_KEY = os.environ.get("EVENT_SEAL_KEY", "")
# Events are kept at least this many days (网络安全法 art 21: six months); nothing deletes younger ones.
EVENT_RETENTION_DAYS = max(env_int("EVENT_RETENTION_DAYS", 365), 180)
# Key (32 hex digits) for personal data encrypted at rest with SM4 (ID and phone numbers); defaults to one
# derived from SECRET_KEY.  Changing it makes stored values unreadable: set it once per deployment.
PII_ENCRYPTION_KEY = os.environ.get("PII_ENCRYPTION_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The worker (run_huey) attaches its own handler to "huey"; not propagating avoids every line twice.
    "loggers": {"axes": {"level": "WARNING"}, "huey": {"level": "INFO", "propagate": False}},
}
