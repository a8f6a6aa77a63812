"""Production settings: behind a TLS proxy, served by gunicorn + whitenoise.

The application refuses to start without SECRET_KEY and ALLOWED_HOSTS. The
proxy terminates TLS and must set X-Forwarded-Proto; the security settings
below can each be relaxed through the environment (e.g. SECURE_SSL_REDIRECT
when the proxy already redirects), but their defaults pass
`manage.py check --deploy`.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY deve essere impostata in produzione: una stringa casuale di almeno 50 "
        "caratteri, diversa per ogni installazione e mai pubblicata."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS deve essere impostata in produzione: i nomi host del sito separati da "
        "virgola, ad es. accordi.comune.example.it."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The TLS proxy tells Django the original scheme; it must overwrite any
# X-Forwarded-Proto header sent by the client.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The preload token only consents to inclusion in the browsers' preload list;
# nothing happens until the domain's owner submits it there.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Keep database connections open across requests unless told otherwise.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
