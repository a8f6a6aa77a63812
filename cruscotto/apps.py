from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CruscottoConfig(AppConfig):
    """The dashboards: the top floor, which reads every app below it and is
    imported by none."""

    name = "cruscotto"
    verbose_name = _("Cruscotto")
