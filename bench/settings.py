"""Settings of the benchmarks: the production stack (DEBUG off, the same
middleware, templates and database code) on a throw-away database.

The database comes from BENCH_DATABASE_URL, set by `manage.py bench` for
each phase; without it an in-memory SQLite database is used, so these
settings can never reach the application's own database. Static files
use the plain storage: the pages measured need no collectstatic manifest.
"""

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = "bench-only-secret-key-never-used-for-real-data"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES = {"default": env.db("BENCH_DATABASE_URL", default="sqlite://:memory:")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# As in production: connections kept between requests (PostgreSQL would
# otherwise open one per request, and every page would pay for it).
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_MEDIA_ROOT = Path(tempfile.gettempdir()) / "accordi-bench-private"
# An empty folder: whitenoise only warns when STATIC_ROOT is missing.
STATIC_ROOT = Path(tempfile.gettempdir()) / "accordi-bench-static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
