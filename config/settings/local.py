"""Settings for a developer's machine (`make run`)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# `make run` writes a random key to .env; this fallback only serves commands
# run before that, on a machine that never faces a network.
SECRET_KEY = env("SECRET_KEY", default="solo-sviluppo-locale-non-usare-in-produzione")  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
