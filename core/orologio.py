"""The application's clock: what "today" is, in the configured time zone.

Pages and rules that depend on the day ask here, so that there is one
today everywhere (and one place for tests to freeze).
"""

from datetime import date

from django.utils import timezone


def oggi() -> date:
    return timezone.localdate()
