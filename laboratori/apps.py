from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaboratoriConfig(AppConfig):
    name = "laboratori"
    verbose_name = _("Laboratori e presenze")
