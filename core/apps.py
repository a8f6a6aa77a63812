from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Utenti e impostazioni")

    def ready(self):
        from django.db.models import IntegerField
        from django.db.models.signals import post_migrate

        from core.lookups import IntegerFieldIn
        from core.ruoli import sincronizza_gruppi

        # A posted id too large for the column is "no such row", not a 500.
        IntegerField.register_lookup(IntegerFieldIn)

        # Groups and their permissions are configuration, kept in code
        # (core/ruoli.py) and re-applied after every migrate so a new model's
        # permissions reach the right role without a manual step.
        post_migrate.connect(sincronizza_gruppi, sender=self)
