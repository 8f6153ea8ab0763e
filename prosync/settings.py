"""The one settings module: read from the environment (and an optional .env), safe local defaults."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Under pytest the defaults keep test keys and queues apart from a running development stack.
TESTING = env.bool("TESTING", default="pytest" in sys.modules)
PROSYNC_ENV = env.str("PROSYNC_ENV", default="test" if TESTING else "development")
PRODUCTION = PROSYNC_ENV == "production"

# Off unless asked for (DEBUG=1): a visitor of `make run` never sees a traceback or the URL list.
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no default in production
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-9f2c1d7e4b8a6f3e0d5c2b9a7e4f1c8d")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "prosync.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # index expressions with operator classes (the register's trigram search)
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "channels",
    "django_celery_beat",
    "prosync",
    "accounts",
    "assets",
    "workorders",
    "telemetry",
    "predictions",
    "prosync.reports",  # export jobs and report subscriptions
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.preferences.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "prosync.core.headers.ContentSecurityPolicyMiddleware",
    "prosync.core.headers.permissions_policy_middleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "prosync.urls"
ASGI_APPLICATION = "prosync.asgi.application"
WSGI_APPLICATION = None

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Data stores ----------------------------------------------------------------------------
# With no DATABASE_URL / REDIS_URL the project runs its own servers under ./var/.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from prosync import embedded

    DATABASES = {"default": env.db_url_config(embedded.postgres_url())}
# Outside tests, connections come from a psycopg pool per process (Django's recommended way
# under ASGI): a page no longer pays for a new PostgreSQL connection. DB_POOL_MAX_SIZE=0 turns
# it off. Tests keep plain connections: the test runner creates and drops its own database.
_pool_max = env.int("DB_POOL_MAX_SIZE", default=0 if TESTING else 10)
# Fail fast when PostgreSQL does not answer: the request is a 503 with Retry-After
# (prosync.views.server_error), and the next one connects again by itself.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=15)
# Health checks: a kept (or pooled) connection is tried before it is used, so after a PostgreSQL
# restart the dead ones are replaced instead of failing one request each.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if _pool_max > 0:
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1), "max_size": _pool_max,
        # How long a request waits for a connection (all busy, or PostgreSQL not answering).
        "timeout": env.float("DB_POOL_TIMEOUT", default=5)}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
# One test database per test run, so that runs side by side on one server do not collide.
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME",
                                                              default=f"test_prosync_{os.getpid()}")

if env.str("REDIS_URL", default=""):
    REDIS_URL = env.str("REDIS_URL")
else:
    from prosync import embedded

    REDIS_URL = embedded.redis_url()

# Keys of tests, development and production do not mix even on a shared Redis.
# Concurrent test runs on one Redis get a prefix each, so they never see each other's keys.
REDIS_PREFIX = env.str("REDIS_PREFIX", default=f"prosync-test-{os.getpid()}" if TESTING else f"prosync-{PROSYNC_ENV}")


def _redis_db(url: str, db: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# The cache (throttle counters included) gets a database of its own, so tests can clear it
# without touching queues or channel groups.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_db(REDIS_URL, env.int("CACHE_REDIS_DB", default=15 if TESTING else 1)),
        "KEY_PREFIX": REDIS_PREFIX,
        "TIMEOUT": 300,
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # redis-py 8 reads with a 5 s socket timeout by default, the same as the layer's blocking
        # BZPOPMIN: every idle consumer would be torn down after 5 s. A longer one still notices a
        # dead connection.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": f"{REDIS_PREFIX}:asgi",
                   "capacity": 500, "expiry": 30},
    }
}

TELEMETRY_BACKEND = env.str("TELEMETRY_BACKEND", default="postgres")
MONGODB_URI = env.str("MONGODB_URI", default="")
# Raw readings older than this are dropped (whole day partitions); the rollups are kept.
TELEMETRY_RAW_RETENTION_DAYS = env.int("TELEMETRY_RAW_RETENTION_DAYS", default=90)
# A range query reads the finest resolution (raw, 1-minute, 1-hour) whose row count for the span
# stays within this budget: 30 days of 1 Hz data come from the hourly rollup, 7 days from the
# minute rollup, a few hours raw.
TELEMETRY_SERIES_ROW_BUDGET = env.int("TELEMETRY_SERIES_ROW_BUDGET", default=20_000)
# The most raw readings one series request may read (?resolution=raw over years would read them
# all); beyond it the API answers 400 and asks for a coarser resolution or a shorter range.
RAW_SERIES_MAX_POINTS = env.int("RAW_SERIES_MAX_POINTS", default=100_000)
# The most rows one ?format=csv answer of an API list holds (it is built in memory); above it, 400.
API_CSV_MAX_ROWS = env.int("API_CSV_MAX_ROWS", default=50_000)
# Writes leave their rollup aggregates pending; beat folds them this often (reads fold first).
TELEMETRY_ROLLUP_FOLD_SECONDS = env.int("TELEMETRY_ROLLUP_FOLD_SECONDS", default=5)
# MongoDB event log down: commits skip delivering the outbox for this long after a failure.
EVENT_OUTBOX_RETRY_SECONDS = env.int("EVENT_OUTBOX_RETRY_SECONDS", default=10)
TELEMETRY_CSV_CHUNK = env.int("TELEMETRY_CSV_CHUNK", default=5_000)

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery:"}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery:"}
CELERY_TASK_DEFAULT_QUEUE = f"{REDIS_PREFIX}-default"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies goes back to the queue (every task is idempotent), not lost; Redis
# hands an unacknowledged task out again only after the visibility timeout, which must be longer
# than the longest task (the hard time limit).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=50 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 10 * 60
TRAINING_LEASE_SECONDS = env.int("TRAINING_LEASE_SECONDS", default=15 * 60)
# A CSV import that reports no progress for this long is marked failed (its worker is gone).
IMPORT_LEASE_SECONDS = env.int("IMPORT_LEASE_SECONDS", default=15 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's model backend with each user's permissions read from the cached access profile.
AUTHENTICATION_BACKENDS = ["accounts.access.CachedModelBackend"]
PASSWORD_HASHERS = [
    "prosync.hashers.TestArgon2PasswordHasher" if TESTING else "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # technicians land on My work, the others on the dashboard
LOGOUT_REDIRECT_URL = "login"

# Notification e-mail: printed to the console unless a real backend (SMTP relay) is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ProSyncHub <noreply@prosync.local>")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")  # links in e-mails

# --- Reports and exports --------------------------------------------------------------------
# A list or report export above this many rows runs as a background job with a progress page.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=5_000)
# A finished export file is kept this many days, then deleted by beat.
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=7)
# A shared report link opens for this many days after it was made.
REPORT_LINK_MAX_AGE = env.int("REPORT_LINK_MAX_AGE", default=14)

# A choice filter left empty filters nothing: say so rather than Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "All"

# Reverse proxies in front of the app that append to X-Forwarded-For; 0: the header is ignored and
# the peer's address is the client's (prosync.core.throttling.client_ip).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# Failed sign-ins (page, admin and API token) tolerated per account and per client address within
# the window before further attempts are refused (accounts.sign_in).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_FAILURE_LIMIT_PER_CLIENT = env.int("LOGIN_FAILURE_LIMIT_PER_CLIENT", default=30)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["prosync.core.permissions.SiteScopedPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "prosync.core.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "prosync.core.renderers.CSVRenderer",  # ?format=csv: the whole filtered list as a download
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "prosync.core.throttling.AnonRateThrottle",  # DRF's, over a Redis sorted set (one atomic round trip)
        "prosync.core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "user": env.str("THROTTLE_USER", default="3000/min"),
        "ingest": env.str("THROTTLE_INGEST", default="1200/min"),
        "login": env.str("THROTTLE_LOGIN", default="20/min"),
    },
    "EXCEPTION_HANDLER": "prosync.core.api.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ProSyncHub API",
    "DESCRIPTION": "Maintenance platform: asset register, work orders, telemetry and predictive health.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/img/favicon.svg",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "assets.choices.AssetStatus",
        "StockMovementKindEnum": "assets.choices.MovementKind",
        # Several models have a "kind" field: each its own enum name.
        "LocationKindEnum": "assets.choices.LocationKind",
        "MeterKindEnum": "assets.choices.MeterKind",
        "DocumentKindEnum": "assets.choices.DocumentKind",
        "NotificationKindEnum": "accounts.models.NotificationKind",
        "WorkOrderTypeEnum": "workorders.choices.WorkOrderType",
        "FailureCodeKindEnum": "workorders.choices.FailureCodeKind",
        "ChecklistItemKindEnum": "workorders.choices.ChecklistItemKind",
        "AttachmentKindEnum": "workorders.choices.AttachmentKind",
        "WorkOrderStatusEnum": "workorders.choices.WorkOrderStatus",
        "AlertStatusEnum": "telemetry.choices.AlertStatus",
        "ModelStatusEnum": "predictions.choices.ModelStatus",
    },
}

# --- Internationalisation, static ---------------------------------------------------------
LANGUAGE_CODE = "en"
# What a person may choose on their preferences page. Only locales that write numbers with a
# decimal point so far: a few pages print floats into SVG coordinates, which a decimal comma breaks.
LANGUAGES = [("en", "English (US formats)"), ("en-gb", "English (UK formats)")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The instance's currency until an Admin sets one on the settings page.
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected files are served in production; in development WhiteNoise reads static/ directly.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles") if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# `manage.py backup` writes here when given no path.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
# Uploaded files (asset documents and photos) go through Django's storage API: the local disk by
# default, an S3-compatible bucket (AWS, MinIO, Ceph, ...) when S3_BUCKET is set.
if env.str("S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": None,  # private objects: files are served through a permission-checked view
            "file_overwrite": False,
        },
    }
# The most pixels (width x height) an uploaded image may have; larger ones are refused before they
# are decoded (a few-KB file can declare a canvas that takes gigabytes to draw). Also Pillow's own
# decompression-bomb limit in every process.
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=60_000_000)
ASSET_DOCUMENT_MAX_BYTES = env.int("ASSET_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
ASSET_DOCUMENT_EXTENSIONS = env.list("ASSET_DOCUMENT_EXTENSIONS", default=[
    "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "doc", "docx", "xls", "xlsx", "dwg", "dxf", "zip"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Product settings ---------------------------------------------------------------------
INGEST_MAX_BATCH = env.int("INGEST_MAX_BATCH", default=10_000)
# How long the answer to an API write sent with an Idempotency-Key is kept for its retries
# (an hourly beat task deletes older ones).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# Request bodies: form fields held in memory (Django refuses more with 400), the size above which
# an upload goes to a temporary file, and per-endpoint limits answered with 413 from the declared
# Content-Length before anything is parsed (10,000 readings are about 1 MB of JSON; an import
# file is at most 5 MB, plus the multipart envelope).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# The largest request body of any kind, refused with 413 by the ASGI application before anything
# is read (prosync.core.body_limit), also when chunked: the largest upload, a telemetry CSV import
# of 200 MB (telemetry/forms.py), and its envelope.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=201 * 1024 * 1024)
# A telemetry CSV import sent from its page (/alerts/imports/): refused before the form is parsed.
TELEMETRY_IMPORT_MAX_BODY_BYTES = env.int("TELEMETRY_IMPORT_MAX_BODY_BYTES", default=200 * 1024 * 1024 + 64 * 1024)
INGEST_MAX_BODY_BYTES = env.int("INGEST_MAX_BODY_BYTES", default=4 * 1024 * 1024)
IMPORT_MAX_BODY_BYTES = env.int("IMPORT_MAX_BODY_BYTES", default=5 * 1024 * 1024 + 64 * 1024)
INGEST_MAX_FUTURE = timedelta(minutes=env.int("INGEST_MAX_FUTURE_MINUTES", default=5))
ASSESSMENT_INTERVAL_SECONDS = env.int("ASSESSMENT_INTERVAL_SECONDS", default=60)
HEALTH_ALERT_BELOW = env.float("HEALTH_ALERT_BELOW", default=40.0)
HEALTH_ALERT_CLEAR_ABOVE = env.float("HEALTH_ALERT_CLEAR_ABOVE", default=60.0)
# WebSocket tickets (POST /api/v1/ws-ticket/) open one live feed within this many seconds; an open
# feed checks again this often that its user may still read it, and closes if not.
WS_TICKET_SECONDS = env.int("WS_TICKET_SECONDS", default=30)
WS_ACCESS_RECHECK_SECONDS = env.float("WS_ACCESS_RECHECK_SECONDS", default=30.0)
# Live values: at most one update per asset per window (plus a trailing one with the last value).
LIVE_PUSH_WINDOW_MS = env.int("LIVE_PUSH_WINDOW_MS", default=250)
LIVE_PUSH_REDIS_URL = env.str("LIVE_PUSH_REDIS_URL", default=CACHES["default"]["LOCATION"])
# MQTT ingestion worker (manage.py mqtt_ingest): broker, topic pattern, and where errors go.
MQTT_URL = env.str("MQTT_URL", default="")
MQTT_TOPIC = env.str("MQTT_TOPIC", default="prosync/+/readings")
# {site}: the site the message's topic names, so that each gateway reads its own site's errors.
MQTT_ERROR_TOPIC = env.str("MQTT_ERROR_TOPIC", default="prosync/{site}/errors")
# The topic level that names a site by its code (1 in prosync/<site>/readings): each message is
# stored for that site's sensors only. "off": topics do not name sites (any publisher writes for
# every sensor; only for a broker whose ACLs confine publishers otherwise).
_mqtt_site_level = env.str("MQTT_TOPIC_SITE_LEVEL", default="1").strip().lower()
MQTT_TOPIC_SITE_LEVEL = None if _mqtt_site_level in ("", "off", "none") else int(_mqtt_site_level)
# With both set, the password file and ACL of the broker are written from the gateways in the
# database (manage.py mqtt_access, and again whenever a gateway is issued or revoked), and the
# broker whose pid is in MQTT_BROKER_PID_FILE is told to read them again. make run sets them.
MQTT_PASSWORD_FILE = env.str("MQTT_PASSWORD_FILE", default="")
MQTT_ACL_FILE = env.str("MQTT_ACL_FILE", default="")
MQTT_BROKER_PID_FILE = env.str("MQTT_BROKER_PID_FILE", default="")
# The ingestion worker's batches (telemetry/mqtt.py): up to this many messages, or what arrives
# within the window after the first; several workers share the topics as one group.
MQTT_BATCH_SIZE = env.int("MQTT_BATCH_SIZE", default=2000)
MQTT_BATCH_WINDOW_MS = env.int("MQTT_BATCH_WINDOW_MS", default=25)
MQTT_SHARED_GROUP = env.str("MQTT_SHARED_GROUP", default="prosync-ingest")
MQTT_STATS_INTERVAL = env.float("MQTT_STATS_INTERVAL", default=60.0)
# A category whose active model has seen this many new labels (inspections, repaired failures)
# gets a candidate model trained on them, checked every RETRAIN_CHECK_HOURS by beat.
RETRAIN_MIN_NEW_LABELS = env.int("RETRAIN_MIN_NEW_LABELS", default=5)
RETRAIN_CHECK_HOURS = env.int("RETRAIN_CHECK_HOURS", default=6)
# Windows (seconds) over which the health models summarise each sensor; recorded on every
# trained version, so changing them affects models trained afterwards only.
PREDICTION_WINDOWS_SECONDS = [int(w) for w in env.list("PREDICTION_WINDOWS_SECONDS", default=["600", "1800"])]

# --- Security (check --deploy clean in production) ----------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"  # links out of the plant's system carry no path or query
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp; README "Security headers" says how a page follows it).
# Scripts: files of this origin, and a <script> element only with the response's nonce
# (nonce="{{ request.csp_nonce }}"); no inline code or handler runs. Styles allow 'unsafe-inline':
# bars and the project timeline are sized by a style attribute computed on the server, htmx adds
# its indicator <style> and Swagger UI styles its elements inline; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Swagger UI's and the selects' icons are data: URLs
        "font-src": [SELF],
        "connect-src": [SELF],  # plus ws:// and wss:// of the request's host (prosync.core.headers)
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# Features no page uses are off; the camera stays available to this origin for the QR scanner.
PERMISSIONS_POLICY = {
    "camera": ["self"], "geolocation": [], "microphone": [], "payment": [], "usb": [], "serial": [],
    "bluetooth": [], "midi": [], "magnetometer": [], "gyroscope": [], "accelerometer": [],
    "display-capture": [], "browsing-topics": [],
}

# --- Logging: one JSON object per line -----------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}
