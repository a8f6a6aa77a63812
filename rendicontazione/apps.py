from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RendicontazioneConfig(AppConfig):
    name = "rendicontazione"
    verbose_name = _("Rendicontazione")
