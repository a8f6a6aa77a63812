from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccordoConfig(AppConfig):
    name = "accordo"
    verbose_name = _("Accordi ed enti")
