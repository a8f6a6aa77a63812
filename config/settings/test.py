"""Settings for the test suite (pytest, SQLite or PostgreSQL by DATABASE_URL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="accordi-private-"))
# Whitenoise warns when STATIC_ROOT is missing; tests serve static files through
# the staticfiles finders, so an empty folder will do.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="accordi-static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Django's test client logs in with authenticate() and no request, which the
# django-axes backend refuses; tests/core/test_axes.py turns axes on for the
# login pages it exercises (settings fixture), the rest of the suite runs without it.
AXES_ENABLED = False
# The suite can run with the clock set to another day (pytest --oggi, see
# tests/conftest.py) while Chromium keeps the real one: a cookie that
# expires on a date computed from the test's clock would already be expired
# for the browser. Session cookies carry no date at all.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
