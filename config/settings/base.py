"""Settings shared by every environment.

Configuration comes from the environment (and from a `.env` file at the
project root, which `make run` writes with a fresh secret key). Without
DATABASE_URL the application uses SQLite in the project folder.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
# Variables already in the environment win over the file. DJANGO_READ_DOT_ENV=false
# ignores the file altogether: a process that must see only its own environment
# (the production-settings tests, a server configured by systemd) is then not
# fooled by a developer's .env.
if env.bool("DJANGO_READ_DOT_ENV", default=True) and env_file.exists():
    environ.Env.read_env(str(env_file))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (seconds; 0 = a new connection per request). Worth
# setting in production on PostgreSQL, where opening one costs milliseconds.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_filters",
    "bootstrap_italia_template",
    "axes",
    "csp",
    "core",
    "accordo",
    "budget",
    "laboratori",
    "rendicontazione",
    # The top floor: the dashboards and the operations that read every app.
    "cruscotto",
    "gestione",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before anything that renders: the chosen language.
    "core.middleware.LinguaScelta",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accordo.context_processors.navigazione",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.Utente"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Content-Security-Policy (django-csp): scripts, styles, fonts and images come
# only from our own static files. No inline <script>, no <style> block, no
# style="" attribute in any page (tests/core/test_csp.py checks the markup and
# a real browser): styles live in static/css, behaviour in static/js, and the
# SVG charts use presentation attributes. Bootstrap Italia's icons and
# backgrounds are data: URIs in its CSS. No exception, the admin included.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Login throttling (django-axes), on /accesso/ and on the admin login alike.
# The axes backend comes first: it refuses a locked-out user before the
# password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.backends.BackendUtenti",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Locked by user name alone, never by address: the staff of an office share one
# public IP address (and behind the TLS proxy every request may come from the
# proxy), so a lock by address would shut out colleagues. The lock holds
# wherever the guesses come from.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address among the parameters, because a lock by user
# agent or cookie is dodged by changing them. A lock by user name is not: adding
# the address ([["username", "ip_address"]]) would instead give an attacker five
# guesses per address they control.
# models.W040: SQLite ignores the amounts a covering index includes
# (budget.Prestazione); it still uses the index's key, PostgreSQL the whole.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/accesso_bloccato.html"

# Italian by default; English for whoever chooses it with the switch in the
# header (core.middleware.LinguaScelta: the browser's preference is not
# followed). Dates and amounts keep the Italian notation in both languages
# (core.formati), so 01/10/2024 is never read as month/day. Each language is
# named in itself, as a switch should.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Attachments (receipts, signed reports) live outside STATIC_ROOT and are
# never given a public URL: they are streamed by a view that checks who asks.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
MAX_UPLOAD_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="accordi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    # Anonymous lines about exports and erasures of personal data
    # (gestione.dati_personali): always written, whatever LOG_LEVEL says.
    "loggers": {"audit": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
