"""Settings of the demo site. Every knob reads from the environment.

Defaults give ``make demo``: DEBUG on, SQLite, the in-memory channel layer.
``DATABASE_URL`` switches to another database (PostgreSQL in production) and
``REDIS_URL`` to ``channels_redis`` and Django's Redis cache, so several daphne
processes share chats, budgets and socket counts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-key-change-me")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h
]

# Behind a proxy that ends TLS (deploy/nginx.conf), pages and sockets learn that
# they came over https from X-Forwarded-Proto, which the proxy must overwrite.
# The socket's origin check needs it: daphne reports no scheme for WebSockets.
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Other origins whose pages may post forms and open sockets, e.g. https://www.example.com.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chatactions",
    "project.bot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page in the visitor's language (Accept-Language, or the language cookie).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# A strict Content-Security-Policy: the chat page has no inline script, style or
# event handler, so 'self' is all it needs and an injected <script> cannot run.
# Django 6 has the middleware built in; docs/security.md shows django-csp for 5.2.
if django.VERSION >= (6, 0):
    MIDDLEWARE.insert(1, "django.middleware.csp.ContentSecurityPolicyMiddleware")
    SECURE_CSP = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # the API docs' icons are data: URIs
        "connect-src": ["'self'"],  # same-origin ws:// and wss:// too (CSP Level 3)
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"

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
            ],
        },
    },
]

# SQLite by default; WAL and IMMEDIATE transactions let several threads or
# processes write without "database is locked" surprises. Connections are
# kept open (Channels reconnects at every step otherwise) and health-checked,
# so one the database dropped is replaced before it fails a click; see
# docs/deploy.md for what both cost (CONN_MAX_AGE and CONN_HEALTH_CHECKS from
# the environment exist for bench/connections.py).
DATABASES: dict[str, Any] = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
    }

# Several checkouts testing on one PostgreSQL server each need their own test database.
if _test_name := os.environ.get("DJANGO_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": _test_name}

# REDIS_URL switches to channels_redis; several URLs, comma-separated, shard the
# layer across several Redis servers. REDIS_LAYER picks the layer: "pubsub" (the
# default, measured and explained in docs/deploy.md) or "core".
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_LAYER = os.environ.get("REDIS_LAYER", "pubsub")
CHANNEL_LAYERS: dict[str, Any]
if REDIS_URL:
    _hosts = [url.strip() for url in REDIS_URL.split(",") if url.strip()]
    _prefix = os.environ.get("CHANNELS_REDIS_PREFIX", "asgi")
    if REDIS_LAYER == "core":
        # The core layer blocks in BZPOPMIN for 5 s; redis-py 8 times socket reads out
        # after 5 s by default, which would tear down every idle socket
        # (django/channels_redis#422). Give reads more time than the pop.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": url, "socket_timeout": 10} for url in _hosts],
                    "capacity": 1000,
                    "prefix": _prefix,
                },
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": _hosts, "prefix": _prefix},
            }
        }
    # The same Redis backs Django's cache, so every process shares one budget per
    # requester and one count of open sockets (docs/security.md).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _hosts[0],
            "KEY_PREFIX": _prefix,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatactions.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }

# Each CHATACTIONS limit can be set as CHATACTIONS_<NAME>, read as its type.
_CHATACTIONS_NUMBERS = {
    "MAX_PAYLOAD_BYTES": int,
    "MAX_FRAME_BYTES": int,
    "MAX_MESSAGE_LENGTH": int,
    "MAX_FORM_BYTES": int,
    "MAX_UPLOAD_BYTES": int,
    "CLAIM_TIMEOUT": float,
    "RATE_LIMIT": int,
    "RATE_LIMIT_PERIOD": float,
    "MAX_SOCKETS_PER_CONVERSATION": int,
    "MAX_SOCKETS_PER_REQUESTER": int,
    "SOCKET_CHECK_INTERVAL": float,
    "SYNC_LIMIT": int,
    "STREAM_SAVE_INTERVAL": float,
    "STREAM_COALESCE": float,
    "STREAM_LEASE": float,
}
CHATACTIONS: dict[str, Any] = {}
for _name, _type in _CHATACTIONS_NUMBERS.items():
    if (_value := os.environ.get(f"CHATACTIONS_{_name}")) is not None:
        CHATACTIONS[_name] = _type(_value)
if "CHATACTIONS_ALLOW_ANONYMOUS" in os.environ:
    CHATACTIONS["ALLOW_ANONYMOUS"] = env_bool("CHATACTIONS_ALLOW_ANONYMOUS", True)

# The demo assistant's model (project/bot/assistant.py): empty, a scripted one
# (no key, no network); else a Pydantic AI model name, e.g. "openai:gpt-5", with
# that provider's key in its own variable (OPENAI_API_KEY) and its package
# installed (pip install "pydantic-ai-slim[openai]").
DEMO_MODEL = os.environ.get("CHATACTIONS_DEMO_MODEL", "")

# The HTTP API (chatactions.api) is described by drf-spectacular; its docs page
# loads Swagger UI from drf-spectacular-sidecar's static files, not from a CDN.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "chatactions HTTP API",
    "DESCRIPTION": "The chat with action buttons over plain HTTP; see docs/http-api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = "en-us"
# The languages chatactions ships (docs/translations.md says how to add one).
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ar", "العربية"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads of the demo's forms (the shipping form's photo) go through Django's default
# storage, here; the folder is git-ignored and not served: only the bot reads them.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or BASE_DIR / "media"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"chatactions": {"handlers": ["console"], "level": "INFO"}},
}
